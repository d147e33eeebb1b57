package ntopnghardening

// What ntop's package grants on install (its postinst), beyond ntopng itself, and how
// ntopng_instance takes each back: nmap's file capabilities, the service account in
// systemd-journal, the sudoers rule for ntopctl, and the root cron job of ntop's updater.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/hostids"
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

// GrantsProbe prints what ParseGrants reads: the capabilities of NmapPath (never through a
// symbolic link), SudoersPath's lines, each behind "| ", and CronPath's, each behind "c| " (so
// that no line of a file can pass for a line of the probe), and the Redis that ntop's updater
// finds in UpdaterConfPath, parsed with the updater's own pipeline (ntopng-utils-manage-config
// -a print-redis-info, then its cuts), printing whether a password is there, never the
// password (it goes through pipes and shell built-ins only, never a command line). It runs as
// the login (root, or through sudo).
const GrantsProbe = `PATH=$PATH:/usr/sbin:/sbin
n=` + NmapPath + `
if [ -L "$n" ]; then echo 'nmap=!link'
elif [ ! -e "$n" ]; then echo 'nmap=!absent'
elif ! command -v getcap >/dev/null 2>&1; then echo 'nmap=!nogetcap'
else printf 'nmap=%s\n' "$(getcap "$n" 2>&1 | head -c 512 | tr '\n' ' ')"
fi
s=` + SudoersPath + `
if [ -e "$s" ] || [ -L "$s" ]; then
  echo 'sudoers=present'
  head -c 4096 "$s" 2>&1 | sed 's/^/| /'
else echo 'sudoers=absent'
fi
c=` + CronPath + `
if [ -e "$c" ] || [ -L "$c" ]; then
  echo 'cron=present'
  head -c 4096 "$c" 2>&1 | sed 's/^/c| /'
else echo 'cron=absent'
fi
u=` + UpdaterConfPath + `
if [ -f "$u" ] && [ ! -L "$u" ] && [ "$(grep -v "#" "$u" | grep -c "\-r[= ]\|\-\-redis" 2>/dev/null)" = 1 ]; then
  i=$(grep -v "#" "$u" | grep "\-r[= ]\|\-\-redis" 2>/dev/null | awk -F"[= ]" '{print $NF}' | sed s/\"//g | sed s/\'//g)
  h=$(echo $i | cut -d'=' -f2 | cut -d'@' -f1 | cut -d':' -f1)
  p=$(echo $i | cut -d'=' -f2 | cut -d'@' -f1 | cut -d':' -f2 -s)
  w=$(echo $i | cut -d'=' -f2 | cut -d'@' -f1 | cut -d':' -f3 -s)
  printf 'updater=%s:%s password=%s\n' "$h" "$p" "$([ -n "$w" ] && echo yes || echo no)"
else echo 'updater=none'
fi
:`

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
	res, err := c.Run(ctx, []string{"sh", "-c", GrantsProbe}, nil)
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
	res, err := c.RunShell(ctx, revokeScript(g, r), nil)
	if err == nil {
		done = revokeDone(string(res.Stdout))
	}
	if err == nil && res.ExitCode != 0 {
		err = fmt.Errorf("exit %d: %s", res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	back := giveBackScript(g, done)
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

// Lines of revokeScript's output naming what it took back.
const (
	didNmap    = "took: nmap capabilities"
	didJournal = "took: journal membership"
)

// revokeDone reads what revokeScript says it took back.
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

// revokeScript is RevokeLive's script: each grant r names is checked again and taken back
// when the host still has it, saying so on standard output. setcap runs on NmapPath only when
// it is a regular file owned by root (never through a link: setcap follows them).
func revokeScript(g Grants, r Revoke) string {
	script := "set -e\nPATH=$PATH:/usr/sbin:/sbin\n"
	n := transport.Quote(NmapPath)
	if r.NmapCaps {
		script += fmt.Sprintf(`if [ -n "$(getcap %[1]s 2>/dev/null)" ]; then
  if [ -L %[1]s ] || [ ! -f %[1]s ] || [ "$(stat -c %%u %[1]s)" != 0 ]; then echo "%[2]s is not a regular file owned by root: its capabilities were not changed" >&2; exit 3; fi
  if setcap -r %[1]s; then echo '%[3]s'; elif [ -n "$(getcap %[1]s 2>/dev/null)" ]; then exit 5; fi
fi
`, n, NmapPath, didNmap)
	}
	if r.Journal {
		u, grp := transport.Quote(g.User), transport.Quote(JournalGroup)
		member := fmt.Sprintf("id -nG %s 2>/dev/null | tr ' ' '\\n' | grep -qx %s", u, grp)
		script += fmt.Sprintf(`if %[1]s; then
  if gpasswd -d %[2]s %[3]s >/dev/null; then echo '%[4]s'; elif %[1]s; then exit 6; fi
fi
`, member, u, grp, didJournal)
	}
	return script
}

// giveBackScript undoes what revokeScript took back (done), and nothing else.
func giveBackScript(g Grants, done Revoke) string {
	back := "set -e\nPATH=$PATH:/usr/sbin:/sbin\n"
	if done.NmapCaps {
		back += fmt.Sprintf("[ -L %[1]s ] || setcap %[2]s %[1]s\n", transport.Quote(NmapPath), transport.Quote(g.NmapCaps))
	}
	if done.Journal {
		back += fmt.Sprintf("gpasswd -a %s %s >/dev/null\n", transport.Quote(g.User), transport.Quote(JournalGroup))
	}
	return back
}

func runScript(ctx context.Context, c *transport.Conn, script string) error {
	res, err := c.RunShell(ctx, script, nil)
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
