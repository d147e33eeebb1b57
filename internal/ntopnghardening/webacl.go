package ntopnghardening

// The web access list (web_allowed_networks): a Redis key, not a line of ntopng.conf, read by
// ntopng's web server when it starts.

import (
	"context"
	"fmt"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
	"github.com/hardenops/terraform-provider-ntopng/internal/webusers"
)

// ReadWebACL reads the access list from the Redis that eff names, as the list of networks the
// provider would have written, or the raw entries when it holds anything else (drift).
func ReadWebACL(ctx context.Context, c *transport.Conn, eff ntopngconf.Effective) ([]string, error) {
	t := RedisTarget(eff)
	rep, err := livecheck.RedisDo(ctx, c, t, []string{"GET", webusers.ACLKey})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", webusers.ACLKey, err)
	}
	if rep[0].Err != "" {
		return nil, fmt.Errorf("reading %s from Redis at %s: %s", webusers.ACLKey, t.Addr, rep[0].Err)
	}
	return aclNetworks(rep[0].Str), nil
}

// aclNetworks is the stored list as networks, or its raw entries and invalid parts.
func aclNetworks(stored string) []string {
	acl := webusers.ParseACL(stored)
	if nets, ok := acl.Networks(); ok {
		return nets
	}
	var raw []string
	for _, e := range acl.Entries {
		raw = append(raw, e.String())
	}
	return append(raw, acl.Invalid...)
}

// webACLChange writes the planned access list before the restart of the apply cycle; undo
// puts back what was there (nil when nothing changed). changed says ntopng must restart.
func webACLChange(ctx context.Context, c *transport.Conn, eff ntopngconf.Effective, nets []string) (changed bool, undo func(context.Context) error, err error) {
	want, err := webusers.RenderACL(nets)
	if err != nil {
		return false, nil, err
	}
	t := RedisTarget(eff)
	rep, err := livecheck.RedisDo(ctx, c, t, []string{"GET", webusers.ACLKey})
	if err == nil && rep[0].Err != "" {
		err = fmt.Errorf("%s", rep[0].Err)
	}
	if err != nil {
		return false, nil, fmt.Errorf("reading %s from ntopng's Redis: %w", webusers.ACLKey, err)
	}
	if !rep[0].Nil && rep[0].Str == want {
		return false, nil, nil
	}
	old := rep[0]
	if rep, err = livecheck.RedisDo(ctx, c, t, []string{"SET", webusers.ACLKey, want}); err == nil && rep[0].Err != "" {
		err = fmt.Errorf("%s", rep[0].Err)
	}
	if err != nil {
		return false, nil, fmt.Errorf("writing %s to ntopng's Redis: %w", webusers.ACLKey, err)
	}
	undo = func(ctx context.Context) error {
		cmd := []string{"SET", webusers.ACLKey, old.Str}
		if old.Nil {
			cmd = []string{"DEL", webusers.ACLKey}
		}
		rep, err := livecheck.RedisDo(ctx, c, t, cmd)
		if err == nil && rep[0].Err != "" {
			err = fmt.Errorf("%s", rep[0].Err)
		}
		return err
	}
	return true, undo, nil
}

// ApplyWithWebACL runs the apply cycle; with manage, the access list nets is written first to
// the Redis that eff (ntopng's configuration after the change) names: a failed restart or
// verification puts the old list back and restarts ntopng once more, so that the running
// ntopng uses the old file and the old list.
func ApplyWithWebACL(ctx context.Context, c *transport.Conn, ch hostchange.Change, eff ntopngconf.Effective, nets []string, manage bool) error {
	var undo func(context.Context) error
	if manage {
		changed, u, err := webACLChange(ctx, c, eff, nets)
		if err != nil {
			return err
		}
		undo = u
		ch.ForceRestart = ch.ForceRestart || changed
	}
	_, err := hostchange.Apply(ctx, c, ch)
	if err == nil || undo == nil {
		return err
	}
	if uerr := undo(ctx); uerr != nil {
		return fmt.Errorf("%w; putting back the old %s also failed: %v", err, webusers.ACLKey, uerr)
	}
	if ch.Restart != "" {
		if res, rerr := c.RunShell(ctx, ch.Restart, nil); rerr != nil || res.ExitCode != 0 {
			return fmt.Errorf("%w; the old %s is back, but restarting ntopng with it failed", err, webusers.ACLKey)
		}
	}
	return fmt.Errorf("%w; the old %s was put back and ntopng restarted with it", err, webusers.ACLKey)
}
