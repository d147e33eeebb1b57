package testhost

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// standin holds the ntopng stand-in binary while at least one test uses it: built once,
// shared by the tests (and subtests) that overlap, removed after the last one ends.
var standin struct {
	sync.Mutex
	dir  string
	refs int
}

// BuildStandin builds ./internal/ntopngstandin as a binary named ntopng and returns its
// path. The build is shared by the tests running at the same time and removed in t.Cleanup
// of the last of them. The test is skipped when the stand-in's source is not in the module.
func BuildStandin(t testing.TB) string {
	t.Helper()
	root := ModuleRoot(t)
	src := filepath.Join(root, "internal", "ntopngstandin")
	if _, err := os.Stat(src); err != nil {
		t.Skipf("testhost: skipped: the ntopng stand-in is not in this tree (%v)", err)
	}
	standin.Lock()
	defer standin.Unlock()
	if standin.dir == "" {
		dir, err := os.MkdirTemp("", "ntopng-standin")
		if err != nil {
			t.Fatalf("testhost: %v", err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatalf("testhost: %v", err)
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "ntopng"), "./internal/ntopngstandin")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			os.RemoveAll(dir)
			t.Fatalf("testhost: go build ./internal/ntopngstandin failed: %v\n%s", err, out)
		}
		standin.dir = dir
	}
	standin.refs++
	t.Cleanup(func() {
		standin.Lock()
		defer standin.Unlock()
		if standin.refs--; standin.refs == 0 {
			os.RemoveAll(standin.dir)
			standin.dir = ""
		}
	})
	return filepath.Join(standin.dir, "ntopng")
}

// ModuleRoot returns the directory of this module's go.mod.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		t.Fatalf("testhost: cannot find the module root with `go env GOMOD` (%v, %q); run the tests from inside the module", err, gomod)
	}
	return filepath.Dir(gomod)
}

// Ntopng is the ntopng stand-in started from a config file in a temporary directory, laid
// out like an ntop package.
type Ntopng struct {
	Dir      string // temporary root (mode 0755)
	ConfPath string // <Dir>/ntopng.conf, the main config
	ConfDir  string // <Dir>/ntopng.conf.d, drop-ins (*.conf), empty at start
	DocsDir  string // <Dir>/httpdocs, with an empty ssl/ for ntopng-cert.pem
	PidFile  string // <Dir>/ntopng.pid
	LogFile  string // <Dir>/ntopng.log, the stand-in's stdout and stderr
	// RestartScript (<Dir>/restart-ntopng.sh) does what the ntop systemd unit does: stops
	// the running stand-in, joins ConfPath and ConfDir/*.conf into <Dir>/run.conf (with -e,
	// -G, --daemon and --pid lines commented out), starts `ntopng <Dir>/run.conf` in the
	// background, then waits up to 5 s until it listens; it exits non-zero with the end of
	// LogFile when the stand-in died. Use it as the provider's restart_command.
	RestartScript string

	bin string
}

// StartNtopng writes conf to ConfPath and starts the stand-in through RestartScript. The
// stand-in, also when restarted later, is stopped by PID in t.Cleanup.
func StartNtopng(t testing.TB, conf string) *Ntopng {
	t.Helper()
	n := &Ntopng{bin: BuildStandin(t), Dir: TempDir(t)}
	n.ConfPath = filepath.Join(n.Dir, "ntopng.conf")
	n.ConfDir = filepath.Join(n.Dir, "ntopng.conf.d")
	n.DocsDir = filepath.Join(n.Dir, "httpdocs")
	n.PidFile = filepath.Join(n.Dir, "ntopng.pid")
	n.LogFile = filepath.Join(n.Dir, "ntopng.log")
	n.RestartScript = filepath.Join(n.Dir, "restart-ntopng.sh")
	for _, d := range []string{n.ConfDir, filepath.Join(n.DocsDir, "ssl")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatalf("testhost: %v", err)
		}
	}
	writeFile(t, n.ConfPath, conf, 0o644)
	writeFile(t, n.RestartScript, n.restartScript(), 0o755)

	t.Cleanup(func() { n.stop(t) })
	cmd := exec.Command(n.RestartScript)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("testhost: the ntopng stand-in did not start (%v):\n%s", err, out.String())
	}
	return n
}

// PID returns the PID in the pid file, or 0 when there is none.
func (n *Ntopng) PID() int { return readPIDFile(n.PidFile) }

// stop kills, by PID, every stand-in process running this Dir's run.conf.
func (n *Ntopng) stop(t testing.TB) {
	runConf := filepath.Join(n.Dir, "run.conf")
	for _, pid := range pids(func(pid int) bool { return cmdline(pid) == n.bin+" "+runConf }) {
		if !stopPID(pid) {
			t.Errorf("testhost: ntopng stand-in (PID %d) survived SIGKILL", pid)
		}
	}
}

// restartScript renders RestartScript.
func (n *Ntopng) restartScript() string {
	return fmt.Sprintf(`#!/bin/sh
# Restarts the ntopng stand-in (written by internal/testhost) the way the ntop systemd unit
# starts ntopng: main config plus drop-ins joined into run.conf.
bin=%s
dir=%s
conf=%s
confdir=%s
pidfile=%s
logfile=%s
run="$dir/run.conf"

alive() { [ -r "/proc/$1/stat" ] && ! sed 's/.*) //' "/proc/$1/stat" | grep -q '^[ZX]'; }
fail() {
	echo "$1" >&2
	echo "--- end of $logfile:" >&2
	tail -n 20 "$logfile" >&2
	exit 1
}

pid=$(cat "$pidfile" 2>/dev/null)
if [ -n "$pid" ] && alive "$pid" && [ "$(tr '\0' ' ' < "/proc/$pid/cmdline")" = "$bin $run " ]; then
	kill "$pid"
	i=0
	while alive "$pid"; do
		i=$((i + 1))
		[ "$i" -lt 100 ] || fail "ntopng (PID $pid) did not stop within 10 s"
		sleep 0.1
	done
fi
rm -f "$pidfile"

sed '/^[ ]*-e.*$\|^[ ]*-G.*\|^[ ]*--daemon.*\|^[ ]*--pid.*/s/^/#/' "$conf" > "$run" || fail "cannot read $conf"
for f in "$confdir"/*.conf; do
	[ -e "$f" ] || continue
	sed '/^[ ]*-e.*$\|^[ ]*-G.*\|^[ ]*--daemon.*\|^[ ]*--pid.*/s/^/#/' "$f" >> "$run"
done

setsid "$bin" "$run" >> "$logfile" 2>&1 < /dev/null &
pid=$!
echo "$pid" > "$pidfile"

# Wait until it listens (the number of its listening sockets is non-zero and stable), or died.
last=0
i=0
while [ "$i" -lt 50 ]; do
	alive "$pid" || fail "ntopng (PID $pid) exited"
	n=$(ss -Hltnp 2>/dev/null | grep -c "pid=$pid,")
	[ "$n" -gt 0 ] && [ "$n" = "$last" ] && exit 0
	last=$n
	i=$((i + 1))
	sleep 0.1
done
fail "ntopng (PID $pid) is not listening after 5 s"
`, shellQuote(n.bin), shellQuote(n.Dir), shellQuote(n.ConfPath), shellQuote(n.ConfDir),
		shellQuote(n.PidFile), shellQuote(n.LogFile))
}

// TerraformPath is TF_ACC_TERRAFORM_PATH, or terraform on PATH: the installed CLI, never a
// download.
func TerraformPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatal("terraform is not on PATH and TF_ACC_TERRAFORM_PATH is not set: install Terraform >= 1.11")
	}
	return p
}
