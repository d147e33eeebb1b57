package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// HostProcs is what one host's sshd started during a traced command: every process forked in
// its tree (sessions, login shells, the shells of scripts, their subshells and programs) and
// every program executed (an execve that succeeded), by program path.
type HostProcs struct {
	Processes int
	Programs  map[string]int
}

// Execs sums Programs.
func (p HostProcs) Execs() int {
	n := 0
	for _, c := range p.Programs {
		n += c
	}
	return n
}

// stracePath is where TraceHosts finds strace; without it processes are not counted.
var stracePath, _ = exec.LookPath("strace")

// CanTrace says whether TraceHosts can count processes here.
func CanTrace() bool { return stracePath != "" && os.Geteuid() == 0 }

// TraceHosts follows every host's sshd (and everything it starts) with `strace -f` until the
// returned stop is called, and then returns what each host started. The count is exact: it is
// the kernel's fork and execve calls in the tree of that host's sshd, the test's own commands
// excepted (none run meanwhile). strace slows the hosts down: trace a run that counts, never
// one that is timed. It skips the test when strace cannot run (CanTrace).
func (f *Fleet) TraceHosts(t testing.TB) (stop func() []HostProcs) {
	t.Helper()
	if !CanTrace() {
		t.Skip("bench: strace (as root) is needed to count the processes started on the hosts")
	}
	dir := filepath.Join(f.Dir, "strace")
	mkdir(t, dir)
	cmds := make([]*exec.Cmd, len(f.Hosts))
	for i, h := range f.Hosts {
		out := filepath.Join(dir, strconv.Itoa(i))
		os.Remove(out)
		cmd := exec.Command(stracePath, "-f", "-qq", "-e", "trace=execve,clone,clone3,fork,vfork", "-e", "signal=none",
			"-o", out, "-p", strconv.Itoa(h.SSHD.PID))
		if err := cmd.Start(); err != nil {
			t.Fatalf("bench: strace: %v", err)
		}
		cmds[i] = cmd
	}
	// strace has attached once the kernel names it sshd's tracer.
	for i, h := range f.Hosts {
		for end := time.Now().Add(10 * time.Second); tracerPID(h.SSHD.PID) != cmds[i].Process.Pid; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("bench: strace did not attach to sshd %d", h.SSHD.PID)
			}
		}
	}
	return func() []HostProcs {
		out := make([]HostProcs, len(f.Hosts))
		for i, cmd := range cmds {
			cmd.Process.Signal(syscall.SIGINT)
			cmd.Wait()
			b, err := os.ReadFile(filepath.Join(dir, strconv.Itoa(i)))
			if err != nil {
				t.Fatalf("bench: strace wrote nothing: %v", err)
			}
			out[i] = ParseStrace(string(b))
		}
		return out
	}
}

// tracerPID is the TracerPid of /proc/PID/status (0 when none or unknown).
func tracerPID(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "TracerPid:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

var (
	straceExec = regexp.MustCompile(`^\d+\s+execve\("([^"]*)".* = 0$`)
	straceFork = regexp.MustCompile(`^\d+\s+(clone|clone3|fork|vfork)\((.*) = (\d+)$`)
)

// ParseStrace counts, in the output of `strace -f -e trace=execve,clone,clone3,fork,vfork`,
// the processes created (threads, CLONE_THREAD, are not processes) and the programs executed.
// A call that strace shows in two parts ("<unfinished ...>" then "<... resumed>") is counted
// on the line that carries its result.
func ParseStrace(out string) HostProcs {
	p := HostProcs{Programs: map[string]int{}}
	pending := map[string]string{} // pid -> the start of its unfinished call
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		pid, _, _ := strings.Cut(line, " ")
		if start, ok := strings.CutSuffix(line, " <unfinished ...>"); ok {
			pending[pid] = start
			continue
		}
		if _, rest, ok := strings.Cut(line, " resumed>"); ok {
			line = pending[pid] + rest
			delete(pending, pid)
		}
		if m := straceExec.FindStringSubmatch(line); m != nil {
			p.Programs[m[1]]++
		} else if m := straceFork.FindStringSubmatch(line); m != nil && !strings.Contains(m[2], "CLONE_THREAD") {
			p.Processes++
		}
	}
	return p
}
