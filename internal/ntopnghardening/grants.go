package ntopnghardening

// What ntop's package grants on install (its postinst), beyond ntopng itself, and how
// ntopng_instance takes each back: nmap's file capabilities, the service account in
// systemd-journal, the sudoers rule for ntopctl, and the root cron job of ntop's updater.

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strings"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/hostids"
	"github.com/hardenops/terraform-provider-ntopng/internal/hostscript"
	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

const (
	// NmapPath is the file ntop's postinst gives capabilities
	// (setcap cap_net_raw,cap_net_admin,cap_net_bind_service+eip /usr/bin/nmap).
	NmapPath = "/usr/bin/nmap"
	// JournalGroup is the group ntop's postinst adds the service account to.
	JournalGroup = "systemd-journal"
	// SudoersPath is ntop's sudoers rule: ntopng ALL= NOPASSWD: /usr/bin/ntopctl.
	SudoersPath = "/etc/sudoers.d/ntopng"
	// CronPath is ntop's cron job: as root, every minute, `ntopng-utils-manage-updates -a
	// handle-on-demand-requests` (and daily `-a check-updates`). The updater reads Redis's
	// address and password from the --redis line of UpdaterConfPath, passes them to redis-cli
	// on its command line, and runs apt-get install when Redis holds ntopng.updates.run_upgrade.
	CronPath = "/etc/cron.d/ntopng"
	// UpdaterConfPath is the one file ntop's updater reads --redis from
	// (ntopng-utils-manage-config -a print-redis-info).
	UpdaterConfPath = DefaultConfPath
)

// Grants is what the host has of ntop's package grants.
type Grants struct {
	// Read is false when the host was not asked (GrantsProbe did not run).
	Read bool
	// NmapCaps are the file capabilities of NmapPath as getcap prints them
	// ("cap_net_admin,cap_net_bind_service,cap_net_raw=eip"); "" when it has none or is
	// missing. NmapNote says why they could not be read ("" when they were).
	NmapCaps, NmapNote string
	// NmapExists: NmapPath is there (a regular file).
	NmapExists bool
	// User is the account the group membership was looked up for; InJournal whether it is in
	// JournalGroup (JournalExists: the group exists at all).
	User                     string
	InJournal, JournalExists bool
	// Sudoers: SudoersPath exists; SudoersRules are its lines that are not comments or blank.
	Sudoers      bool
	SudoersRules []string
	// Cron: CronPath exists; CronLines are its lines that are not comments or blank.
	Cron      bool
	CronLines []string
	// UpdaterRedis is the Redis the updater would ask, as it parses UpdaterConfPath ("HOST:PORT",
	// "" when that file gives it none and redis-cli's defaults apply); UpdaterPassword whether it
	// finds a password there, which it would put on redis-cli's command line.
	UpdaterRedis    string
	UpdaterPassword bool
}

//go:embed grants_probe.sh
var grantsProbeSh string

// GrantsProbe prints what ParseGrants reads (grants_probe.sh): nmap's capabilities, the
// sudoers rule's and the cron job's lines, and whether ntop's updater finds a Redis password,
// never the password. A probe of the unit check (ReadHost), or run alone (ReadGrants).
var GrantsProbe = livecheck.Probe{
	Name:   "grants",
	Script: hostscript.New("grants_probe.sh", grantsProbeSh),
	Args:   hostscript.Args{"NMAP": NmapPath, "SUDOERS": SudoersPath, "CRON": CronPath, "UPDATER_CONF": UpdaterConfPath},
}

// ParseGrants reads GrantsProbe's output; ids (the host's /etc/passwd and /etc/group) say
// whether user is in JournalGroup.
func ParseGrants(out string, ids *hostids.IDs, user string) Grants {
	g := Grants{Read: true, User: user}
	_, g.JournalExists = ids.GID(JournalGroup)
	g.InJournal = ids.InGroup(user, JournalGroup)
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "nmap="):
			v := strings.TrimSpace(strings.TrimPrefix(line, "nmap="))
			switch v {
			case "!link":
				g.NmapExists, g.NmapNote = true, NmapPath+" is a symbolic link (not followed)"
			case "!absent":
			case "!nogetcap":
				g.NmapExists, g.NmapNote = true, "the host has no getcap (libcap2-bin) to read "+NmapPath+"'s capabilities with"
			default:
				g.NmapExists = true
				g.NmapCaps = capsOf(v)
			}
		case line == "sudoers=present":
			g.Sudoers = true
		case line == "cron=present":
			g.Cron = true
		case strings.HasPrefix(line, "c| "):
			if r := strings.TrimSpace(strings.TrimPrefix(line, "c| ")); r != "" && !strings.HasPrefix(r, "#") {
				g.CronLines = append(g.CronLines, r)
			}
		case strings.HasPrefix(line, "updater=") && line != "updater=none":
			redis, pw, _ := strings.Cut(strings.TrimPrefix(line, "updater="), " password=")
			g.UpdaterRedis, g.UpdaterPassword = redis, pw == "yes"
		case strings.HasPrefix(line, "| "):
			if r := strings.TrimSpace(strings.TrimPrefix(line, "| ")); r != "" && !strings.HasPrefix(r, "#") {
				g.SudoersRules = append(g.SudoersRules, r)
			}
		}
	}
	return g
}

// capsOf is the capability text of a getcap line: "PATH CAPS" (libcap >= 2.41), "PATH = CAPS"
// (older), or nothing (no capabilities). Anything else getcap printed (an error) is kept whole.
func capsOf(line string) string {
	if line == "" {
		return ""
	}
	rest, ok := strings.CutPrefix(line, NmapPath)
	if !ok {
		return line
	}
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), "="))
}

