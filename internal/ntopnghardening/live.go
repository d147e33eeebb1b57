package ntopnghardening

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/hostscript"
	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// checkUnit is the one place where a read asks about ntopng's unit (its processes and their
// listeners) and, when redis is given, whether that Redis answers ntopng: one command, asked
// once. A read never waits: a running ntopng that listens nowhere (still starting, or stuck)
// is reported as it is now, which is drift, at once; only apply's verification (WaitListeners)
// waits for the listeners. (It waited up to 20 s per host: a plan over 100 such hosts took
// minutes.)
func checkUnit(ctx context.Context, c *transport.Conn, service livecheck.Service, redis *livecheck.RedisTarget) (livecheck.Unit, error) {
	return askUnit(ctx, c, service, redis)
}

// askUnit is one unit check, with the Redis question when redis is given.
func askUnit(ctx context.Context, c *transport.Conn, service livecheck.Service, redis *livecheck.RedisTarget) (livecheck.Unit, error) {
	if redis == nil {
		return livecheck.UnitListeners(ctx, c, service)
	}
	return livecheck.UnitListenersAndRedis(ctx, c, service, *redis)
}

// RedisStatus is the redis_status read-back of a Redis check: "" when there was none (the
// files set no --redis), "ok", or why a client configured as ntopng is not let in.
func RedisStatus(r *livecheck.RedisReach) string {
	switch {
	case r == nil:
		return ""
	case r.OK:
		return RedisOK
	}
	return r.Detail
}

// RedisOK is the redis_status of an ntopng that reaches its Redis.
const RedisOK = "ok"

// RedisDrifted: a status read back says that ntopng cannot reach its Redis (a host without
// redis-cli, "not checked", is not drift).
func RedisDrifted(status string) bool {
	return status != "" && status != RedisOK && !strings.HasPrefix(status, livecheck.NotChecked)
}

// VerifyRedis asks, once, whether the Redis of eff (the files just written) lets ntopng in:
// the verification after a restart. An error says why not; a host without redis-cli passes.
func VerifyRedis(ctx context.Context, c *transport.Conn, service livecheck.Service, eff ntopngconf.Effective) error {
	if _, set := eff.Options["redis"]; !set {
		return nil
	}
	t := RedisTarget(eff)
	u, err := askUnit(ctx, c, service, &t)
	if err != nil {
		return err
	}
	if u.Redis != nil && u.Redis.Checked && !u.Redis.OK {
		return fmt.Errorf("ntopng cannot reach its Redis with what its configuration says: %s", u.Redis.Detail)
	}
	return nil
}

// WaitListeners polls until the processes of service listen on exactly want (collector
// endpoints left out), for up to timeout. Where they cannot be found (systemd does not run
// and no PID file leads to ntopng) it fails: verification was asked for and cannot be done.
// Without a PID file in the configuration that is final, and it fails at once; a PID file
// that is missing or names another process may be ntopng still starting, and is asked again.
func WaitListeners(ctx context.Context, c *transport.Conn, service livecheck.Service, want []string, collectors map[int]bool, timeout time.Duration) error {
	return hostchange.Poll(ctx, hostchange.Backoff{First: 200 * time.Millisecond, Max: 3200 * time.Millisecond, Timeout: timeout},
		func(ctx context.Context, _, _ time.Duration) (string, error) {
			u, err := livecheck.UnitListeners(ctx, c, service)
			if err != nil {
				return "", err
			}
			if u.NotChecked != "" {
				why := fmt.Sprintf("ntopng's listeners cannot be verified: %s; give ntopng a PID file (extra_options "+
					"{ pid = \"/run/ntopng.pid\" }, written by the ntopng that restart_command starts with %s) or set "+
					"verify_listeners = false", strings.TrimPrefix(u.NotChecked, livecheck.NotChecked), service.Config)
				if service.PIDFile == "" {
					return "", errors.New(why)
				}
				return why, nil
			}
			if seen := WebListeners(u.Listeners, collectors); !slices.Equal(seen, want) {
				return fmt.Sprintf("the processes of %s (%s) listen on %v, want exactly %v", service.Unit, describe(u), seen, want), nil
			}
			return "", nil
		})
}

