package livecheck

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostscript"
)

func TestParseSS(t *testing.T) {
	out := `LISTEN 0      511        127.0.0.1:6379      0.0.0.0:*    users:(("redis-server",pid=812,fd=6))
LISTEN 0      128          0.0.0.0:22        0.0.0.0:*    users:(("sshd",pid=90,fd=3))
LISTEN 0      128             [::]:22           [::]:*    users:(("sshd",pid=90,fd=4))
LISTEN 0      50       192.0.2.10:443        0.0.0.0:*    users:(("ntopng",pid=7,fd=9),("ntopng",pid=7,fd=10))
LISTEN 0      4096   127.0.0.53%lo:53        0.0.0.0:*
LISTEN 0      511                *:8080             *:*
LISTEN 0      50       192.0.2.10:3000       0.0.0.0:*    users:(("ntopng-main",pid=8,fd=9))
`
	got := ParseSS(out)
	want := []Listener{
		{Protocol: "tcp", Address: "0.0.0.0", Port: 22, Process: "sshd", PID: 90},
		{Protocol: "tcp6", Address: "::", Port: 22, Process: "sshd", PID: 90},
		{Protocol: "tcp", Address: "127.0.0.53", Port: 53},
		{Protocol: "tcp", Address: "192.0.2.10", Port: 443, Process: "ntopng", PID: 7},
		{Protocol: "tcp", Address: "192.0.2.10", Port: 3000, Process: "ntopng", PID: 8}, // its main thread's name once it runs
		{Protocol: "tcp", Address: "127.0.0.1", Port: 6379, Process: "redis-server", PID: 812},
		{Protocol: "tcp6", Address: "::", Port: 8080},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseSS:\n got %+v\nwant %+v", got, want)
	}
	if hp := got[1].HostPort(); hp != "[::]:22" {
		t.Errorf("HostPort = %q", hp)
	}
}