// ReadGrants asks the host for the grants of user, with one command (a read asks through the
// unit check instead: ReadHost).
func ReadGrants(ctx context.Context, c *transport.Conn, ids *hostids.IDs, user string) (Grants, error) {
	argv, err := GrantsProbe.Command()
	if err != nil {
		return Grants{}, err
	}
	res, err := c.Run(ctx, argv, nil)
	if err != nil {
		return Grants{}, err
	}
	if res.ExitCode != 0 {
		return Grants{}, fmt.Errorf("reading ntop's package grants failed (exit %d): %s", res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	return ParseGrants(string(res.Stdout), ids, user), nil
}

// Revoke says which grants to take back.
type Revoke struct {
	NmapCaps, Journal, Sudoers, Cron bool
}

// Present: the grants of g that r takes back and the host still has.
func (g Grants) Present(r Revoke) Revoke {
	return Revoke{
		NmapCaps: r.NmapCaps && g.NmapCaps != "",
		Journal:  r.Journal && g.InJournal,
		Sudoers:  r.Sudoers && g.Sudoers,
		Cron:     r.Cron && g.Cron,
	}
}

// SudoersRemoval is the file of the change that removes ntop's sudoers rule (kept, with
// KeepOriginal, as SudoersPath.pre-terraform: sudo reads no file of sudoers.d whose name has
// a dot, so the copy grants nothing).
func SudoersRemoval() hostchange.File {
	return hostchange.File{Path: SudoersPath, Remove: true}
}

// CronRemoval is the file of the change that removes ntop's cron job (kept, with KeepOriginal,
// as CronPath.pre-terraform: cron runs no file of cron.d whose name has a dot).
func CronRemoval() hostchange.File {
	return hostchange.File{Path: CronPath, Remove: true}
}

// RevokeLive takes back nmap's capabilities and user's membership of JournalGroup, as r
// says (r: only what the host had when it was read, Grants.Present). Each is checked again on
// the host right before it is taken: another resource of the same host (a second
// ntopng_instance) may have taken it back meanwhile, which is no error. done is what this
// call took back, and undo gives exactly that back, for an apply whose file change then
// fails (nil when nothing was done). ntopng takes its supplementary groups when it starts:
// the caller restarts it when done.Journal.
func RevokeLive(ctx context.Context, c *transport.Conn, g Grants, r Revoke) (done Revoke, undo func(context.Context) error, err error) {
	if !r.NmapCaps && !r.Journal {
		return Revoke{}, nil, nil
	}
	res, err := c.Run(ctx, revokeScript.MustCommand(hostscript.Args{"NMAP": NmapPath, "REVOKE_NMAP": flag(r.NmapCaps),
		"NTOPNG_USER": g.User, "REVOKE_JOURNAL": flag(r.Journal), "GROUP": JournalGroup}), nil)
	if err == nil {
		done = revokeDone(string(res.Stdout))
	}
	if err == nil && res.ExitCode != 0 {
		err = fmt.Errorf("exit %d: %s", res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	back := giveBackScript.MustCommand(hostscript.Args{"NMAP": NmapPath, "CAPS": g.NmapCaps, "GIVE_NMAP": flag(done.NmapCaps),
		"NTOPNG_USER": g.User, "GIVE_JOURNAL": flag(done.Journal), "GROUP": JournalGroup})
	if err != nil {
		// The script stops at its first failure: what it did before is given back.
		err = fmt.Errorf("taking back ntop's package grants: %w", err)
		if done != (Revoke{}) {
			if berr := runScript(ctx, c, back); berr != nil {
				err = fmt.Errorf("%w; giving back what was taken also failed: %v", err, berr)
			}
		}
		return Revoke{}, nil, err
	}
	if done == (Revoke{}) {
		return done, nil, nil
	}
	return done, func(ctx context.Context) error {
		if err := runScript(ctx, c, back); err != nil {
			return fmt.Errorf("giving back ntop's package grants: %w", err)
		}
		return nil
	}, nil
}

// Lines of revoke.sh's output naming what it took back (TestRevokeScripts holds the script
// to them).
const (
	didNmap    = "took: nmap capabilities"
	didJournal = "took: journal membership"
)

// revokeDone reads what revoke.sh says it took back.
func revokeDone(out string) Revoke {
	var d Revoke
	for _, l := range strings.Split(out, "\n") {
		switch strings.TrimSpace(l) {
		case didNmap:
			d.NmapCaps = true
		case didJournal:
			d.Journal = true
		}
	}
	return d
}

var (
	//go:embed revoke.sh
	revokeSh string
	//go:embed giveback.sh
	giveBackSh string

	// revokeScript takes back the grants asked for that the host still has (revoke.sh).
	revokeScript = hostscript.New("revoke.sh", revokeSh)
	// giveBackScript gives back what revokeScript took (giveback.sh).
	giveBackScript = hostscript.New("giveback.sh", giveBackSh)
)

// flag is a script's yes/no argument: "1" or "".
func flag(b bool) string {
	if b {
		return "1"
	}
	return ""
}

func runScript(ctx context.Context, c *transport.Conn, argv []string) error {
	res, err := c.Run(ctx, argv, nil)
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("exit %d: %s", res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	return nil
}

// UndoAfter runs undo (when there is one) after err, a failed apply, and says how it went.
func UndoAfter(ctx context.Context, err error, undo func(context.Context) error) error {
	if err == nil || undo == nil {
		return err
	}
	if uerr := undo(ctx); uerr != nil {
		return errors.Join(err, uerr)
	}
	return fmt.Errorf("%w; nmap's capabilities and the %s membership taken back by this apply were given back", err, JournalGroup)
}
