package ntopnghardening

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostids"
	"github.com/hardenops/terraform-provider-ntopng/internal/hostscript"
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

// runStubbed runs argv (a host script's command) with /bin/sh, with stand-ins for the programs
// in stubs (name: shell body) first on the PATH; each stand-in logs its name and arguments
// ("name|arg|arg|") before its body runs. It returns the output and the logged calls.
func runStubbed(t *testing.T, argv []string, stubs map[string]string) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "calls.log")
	for name, body := range stubs {
		stub := "#!/bin/sh\n{ printf '%s|' " + name + " \"$@\"; echo; } >> " + log + "\n" + body + "\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(stub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("/bin/sh", argv[1:]...)
	cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin"}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("script failed: %v, output %q", err, out)
	}
	calls, _ := os.ReadFile(log)
	return string(out), strings.Split(strings.TrimSpace(string(calls)), "\n")
}

// TestRevokeScripts: revoke.sh takes back what it is asked to (setcap -r on nmap, a regular
// file owned by root; gpasswd -d) and nothing else; giveback.sh gives back exactly what was
// taken (nmap's capabilities as they were, the membership).
func TestRevokeScripts(t *testing.T) {
	nmap := filepath.Join(t.TempDir(), "nmap")
	if err := os.WriteFile(nmap, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	text := revokeScript.Text()
	for _, want := range []string{`[ -L "$NMAP" ]`, `"$(stat -c %u "$NMAP")" != 0`, `setcap -r "$NMAP"`, `gpasswd -d "$NTOPNG_USER" "$GROUP"`} {
		if !strings.Contains(text, want) {
			t.Errorf("revoke script lacks %q:\n%s", want, text)
		}
	}
	stubs := map[string]string{"getcap": "echo \"$1 cap_net_raw=eip\"", "setcap": "exit 0", "gpasswd": "exit 0", "id": "echo 'ntop systemd-journal'"}
	revoke := func(nmapToo bool) hostscript.Args {
		return hostscript.Args{"NMAP": nmap, "REVOKE_NMAP": flag(nmapToo), "NTOPNG_USER": "ntopng", "REVOKE_JOURNAL": "1", "GROUP": JournalGroup}
	}
	out, calls := runStubbed(t, revokeScript.MustCommand(revoke(true)), stubs)
	if !slices.Contains(calls, "setcap|-r|"+nmap+"|") || !slices.Contains(calls, "gpasswd|-d|ntopng|systemd-journal|") ||
		revokeDone(out) != (Revoke{NmapCaps: true, Journal: true}) {
		t.Errorf("revoke both: calls %q, output %q", calls, out)
	}
	if _, calls := runStubbed(t, revokeScript.MustCommand(revoke(false)), stubs); slices.ContainsFunc(calls, func(c string) bool { return strings.HasPrefix(c, "setcap|") }) {
		t.Errorf("nmap left alone, but the script runs setcap: %q", calls)
	}
	back := func(nmapToo bool) hostscript.Args {
		return hostscript.Args{"NMAP": nmap, "CAPS": "cap_net_admin,cap_net_raw=eip", "GIVE_NMAP": flag(nmapToo), "NTOPNG_USER": "ntopng", "GIVE_JOURNAL": "1", "GROUP": JournalGroup}
	}
	if _, calls := runStubbed(t, giveBackScript.MustCommand(back(true)), stubs); !slices.Contains(calls, "setcap|cap_net_admin,cap_net_raw=eip|"+nmap+"|") ||
		!slices.Contains(calls, "gpasswd|-a|ntopng|systemd-journal|") {
		t.Errorf("undo of both: calls %q", calls)
	}
	// Only what this apply took back is given back.
	if _, calls := runStubbed(t, giveBackScript.MustCommand(back(false)), stubs); slices.ContainsFunc(calls, func(c string) bool { return strings.HasPrefix(c, "setcap|") }) ||
		!slices.Contains(calls, "gpasswd|-a|ntopng|systemd-journal|") {
		t.Errorf("undo of the journal membership alone: calls %q", calls)
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
			cmd := exec.Command("/bin/sh", revokeScript.MustCommand(hostscript.Args{"NMAP": NmapPath, "REVOKE_NMAP": "1",
				"NTOPNG_USER": "ntopng", "REVOKE_JOURNAL": "1", "GROUP": JournalGroup})[1:]...)
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
		probe := GrantsProbe
		probe.Args = hostscript.Args{"NMAP": "/nonexistent/nmap", "SUDOERS": "/nonexistent/s", "CRON": "/nonexistent/c", "UPDATER_CONF": p}
		argv, err := probe.Command()
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("/bin/sh", argv[1:]...).CombinedOutput()
		got := ""
		for _, l := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(l, "updater=") {
				got = l
			}
		}
		if err != nil || got != tc.want || strings.Contains(string(out), "Secr3t") {
			t.Errorf("%q: %q (%v), want %q", tc.conf, got, err, tc.want)
		}
	}
}
