package ntopnghardening

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostids"
)

func TestParseGrants(t *testing.T) {
	ids := hostids.Parse([]byte("root:x:0:0::/root:/bin/sh\nntopng:x:100:101::/nonexistent:/bin/false\n"),
		[]byte("root:x:0:\nntop:x:101:\nsystemd-journal:x:999:ntopng,other\n"))
	noJournal := hostids.Parse([]byte("ntopng:x:100:101::/nonexistent:/bin/false\n"), []byte("ntop:x:101:\n"))
	for _, tc := range []struct {
		name, out string
		ids       *hostids.IDs
		want      Grants
	}{
		{"stock, libcap >= 2.41", "nmap=/usr/bin/nmap cap_net_admin,cap_net_bind_service,cap_net_raw=eip\nsudoers=present\n| ntopng ALL= NOPASSWD: /usr/bin/ntopctl\n", ids,
			Grants{NmapExists: true, NmapCaps: "cap_net_admin,cap_net_bind_service,cap_net_raw=eip", InJournal: true, JournalExists: true,
				Sudoers: true, SudoersRules: []string{"ntopng ALL= NOPASSWD: /usr/bin/ntopctl"}}},
		{"older getcap", "nmap=/usr/bin/nmap = cap_net_raw+ep\nsudoers=absent\n", ids,
			Grants{NmapExists: true, NmapCaps: "cap_net_raw+ep", InJournal: true, JournalExists: true}},
		{"revoked", "nmap=\nsudoers=absent\n", noJournal, Grants{NmapExists: true}},
		{"no nmap", "nmap=!absent\nsudoers=absent\n", noJournal, Grants{}},
		{"link", "nmap=!link\nsudoers=absent\n", noJournal, Grants{NmapExists: true, NmapNote: NmapPath + " is a symbolic link (not followed)"}},
		{"comments only, and a line that tries to pass for the probe's", "nmap=\nsudoers=present\n| # nothing\n| \n| nmap=/usr/bin/nmap cap_sys_admin=ep\n", noJournal,
			Grants{NmapExists: true, Sudoers: true, SudoersRules: []string{"nmap=/usr/bin/nmap cap_sys_admin=ep"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ParseGrants(tc.out, tc.ids, "ntopng")
			tc.want.Read, tc.want.User = true, "ntopng"
			if got.NmapCaps != tc.want.NmapCaps || got.NmapExists != tc.want.NmapExists || got.NmapNote != tc.want.NmapNote ||
				got.InJournal != tc.want.InJournal || got.JournalExists != tc.want.JournalExists || got.Sudoers != tc.want.Sudoers ||
				!slices.Equal(got.SudoersRules, tc.want.SudoersRules) || !got.Read || got.User != "ntopng" {
				t.Errorf("ParseGrants = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestGrantsPresent(t *testing.T) {
	g := Grants{NmapCaps: "cap_net_raw=eip", InJournal: true, Sudoers: true}
	if got := g.Present(Revoke{NmapCaps: true, Sudoers: true}); got != (Revoke{NmapCaps: true, Sudoers: true}) {
		t.Errorf("Present = %+v: a grant left alone must not be taken back", got)
	}
	if got := (Grants{}).Present(Revoke{NmapCaps: true, Journal: true, Sudoers: true}); got != (Revoke{}) {
		t.Errorf("Present on a host without grants = %+v, want nothing", got)
	}
}

func TestRevokeScripts(t *testing.T) {
	g := Grants{NmapCaps: "cap_net_admin,cap_net_raw=eip", User: "ntopng"}
	script := revokeScript(g, Revoke{NmapCaps: true, Journal: true})
	for _, want := range []string{"[ -L /usr/bin/nmap ]", `"$(stat -c %u /usr/bin/nmap)" != 0`, "setcap -r /usr/bin/nmap", "gpasswd -d ntopng systemd-journal"} {
		if !strings.Contains(script, want) {
			t.Errorf("revoke script lacks %q:\n%s", want, script)
		}
	}
	back := giveBackScript(g, Revoke{NmapCaps: true, Journal: true})
	for _, want := range []string{"setcap 'cap_net_admin,cap_net_raw=eip' /usr/bin/nmap", "gpasswd -a ntopng systemd-journal"} {
		if !strings.Contains(back, want) {
			t.Errorf("undo script lacks %q:\n%s", want, back)
		}
	}
	if script := revokeScript(g, Revoke{Journal: true}); strings.Contains(script, "setcap") {
		t.Errorf("nmap left alone, but the script runs setcap:\n%s", script)
	}
	// Only what this apply took back is given back.
	if back := giveBackScript(g, Revoke{Journal: true}); strings.Contains(back, "setcap") || !strings.Contains(back, "gpasswd -a") {
		t.Errorf("undo of the journal membership alone:\n%s", back)
	}
}

// TestRevokeScriptRuns runs the script with stand-ins for getcap, id and gpasswd: a grant that
// another resource of the host took back meanwhile is no error and nothing to give back; one
// still there is taken and said so.
func TestRevokeScriptRuns(t *testing.T) {
	for _, tc := range []struct {
		name, caps, groups string
		want               Revoke
	}{
		{"both already taken back by another resource", "", "ntop", Revoke{}},
		{"the membership still there", "", "ntop systemd-journal", Revoke{Journal: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range map[string]string{
				"getcap":  "printf '%s' '" + tc.caps + "'",
				"id":      "echo '" + tc.groups + "'",
				"gpasswd": "exit 0",
				"setcap":  "echo setcap must not run >&2; exit 9",
			} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command("sh", "-c", revokeScript(Grants{User: "ntopng"}, Revoke{NmapCaps: true, Journal: true}))
			cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin"}
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("script failed: %v, output %q", err, out)
			}
			if got := revokeDone(string(out)); got != tc.want {
				t.Errorf("took back %+v (output %q), want %+v", got, out, tc.want)
			}
		})
	}
}

// TestParseCronAndUpdater: ntop's cron job and what its updater finds in ntopng.conf.
func TestParseCronAndUpdater(t *testing.T) {
	ids := hostids.Parse([]byte("ntopng:x:100:101::/nonexistent:/bin/false\n"), []byte("ntop:x:101:\n"))
	out := "nmap=!absent\nsudoers=absent\ncron=present\nc| # /etc/cron.d/ntopng: crontab fragment for ntopng\nc| \n" +
		"c| * * * * * root /usr/bin/ntopng-utils-manage-updates -a handle-on-demand-requests\nc| | sudoers=present\n" +
		"updater=/run/redis/redis-server.sock:0 password=yes\n"
	g := ParseGrants(out, ids, "ntopng")
	if !g.Cron || !slices.Equal(g.CronLines, []string{"* * * * * root /usr/bin/ntopng-utils-manage-updates -a handle-on-demand-requests", "| sudoers=present"}) ||
		g.Sudoers || g.UpdaterRedis != "/run/redis/redis-server.sock:0" || !g.UpdaterPassword {
		t.Errorf("ParseGrants = %+v", g)
	}
	if p := g.Present(Revoke{Cron: true}); p != (Revoke{Cron: true}) {
		t.Errorf("Present = %+v", p)
	}
	g = ParseGrants("nmap=!absent\nsudoers=absent\ncron=absent\nupdater=none\n", ids, "ntopng")
	if g.Cron || g.UpdaterRedis != "" || g.UpdaterPassword || g.Present(Revoke{Cron: true}) != (Revoke{}) {
		t.Errorf("ParseGrants without the job = %+v", g)
	}
}

// TestUpdaterProbeParsesAsTheUpdater: GrantsProbe's updater part, run by sh on files, finds
// what ntop's updater finds (exactly one --redis/-r line, its HOST:PORT and whether a password
// follows), and never prints the password.
func TestUpdaterProbeParsesAsTheUpdater(t *testing.T) {
	i := strings.Index(GrantsProbe, "u="+UpdaterConfPath)
	if i < 0 {
		t.Fatal("GrantsProbe has no updater part")
	}
	part := strings.Replace(GrantsProbe[i:], "u="+UpdaterConfPath, `u="$1"`, 1)
	dir := t.TempDir()
	for _, tc := range []struct{ conf, want string }{
		{"-G=/var/run/ntopng.pid\n", "updater=none"},
		{"--redis=/run/redis/redis-server.sock:0:Secr3t-pw@0\n", "updater=/run/redis/redis-server.sock:0 password=yes"},
		{"-r=127.0.0.1:6379:Secr3t-pw@2\n", "updater=127.0.0.1:6379 password=yes"},
		{"--redis=\"127.0.0.1:6380\"\n", "updater=127.0.0.1:6380 password=no"},
		{"--redis=127.0.0.1\n-r=/x:0:Secr3t-pw\n", "updater=none"}, // two lines: the updater takes neither
		{"# --redis=/x:0:Secr3t-pw\n", "updater=none"},
	} {
		p := filepath.Join(dir, "ntopng.conf")
		if err := os.WriteFile(p, []byte(tc.conf), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("sh", "-c", part, "sh", p).CombinedOutput()
		if got := strings.TrimSpace(string(out)); err != nil || got != tc.want || strings.Contains(got, "Secr3t") {
			t.Errorf("%q: %q (%v), want %q", tc.conf, got, err, tc.want)
		}
	}
}
