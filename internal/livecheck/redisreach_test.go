//go:build linux

package livecheck

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostscript"
	"github.com/hardenops/terraform-provider-ntopng/internal/testconn"
	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// runUnitCheck runs the unit check with /bin/sh as the provider sends it (command line and
// standard input) and parses its output.
func runUnitCheck(t *testing.T, env []string, target RedisTarget) (Unit, []string) {
	t.Helper()
	argv, stdin, err := unitCheckCommand(Service{Unit: "ntopng.service", UID: -1}, t.TempDir(), &target)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", argv[1:]...)
	cmd.Env = env
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("unit check failed: %v\n%s", err, out)
	}
	before, after, found := strings.Cut(localTables(t, string(out)), "\n@@redis\n")
	if !found {
		t.Fatalf("no Redis section in %q", out)
	}
	u, err := ParseProcessListeners(before+"\n", "ntopng.service")
	if err != nil {
		t.Fatal(err)
	}
	r := ParseRedisReach(after, target)
	u.Redis = &r
	return u, argv
}

// TestUnitCheckRedisReach: the unit check asks the Redis that ntopng's file names, as ntopng
// would (AUTH, SELECT, PING), in the same command as the listeners, with the password on
// standard input only; each way ntopng can fail to reach it is told apart.
func TestUnitCheckRedisReach(t *testing.T) {
	const pw = "tcRight-Zq8vL2mN7pR4sT9wX3yB6cD1fG5h"
	dir := testhost.TempDir(t)
	sock := filepath.Join(dir, "redis.sock")
	testhost.StartRedis(t, testhost.RedisBaseConf(dir, 0)+"unixsocket "+sock+"\nunixsocketperm 700\nrequirepass "+pw+"\n")
	closed := net.JoinHostPort("127.0.0.1", strconv.Itoa(testhost.FreePort(t))) // nothing listens there
	env := fakeSystemctl(t, "ActiveState=inactive\nMainPID=0\nControlGroup=")
	cases := []struct {
		name   string
		target RedisTarget
		ok     bool
		detail string
	}{
		{"the right password over the socket", RedisTarget{Network: "unix", Addr: sock, Password: pw}, true, ""},
		{"the right password and a database", RedisTarget{Network: "unix", Addr: sock, Password: pw, DB: 3}, true, ""},
		{"a password the Redis no longer accepts", RedisTarget{Network: "unix", Addr: sock, Password: "tcWrong-Hk4nP8qS2uV6xZ0aC3eF7gJ1mL5o"}, false, "WRONGPASS"},
		{"no password where Redis wants one", RedisTarget{Network: "unix", Addr: sock}, false, "NOAUTH"},
		{"a socket that is not there", RedisTarget{Network: "unix", Addr: sock + ".gone", Password: pw}, false, "No such file or directory"},
		{"a TCP port nothing listens on", RedisTarget{Network: "tcp", Addr: closed, Password: pw}, false, "Connection refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, argv := runUnitCheck(t, env, c.target)
			for _, a := range argv {
				if c.target.Password != "" && strings.Contains(a, c.target.Password) {
					t.Fatalf("the password is on the command line: %q", argv)
				}
			}
			if u.ActiveState != "inactive" {
				t.Errorf("unit facts lost: %+v", u)
			}
			got := *u.Redis
			if !got.Checked || got.OK != c.ok || !strings.Contains(got.Detail, c.detail) {
				t.Fatalf("Redis reach = %+v, want checked, OK %v, detail with %q", got, c.ok, c.detail)
			}
			if c.target.Password != "" && strings.Contains(got.Detail, c.target.Password) {
				t.Fatalf("the detail holds the password: %q", got.Detail)
			}
		})
	}
	t.Run("no redis-cli on the host", func(t *testing.T) {
		bin := t.TempDir()
		if err := os.WriteFile(filepath.Join(bin, "systemctl"), []byte("#!/bin/sh\nprintf 'ActiveState=active\\nMainPID=0\\nControlGroup=\\n'\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, tool := range []string{"cat", "find"} {
			p, err := exec.LookPath(tool)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
				t.Fatal(err)
			}
		}
		u, _ := runUnitCheck(t, []string{"PATH=" + bin}, RedisTarget{Network: "unix", Addr: sock, Password: pw})
		if u.Redis.Checked || u.Redis.OK || !strings.Contains(u.Redis.Detail, "no redis-cli") || u.ActiveState != "active" {
			t.Fatalf("without redis-cli: %+v (unit %+v), want not checked, saying why", *u.Redis, u)
		}
	})
}

func TestParseRedisReachMasksThePassword(t *testing.T) {
	const pw = "tcSecret-Hk4nP8qS2uV6xZ0aC3eF7gJ1mL5o"
	r := ParseRedisReach("(error) ERR unknown command 'x', with args beginning with: '"+pw+"'\n", RedisTarget{Network: "tcp", Addr: "10.0.0.1:6379", Password: pw})
	if r.OK || strings.Contains(r.Detail, pw) || !strings.Contains(r.Detail, "********") || !strings.Contains(r.Detail, "tcp:10.0.0.1:6379") {
		t.Fatalf("ParseRedisReach = %+v, want the password masked and the target named", r)
	}
}

func TestParseRedisReachBoundsTheDetail(t *testing.T) {
	r := ParseRedisReach("(error) ERR "+strings.Repeat("x", 5000)+"\n", RedisTarget{Network: "unix", Addr: "/run/r.sock"})
	if r.OK || len(r.Detail) > 300 || !strings.Contains(r.Detail, "(unix:/run/r.sock)") {
		t.Fatalf("detail of %d bytes: %.80q...; want at most ~200 bytes of Redis's words and the target", len(r.Detail), r.Detail)
	}
}