func TestParseProcNetTCP(t *testing.T) {
	out := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 100 0 0 10 0
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 100 0 0 10 0
`
	got := ParseProcNetTCP(out)
	want := []Listener{
		{Protocol: "tcp6", Address: "::1", Port: 22},
		{Protocol: "tcp", Address: "127.0.0.1", Port: 6379},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseProcNetTCP:\n got %+v\nwant %+v", got, want)
	}
}

func TestParseListenersOutput(t *testing.T) {
	if _, err := ParseListenersOutput("garbage"); err == nil {
		t.Fatal("want an error for output without marker")
	}
	ls, err := ParseListenersOutput("@@ss\nLISTEN 0 5 0.0.0.0:3000 0.0.0.0:* users:((\"ntopng\",pid=3,fd=1))\n")
	if err != nil || len(ls) != 1 || ls[0].Port != 3000 || ls[0].Process != "ntopng" {
		t.Fatalf("got %+v, %v", ls, err)
	}
}

func TestCLIReply(t *testing.T) {
	cases := map[string]string{
		"PONG": "+PONG", "OK": "+OK",
		"NOAUTH Authentication required.":                               "-NOAUTH Authentication required.",
		"(error) NOAUTH Authentication required.":                       "-NOAUTH Authentication required.",
		"WRONGPASS invalid username-password pair or user is disabled.": "-WRONGPASS invalid username-password pair or user is disabled.",
	}
	for in, want := range cases {
		if got := cliReply(in); got != want {
			t.Errorf("cliReply(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNthField(t *testing.T) {
	line := "   0: 0100007F:18EB 00000000:0000 0A 00000000:00000000\t00:00000000 00000000   101        0 4242 1"
	for n, want := range map[int]string{0: "0:", 1: "0100007F:18EB", 3: "0A", 9: "4242", 11: "", 30: ""} {
		if got := nthField(line, n); got != want {
			t.Errorf("nthField(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestParseProcessListeners(t *testing.T) {
	out := `@@sockets
/proc/812/fd socket:[4242]
/proc/812/fd socket:[999]
/proc/812/fd pipe:[5555]
@@tcp
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:01BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 4242 1 0000000000000000 100 0 0 10 0
   1: 00000000:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5555 1 0000000000000000 100 0 0 10 0
   2: 0100007F:01BB 0100007F:C350 01 00000000:00000000 00:00000000 00000000   101        0 999 1 0000000000000000 100 0 0 10 0
`
	u, err := ParseProcessListeners("@@unit\nActiveState=active\nMainPID=812\nControlGroup=/system.slice/ntopng.service\n"+out, "ntopng")
	if err != nil {
		t.Fatal(err)
	}
	got := u.Listeners
	want := []Listener{{Protocol: "tcp", Address: "127.0.0.1", Port: 443, Process: "ntopng", PID: 812}}
	if u.ActiveState != "active" || u.MainPID != 812 {
		t.Errorf("unit facts = %q, %d; want active, 812", u.ActiveState, u.MainPID)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v (another process's listener and an established socket must not count)", got, want)
	}
	if _, err := ParseProcessListeners("nonsense", "ntopng"); err == nil {
		t.Fatal("want an error for output without markers")
	}
}

// TestProcessListenersScript runs the real script with /bin/sh on this machine: it must
// find the listening socket of this very test process by its name.
func TestProcessListenersScript(t *testing.T) {
	scriptFindsOwnListener(t, nil)
}

// scriptFindsOwnListener opens a listener, runs processListenersScript for this test
// process's name with /bin/sh (env nil: this process's environment), and fails unless the
// script reports that listener with this process's PID.
func scriptFindsOwnListener(t *testing.T, env []string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	comm, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Skip("no /proc here")
	}
	name := strings.TrimSpace(string(comm))
	u := runListenersScript(t, env, "name", name)
	port := ln.Addr().(*net.TCPAddr).Port
	for _, l := range u.Listeners {
		if l.Port == port && l.PID == os.Getpid() {
			return
		}
	}
	t.Fatalf("the script did not find this process's listener on port %d: %+v", port, u.Listeners)
}

// runListenersScript runs processListenersScript with /bin/sh and parses its output. The
// "unit" selector is given an existing directory as sd_booted's (systemd runs), unless more
// arguments follow.
func runListenersScript(t *testing.T, env []string, selector, arg string, more ...string) Unit {
	t.Helper()
	args := hostscript.Args{"MODE": selector}
	switch selector {
	case "unit":
		if len(more) == 0 {
			more = []string{t.TempDir(), "", "", "-1"}
		}
		args["UNIT"], args["BOOTED"], args["PIDFILE"], args["CONF"], args["NTOPNG_UID"] = arg, more[0], more[1], more[2], more[3]
	case "name":
		args["NAMES"] = arg
	}
	cmd := exec.Command("/bin/sh", unitCheckScript.MustCommand(args)[1:]...)
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("script failed: %v\n%s", err, out)
	}
	u, err := ParseProcessListeners(localTables(t, string(out)), arg)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// localTables is withTables with this machine's TCP tables, read as the provider reads a
// host's (up to the first line past the listeners).
func localTables(t *testing.T, out string) string {
	t.Helper()
	out, err := withTables(out, func(p string) ([]byte, error) {
		b, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return b, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// fakeSystemctl puts a systemctl on a PATH (returned, with the machine's PATH after it) that
// answers `systemctl show ...` with props, as systemd prints them.
func fakeSystemctl(t *testing.T, props string) []string {
	t.Helper()
	bin := t.TempDir()
	script := "#!/bin/sh\n[ \"$1\" = show ] || exit 1\nprintf '%s\\n' '" + props + "'\n"
	if err := os.WriteFile(filepath.Join(bin, "systemctl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return []string{"PATH=" + bin + ":" + os.Getenv("PATH")}
}

// TestUnitListenersScript: the unit's processes are found from what systemd reports (its
// cgroup, else its main PID and that process's descendants), never by a process's name.
func TestUnitListenersScript(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	mine := func(u Unit) bool {
		for _, l := range u.Listeners {
			if l.Port == port && l.PID == os.Getpid() {
				return true
			}
		}
		return false
	}
	t.Run("main PID", func(t *testing.T) {
		u := runListenersScript(t, fakeSystemctl(t, fmt.Sprintf("ActiveState=active\nMainPID=%d\nControlGroup=", os.Getpid())), "unit", "ntopng.service")
		if !mine(u) || u.MainPID != os.Getpid() || u.ActiveState != "active" {
			t.Fatalf("got %+v; want this process's listener on %d", u, port)
		}
	})
	t.Run("a descendant of the main PID", func(t *testing.T) {
		u := runListenersScript(t, fakeSystemctl(t, fmt.Sprintf("ActiveState=active\nMainPID=%d\nControlGroup=", os.Getppid())), "unit", "ntopng.service")
		if !mine(u) {
			t.Fatalf("got %+v; want this process's listener on %d (a child of PID %d)", u, port, os.Getppid())
		}
	})
	t.Run("the cgroup", func(t *testing.T) {
		// systemd names the unit's cgroup by its path in the v2 (or hybrid "unified") tree,
		// or in v1's name=systemd tree; the script looks in each.
		b, _ := os.ReadFile("/proc/self/cgroup")
		cg := ""
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "0::"); ok {
				cg = v
			}
		}
		if cg == "" {
			t.Skipf("no cgroup v2 line in /proc/self/cgroup: %q", b)
		}
		// MainPID 0: only the cgroup can lead to this process.
		u := runListenersScript(t, fakeSystemctl(t, "ActiveState=active\nMainPID=0\nControlGroup="+cg), "unit", "ntopng.service")
		if !mine(u) {
			t.Fatalf("got %+v; want this process's listener on %d (cgroup %s)", u, port, cg)
		}
	})
	t.Run("a process with the same name outside the unit is not it", func(t *testing.T) {
		// The unit's main process is a sleep; this process (which listens) has nothing to do
		// with the unit, whatever its name.
		decoyUnit := exec.Command("sleep", "60")
		if err := decoyUnit.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = decoyUnit.Process.Kill(); _ = decoyUnit.Wait() }()
		comm, _ := os.ReadFile("/proc/self/comm")
		u := runListenersScript(t, fakeSystemctl(t, fmt.Sprintf("ActiveState=active\nMainPID=%d\nControlGroup=", decoyUnit.Process.Pid)), "unit", strings.TrimSpace(string(comm)))
		if len(u.Listeners) != 0 {
			t.Fatalf("got %+v; want no listener: the unit's process listens nowhere", u.Listeners)
		}
	})
	t.Run("stopped", func(t *testing.T) {
		u := runListenersScript(t, fakeSystemctl(t, "ActiveState=inactive\nMainPID=0\nControlGroup="), "unit", "ntopng.service")
		if len(u.Listeners) != 0 || u.MainPID != 0 || u.ActiveState != "inactive" {
			t.Fatalf("got %+v; want an inactive unit without listeners", u)
		}
	})
}

// TestProcessListenersScriptNoSuchProcess: no process of that name is an empty answer, not
// an error.
func TestProcessListenersScriptNoSuchProcess(t *testing.T) {
	if u := runListenersScript(t, nil, "name", "no-such-process-x"); len(u.Listeners) != 0 {
		t.Fatalf("ParseProcessListeners = %+v; want none", u.Listeners)
	}
}

// TestProcessListenersScriptWithoutGNUFind runs the script where find has no -printf (a
// stand-in that fails, like busybox's): the readlink fallback must find the same listener.
func TestProcessListenersScriptWithoutGNUFind(t *testing.T) {
	bin := t.TempDir()
	for _, tool := range []string{"grep", "readlink", "cat"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("%s is missing", tool)
		}
		if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(bin, "find"), []byte("#!/bin/sh\necho \"find: unrecognized: -printf\" >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	scriptFindsOwnListener(t, []string{"PATH=" + bin})
}

// TestPastListeners: a TCP table is read only up to its first complete line that is not a
// listener (the kernel lists every listener first).
func TestPastListeners(t *testing.T) {
	const header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	const listen = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 100 0 0 10 0\n"
	const est = "   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4243 1 0 20 4 30 10 -1\n"
	for _, c := range []struct {
		data string
		want bool
	}{
		{"", false},
		{header, false},
		{header + listen, false},
		{header + listen + est[:40], false},
		{header + listen + est, true},
		{header + est, true},
	} {
		if got := pastListeners([]byte(c.data)); got != c.want {
			t.Errorf("pastListeners(%q) = %v, want %v", c.data, got, c.want)
		}
		// Read in pieces, a byte at a time: the same answer once everything has arrived.
		s := listenerScan{header: true}
		got := false
		for n := 0; n <= len(c.data) && !got; n++ {
			got = s.past([]byte(c.data[:n]))
		}
		if got != c.want {
			t.Errorf("listenerScan over %q a byte at a time = %v, want %v", c.data, got, c.want)
		}
	}
	// withTables keeps complete lines only, and reads nothing without sockets.
	read := func(p string) ([]byte, error) {
		if p == "/proc/net/tcp" {
			return []byte(header + listen + est[:40]), nil
		}
		return nil, nil
	}
	got, err := withTables("@@sockets\n/proc/1/fd socket:[4242]\n@@tcp\n@@redis\nPONG\n", read)
	if want := "@@sockets\n/proc/1/fd socket:[4242]\n@@tcp\n" + header + listen + "@@redis\nPONG\n"; err != nil || got != want {
		t.Errorf("withTables = %q, %v; want %q", got, err, want)
	}
	if got, _ := withTables("@@sockets\n@@tcp\n", func(string) ([]byte, error) { t.Fatal("read without sockets"); return nil, nil }); got != "@@sockets\n@@tcp\n" {
		t.Errorf("withTables without sockets = %q", got)
	}
}