// describe is how a unit check found ntopng's main process, for messages.
func describe(u livecheck.Unit) string {
	if u.PIDFile != "" {
		return fmt.Sprintf("no systemd; main PID %d from %s", u.MainPID, u.PIDFile)
	}
	return fmt.Sprintf("%s, main PID %d", u.ActiveState, u.MainPID)
}

// ListenerCheck is apply's verification: the processes of service listen on exactly where d
// says (HTTPS only with the certificate present), the collector endpoints of d's interfaces
// (the host's when d does not manage them) left out, within timeout; then, when eff (the files
// as written) sets --redis, that Redis lets ntopng in (VerifyRedis). Where systemd does not
// run, the processes are those of the PID file eff names (see WaitListeners).
func (h *Host) ListenerCheck(c *transport.Conn, d Desired, eff ntopngconf.Effective, confPath, unit string, certPresent bool, timeout time.Duration) func(context.Context) error {
	want := ExpectedListeners(d.HTTPListen, d.HTTPSListen, certPresent)
	ifaces := h.OptionValues("interface")
	if d.Interfaces != nil {
		ifaces = d.Interfaces
	}
	collectors := CollectorPorts(ifaces)
	service := h.Service(confPath, unit, eff)
	return func(ctx context.Context) error {
		// An ntopng that cannot reach its Redis usually does not listen either: its Redis's
		// answer is then the better reason.
		lerr := WaitListeners(ctx, c, service, want, collectors, timeout)
		if rerr := VerifyRedis(ctx, c, service, eff); rerr != nil {
			return errors.Join(rerr, lerr)
		}
		return lerr
	}
}

// EnsureUser creates d's system user and its group when missing, adds the supplementary
// groups and gives it the data directory. Names are validated by the caller; they reach the
// script as its arguments.
func EnsureUser(ctx context.Context, c *transport.Conn, d Desired) error {
	dataDir := DefaultDataDir
	if d.DataDir != "" {
		dataDir = d.DataDir
	}
	// Root creates the data directory and gives it away: never through a link that the
	// service account (or anyone but root) could have planted, or a compromised ntopng
	// could make /root its own. GuardPath refuses such links, naming them, and resolves the
	// trusted ones; the script then works on the directory it entered (cd -P, checked with
	// pwd -P) and changes "." only, so a swap after the check cannot redirect the chown.
	realDir, err := c.GuardPath(ctx, dataDir)
	if err != nil {
		return fmt.Errorf("data_dir %s: %w", dataDir, err)
	}
	res, err := c.Run(ctx, userScript.MustCommand(hostscript.Args{"NTOPNG_USER": d.User, "DATA_DIR": dataDir, "REAL_DIR": realDir,
		"USER_GROUPS": strings.Join(d.UserGroups, "\n")}), nil)
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("preparing user %s failed (exit %d): %s", d.User, res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	return nil
}

//go:embed user.sh
var userSh string

//go:embed give_to_root.sh
var giveToRootSh string

// giveToRootScript gives paths to root (give_to_root.sh).
var giveToRootScript = hostscript.New("give_to_root.sh", giveToRootSh)

// userScript is EnsureUser's script (user.sh).
var userScript = hostscript.New("user.sh", userSh)

// GiveToRoot gives the configuration paths back to root: ntop's package gives them to the
// service account. Group and others lose write permission (the group is kept); symbolic
// links are given to root, never followed.
func GiveToRoot(ctx context.Context, c *transport.Conn, paths []string) error {
	res, err := c.Run(ctx, giveToRootScript.MustCommand(nil, paths...), nil)
	if err == nil && res.ExitCode != 0 {
		err = fmt.Errorf("exit %d: %s", res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	if err != nil {
		return fmt.Errorf("chown/chmod of %s failed: %v", strings.Join(paths, ", "), err)
	}
	return nil
}
