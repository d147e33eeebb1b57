package provider

// The web access list of ntopng_instance (web_allowed_networks): a Redis key, not a line of
// ntopng.conf, read by ntopng's web server when it starts.

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
	"github.com/hardenops/terraform-provider-ntopng/internal/validators"
	"github.com/hardenops/terraform-provider-ntopng/internal/webusers"
)

func webAllowedNetworksAttribute() schema.ListAttribute {
	return schema.ListAttribute{
		MarkdownDescription: "IPv4 networks in CIDR form (e.g. `[\"192.0.2.0/24\", \"10.1.2.3/32\"]`) that may reach ntopng's web " +
			"server at all; every other client is refused before the login page. Written to ntopng's Redis (the one its " +
			"configuration names) as `ntopng.prefs.http_acl_management_port` = `+NET/BITS,...`; ntopng reads it when its " +
			"web server starts, so a change restarts ntopng. Refused at plan time: IPv6 (ntopng's list is IPv4 only), host " +
			"names, an address without `/BITS`, host bits set, an empty list. Include the addresses your own checks come " +
			"from (e.g. the host itself for `ntopng_tls_cert.verify_endpoint`). Unset: not managed. Read back for drift.",
		ElementType: types.StringType,
		Optional:    true,
		Validators:  []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(validatorsFuncACL())},
	}
}

// readWebACL reads the access list from the Redis that eff names, as the list of networks the
// provider would have written, or the raw entries when it holds anything else (drift).
func readWebACL(ctx context.Context, c *transport.Conn, eff ntopngconf.Effective) (types.List, string, error) {
	t := redisTarget(eff)
	rep, err := livecheck.RedisDo(ctx, c, t, []string{"GET", webusers.ACLKey})
	if err != nil {
		return types.ListNull(types.StringType), "", fmt.Errorf("reading %s: %w", webusers.ACLKey, err)
	}
	if rep[0].Err != "" {
		return types.ListNull(types.StringType), "", fmt.Errorf("reading %s from Redis at %s: %s", webusers.ACLKey, t.Addr, rep[0].Err)
	}
	acl := webusers.ParseACL(rep[0].Str)
	if nets, ok := acl.Networks(); ok {
		return stringList(nets), rep[0].Str, nil
	}
	var raw []string
	for _, e := range acl.Entries {
		raw = append(raw, e.String())
	}
	return stringList(append(raw, acl.Invalid...)), rep[0].Str, nil
}

// webACLChange writes the planned access list before the restart of the apply cycle; undo
// puts back what was there (nil when nothing changed). changed says ntopng must restart.
func webACLChange(ctx context.Context, c *transport.Conn, eff ntopngconf.Effective, nets []string) (changed bool, undo func(context.Context) error, err error) {
	want, err := webusers.RenderACL(nets)
	if err != nil {
		return false, nil, err
	}
	t := redisTarget(eff)
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

// applyWithWebACL runs the apply cycle with the access list written first: a failed restart
// or verification puts the old list back and restarts ntopng once more, so that the running
// ntopng uses the old file and the old list.
func applyWithWebACL(ctx context.Context, c *transport.Conn, ch hostchange.Change, eff ntopngconf.Effective, nets []string, manage bool) error {
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

func validatorsFuncACL() validator.String {
	return validators.Func("Invalid Web Access Network", "an IPv4 network in CIDR form", func(s string) error {
		_, err := webusers.ValidateACLNetwork(s)
		return err
	})
}

// newEffective is what ntopng will use after the apply: the new main file and the drop-ins
// without the managed options (as apply leaves them).
func newEffective(confPath, mainText string, dropIns []transport.File, managed []string) ntopngconf.Effective {
	all := []ntopngconf.File{{Name: confPath, Text: mainText}}
	for _, f := range dropIns {
		all = append(all, ntopngconf.File{Name: f.Path, Text: ntopngconf.Edit(string(f.Data), nil, managed)})
	}
	return ntopngconf.Evaluate(all...)
}