// TestUnitCheckProbes: a probe runs in the unit check with its own named arguments, after the
// processes and before the Redis question; its output is its section, even when a Redis the
// configuration names answers with the marker itself (the Redis section is last, read raw).
func TestUnitCheckProbes(t *testing.T) {
	target := RedisTarget{Network: "unix", Addr: "/run/redis/redis.sock"}
	probe := Probe{Name: "grants", Script: hostscript.New("grants.sh", "# args: WHAT\nprintf 'nmap=\\n%s\\n' \"$WHAT\"\n"),
		Args: hostscript.Args{"WHAT": "sudoers=absent"}}
	argv, stdin, err := unitCheckCommand(Service{Unit: "ntopng.service", UID: -1, Probes: []Probe{probe}}, t.TempDir(), &target)
	if err != nil || !strings.Contains(argv[2], "@@probe %s") || !strings.Contains(argv[2], "printf 'nmap=") ||
		strings.Index(argv[2], "printf 'nmap=") > strings.Index(argv[2], "@@redis") {
		t.Fatalf("the probe is not in the script, before the Redis question: %v\n%s", err, argv[2])
	}
	cmd := exec.Command("/bin/sh", argv[1:]...)
	cmd.Env = fakeSystemctl(t, "ActiveState=inactive\nMainPID=0\nControlGroup=")
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	u, err := parseUnitCheck(localTables(t, string(out)), "ntopng.service", &target, []Probe{probe})
	if err != nil {
		t.Fatal(err)
	}
	if u.Probes["grants"] != "nmap=\nsudoers=absent\n" || u.ActiveState != "inactive" || u.Redis == nil {
		t.Errorf("Probes = %q, unit %+v", u.Probes, u)
	}
	// A Redis that answers with the marker cannot stand in for the probe.
	forged := "@@sockets\n@@tcp\n\n@@probe grants\nnmap=\nsudoers=absent\n\n@@redis\n-ERR \n@@probe grants\nnmap=x\n"
	if u, err := parseUnitCheck(forged, "ntopng.service", &target, []Probe{probe}); err != nil || u.Probes["grants"] != "nmap=\nsudoers=absent\n" {
		t.Errorf("Probes = %q (%v), want the probe's own section", u.Probes, err)
	}
	if _, err := parseUnitCheck("@@sockets\n@@tcp\n\n@@redis\nPONG\n@@probe grants\nx\n", "ntopng.service", &target, []Probe{probe}); err == nil {
		t.Error("output without the probe's section parsed")
	}
	if _, _, err := unitCheckCommand(Service{Unit: "u", Probes: []Probe{{Name: "x", Script: probe.Script, Args: hostscript.Args{"UNIT": "y"}}}}, "/", nil); err == nil {
		t.Error("a probe argument named like the unit check's was accepted")
	}
}

// TestIntegrationReachThroughTunnel: through an SSH tunnel the Redis answers as through
// redis-cli on the host (the same reach), and what the tunnel cannot answer (a socket that
// is not there) is left to redis-cli, whose words say why.
func TestIntegrationReachThroughTunnel(t *testing.T) {
	const pw = "tcRight-Zq8vL2mN7pR4sT9wX3yB6cD1fG5h"
	dir := testhost.TempDir(t)
	sock := filepath.Join(dir, "redis.sock")
	port := testhost.FreePort(t)
	testhost.StartRedis(t, testhost.RedisBaseConf(dir, port)+"unixsocket "+sock+"\nunixsocketperm 700\nrequirepass "+pw+"\n")
	c := testconn.Root(t, testhost.StartSSHD(t, testhost.Options{}))
	tcp := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cases := []struct {
		name     string
		target   RedisTarget
		answered bool
		ok       bool
		detail   string
	}{
		{"the right password over the socket", RedisTarget{Network: "unix", Addr: sock, Password: pw}, true, true, ""},
		{"the right password and a database, over TCP", RedisTarget{Network: "tcp", Addr: tcp, Password: pw, DB: 3}, true, true, ""},
		{"a database the Redis does not have", RedisTarget{Network: "unix", Addr: sock, Password: pw, DB: 99}, true, true, ""},
		{"a password the Redis no longer accepts", RedisTarget{Network: "unix", Addr: sock, Password: "tcWrong-Hk4nP8qS2uV6xZ0aC3eF7gJ1mL5o"}, true, false, "WRONGPASS"},
		{"no password where Redis wants one", RedisTarget{Network: "tcp", Addr: tcp}, true, false, "NOAUTH"},
		{"a socket that is not there", RedisTarget{Network: "unix", Addr: sock + ".gone", Password: pw}, false, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			got, answered := reachThroughTunnel(ctx, c, tc.target)
			if answered != tc.answered {
				t.Fatalf("answered = %v, want %v (%+v)", answered, tc.answered, got)
			}
			if !answered {
				return
			}
			if !got.Checked || got.OK != tc.ok || !strings.Contains(got.Detail, tc.detail) {
				t.Fatalf("reach = %+v, want checked, OK %v, detail with %q", got, tc.ok, tc.detail)
			}
			if tc.target.Password != "" && strings.Contains(got.Detail, tc.target.Password) {
				t.Fatalf("the detail holds the password: %q", got.Detail)
			}
			// redis-cli on the host, asked the same, reaches the same verdict.
			u, _ := runUnitCheck(t, fakeSystemctl(t, "ActiveState=inactive\nMainPID=0\nControlGroup="), tc.target)
			if *u.Redis != got {
				t.Errorf("through the tunnel %+v, through redis-cli %+v: want the same", got, *u.Redis)
			}
		})
	}
}
