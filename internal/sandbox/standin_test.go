package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestSandboxStandinAgrees runs the same ntopng.conf through ntop's ntopng (ntopng.service)
// and through the stand-in that the loopback tests use (a transient unit on the same host),
// and compares what each does: where it listens, as whom it runs, whether it refuses a Redis
// password that Redis does not accept, and what it does without a certificate. So the
// stand-in cannot drift from the real program unnoticed.
func TestSandboxStandinAgrees(t *testing.T) {
	h := BootT(t, MustRelease(DefaultRelease)) // one release: the stand-in only needs to agree with the program
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	run := func(script string) string {
		t.Helper()
		out, err := h.Exec(ctx, script)
		if err != nil {
			journal, _ := h.Exec(ctx, "journalctl --no-pager -n 60 -o short-precise; systemctl status --no-pager ntopng standin 2>&1 | head -40")
			t.Fatalf("%v\nthe sandbox's journal:\n%s", err, journal)
		}
		return strings.TrimSpace(out)
	}
	// The stand-in, named ntopng as the loopback tests run it.
	_, file, _, _ := runtime.Caller(0)
	bin := filepath.Join(h.Dir, "standin-ntopng")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, ".")
	build.Dir = filepath.Join(filepath.Dir(file), "..", "ntopngstandin")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the stand-in: %v\n%s", err, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeFile(h.path("/usr/local/lib/standin/ntopng"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	p1, p2 := "8001", "8443" // the sandbox's own network: any port is free there
	names := map[string]string{p1: "P1", p2: "P2"}
	r := strconv.Itoa(h.StockRedisPort)
	run("systemctl stop ntopng && install -d -m 0755 /var/lib/nocert-docs")
	redis := "-i=lo\n-r=127.0.0.1:" + r + "\n"
	cases := []struct {
		name, conf string
		before     string // run first (as root, in the sandbox)
	}{
		{"HTTP on every address", redis + "-w=" + p1 + "\n", ""},
		{"HTTPS only, on loopback, with the certificate", redis + "-w=0\n-W=127.0.0.1:" + p2 + "\n", ""},
		{"HTTPS and HTTP both asked for", redis + "-w=127.0.0.1:" + p1 + "\n-W=" + p2 + "\n", ""},
		{"HTTPS without a certificate and HTTP off", redis + "-w=0\n-W=127.0.0.1:" + p2 + "\n--httpdocs-dir=/var/lib/nocert-docs\n", ""},
		{"another user", redis + "-w=" + p1 + "\n--user=nobody\n", ""},
		{"a user that does not exist", redis + "-w=" + p1 + "\n--user=no-such-user\n", ""},
		{"a Redis password Redis does not accept", "-i=lo\n-r=127.0.0.1:" + r + ":wrong-password-0123456789@0\n-w=" + p1 + "\n",
			h.Release.CLI() + " -p " + r + " CONFIG SET requirepass right-password-0123456789"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.before != "" {
				run(c.before)
				defer run(h.Release.CLI() + " -p " + r + " -a right-password-0123456789 --no-auth-warning CONFIG SET requirepass ''")
			}
			real := observe(t, run, names, "ntopng.service", "printf '%s' '"+c.conf+"' > /etc/ntopng/ntopng.conf && systemctl start ntopng")
			run("systemctl stop ntopng; systemctl reset-failed ntopng 2>/dev/null || true")
			standin := observe(t, run, names, "standin.service", "printf '%s' '"+c.conf+"' > /run/standin.conf && "+
				"systemd-run --quiet --unit=standin --property=Restart=on-failure --property=RestartSec=5 /usr/local/lib/standin/ntopng /run/standin.conf")
			run("systemctl stop standin; systemctl reset-failed standin 2>/dev/null || true")
			if real != standin {
				t.Errorf("ntopng and the stand-in differ on\n%s\n  ntopng:   %s\n  stand-in: %s", c.conf, real, standin)
			} else {
				t.Logf("both: %s", real)
			}
		})
	}
}

// observe starts a unit with start and describes what its processes do once their listeners
// are stable (or once it exited): "listens [...] as USER" or "exits (RESULT)". Ports are
// shown by their name in names, any other one (an ephemeral port) as "*".
func observe(t *testing.T, run func(string) string, names map[string]string, unit, start string) string {
	t.Helper()
	run(start)
	last, seen := "", ""
	errStarting := errors.New("still starting")
	err := testhost.Until(testhost.RealClock{}, 45*time.Second, time.Second, func() error {
		pid := run("systemctl show -p MainPID --value " + unit)
		if pid == "0" || run("systemctl show -p NRestarts --value "+unit) != "0" {
			seen = "exits (" + run("systemctl show -p Result --value "+unit) + ")"
			return nil
		}
		ss := run("ss -H -tlnp | grep 'pid=" + pid + ",' | awk '{print $4}' || true")
		if ss == "" || ss != last {
			last = ss
			return errStarting
		}
		var ls []string
		for _, l := range strings.Fields(ss) {
			i := strings.LastIndexByte(l, ':')
			port, ok := names[l[i+1:]]
			if !ok {
				port = "*"
			}
			ls = append(ls, l[:i]+":"+port)
		}
		slices.Sort(ls)
		seen = fmt.Sprintf("listens %v as %s", ls, run("ps -o user= -p "+pid))
		return nil
	})
	if err != nil {
		return "still starting after 45 s, listening on: " + last
	}
	return seen
}
