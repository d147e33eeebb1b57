// Package testhost starts real servers on 127.0.0.1 for the acceptance tests of the other
// packages: OpenSSH's sshd (as root, in a private mount namespace whose /etc is a temporary
// copy, so test users, groups and sudoers never touch the machine's /etc), redis-server and
// the ntopng stand-in. Everything lives in temporary directories and every process is
// stopped by PID in t.Cleanup.
//
// It is an ordinary package so that tests in other packages can import it; nothing outside
// tests may import it.
package testhost

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TempDir returns a new temporary directory with a short path (Unix socket paths must stay
// under 108 bytes) and mode 0755, so that the unprivileged test users reached over SSH can
// enter it. It is removed in t.Cleanup.
func TempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "th")
	if err != nil {
		t.Fatalf("testhost: cannot create a temporary directory: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatalf("testhost: %v", err)
	}
	return dir
}

// Alive reports whether the process pid exists and is not a zombie. (On the test machine
// PID 1 reaps orphans only now and then, so a stopped daemon may linger for a while as a
// zombie: it is dead all the same.)
func Alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return false
	}
	state := s[i+2]
	return state != 'Z' && state != 'X'
}

// cmdline returns the command line of pid with its arguments joined by spaces.
func cmdline(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}

// stopPID sends SIGTERM to pid, waits up to five seconds for it to be gone, then sends
// SIGKILL. It returns false when the process is still alive afterwards.
func stopPID(pid int) bool {
	if !Alive(pid) {
		return true
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	if waitGone(pid, 5*time.Second) {
		return true
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	return waitGone(pid, 5*time.Second)
}

// waitGone polls until pid is no longer alive or d has passed.
func waitGone(pid int, d time.Duration) bool {
	return Until(RealClock{}, d, 20*time.Millisecond, func() error {
		if Alive(pid) {
			return errors.New("alive")
		}
		return nil
	}) == nil
}

// pids lists the live processes for which match returns true.
func pids(match func(pid int) bool) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() || !Alive(pid) {
			continue
		}
		if match(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// mountNS returns the mount namespace of pid, like "mnt:[4026532290]".
func mountNS(pid int) string {
	ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", pid))
	return ns
}

// cwdOf returns the working directory of pid.
func cwdOf(pid int) string {
	cwd, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	return cwd
}

// readPIDFile returns the PID written in path, or 0.
func readPIDFile(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return pid
}

// tail returns the last n lines of the file at path, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// shellQuote quotes s for POSIX sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// writeFile writes data to path with mode perm, creating the parent directories.
func writeFile(t testing.TB, path, data string, perm os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatalf("testhost: %v", err)
	}
	if err := os.WriteFile(path, []byte(data), perm); err != nil {
		t.Fatalf("testhost: %v", err)
	}
	if err := os.Chmod(path, perm); err != nil { // WriteFile's perm is filtered by the umask
		t.Fatalf("testhost: %v", err)
	}
}
