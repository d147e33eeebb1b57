//go:build linux

package livecheck

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestParsePIDFileSection: what the script prints where systemd does not run.
func TestParsePIDFileSection(t *testing.T) {
	cases := []struct {
		name, out string
		want      Unit
	}{
		{
			"found",
			"@@pidfile\nPIDFile=/run/ntopng.pid\nSystemd=systemd is not running (/run/systemd/system is missing)\nMainPID=42\n@@sockets\n@@tcp\n",
			Unit{PIDFile: "/run/ntopng.pid", MainPID: 42},
		},
		{
			"gone: not running",
			"@@pidfile\nPIDFile=/run/ntopng.pid\nSystemd=the host has no systemctl\nMainPID=0\n@@sockets\n@@tcp\n",
			Unit{PIDFile: "/run/ntopng.pid"},
		},
		{
			"not checked",
			"@@pidfile\nPIDFile=\nSystemd=systemd is not running (/run/systemd/system is missing)\nNotChecked=ntopng's configuration names no PID file (--pid)\n@@sockets\n@@tcp\n",
			Unit{NotChecked: "not checked: systemd is not running (/run/systemd/system is missing), and ntopng's configuration names no PID file (--pid)"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseProcessListeners(c.out, "ntopng.service")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %+v\nwant %+v", got, c.want)
			}
		})
	}
	if _, err := ParseProcessListeners("@@pidfile\nPIDFile=/x\n@@sockets\n@@tcp\n", "x"); err == nil {
		t.Error("want an error when the section says neither MainPID nor NotChecked")
	}
}

// TestUnitScriptWithoutSystemd runs the unit check where sd_booted's directory is missing:
// ntopng is found through its PID file, and only an ntopng started with its configuration,
// from a program only root may change, running as root or its user, is trusted.
func TestUnitScriptWithoutSystemd(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("reads other processes' /proc/PID/exe: run as root")
	}
	bin := testhost.BuildStandin(t)
	dir := testhost.TempDir(t)
	notBooted := filepath.Join(dir, "no-systemd")
	run := func(t *testing.T, pidFile, conf string, uid int) Unit {
		t.Helper()
		return runListenersScript(t, nil, "unit", "ntopng.service", notBooted, pidFile, conf, strconv.Itoa(uid))
	}
	// start runs the stand-in (program bin) with a configuration of its own that listens on
	// a free port and writes pidFile, as uid (0: as root, not dropping privileges).
	start := func(t *testing.T, bin, name string, uid int) (conf, pidFile string, port int) {
		t.Helper()
		port = testhost.FreePort(t)
		pidFile = filepath.Join(dir, name+".pid")
		conf = filepath.Join(dir, name+".conf")
		text := fmt.Sprintf("-w=127.0.0.1:%d\n-G=%s\n--dont-change-user\n", port, pidFile)
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, conf)
		if uid != 0 {
			if err := os.Chmod(dir, 0o777); err != nil { // the PID file's folder, for that user
				t.Fatal(err)
			}
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		testhost.Eventually(t, 5*time.Second, 50*time.Millisecond, func() error {
			c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			if err != nil {
				return fmt.Errorf("the stand-in does not listen on %d with a PID file: %v", port, err)
			}
			c.Close()
			if _, err := os.Stat(pidFile); err != nil {
				return fmt.Errorf("the stand-in listens on %d but has no PID file: %v", port, err)
			}
			return nil
		})
		return conf, pidFile, port
	}
	listensOn := func(u Unit, port int) bool {
		return len(u.Listeners) == 1 && u.Listeners[0].Port == port && u.Listeners[0].PID == u.MainPID
	}

	conf, pidFile, port := start(t, bin, "ntopng", 0)
	t.Run("the PID file's ntopng", func(t *testing.T) {
		u := run(t, pidFile, conf, -1)
		if u.NotChecked != "" || u.PIDFile != pidFile || u.MainPID == 0 || !listensOn(u, port) {
			t.Fatalf("got %+v; want the stand-in from %s listening on %d", u, pidFile, port)
		}
	})
	notChecked := func(t *testing.T, u Unit, why string) {
		t.Helper()
		if !strings.HasPrefix(u.NotChecked, NotChecked+"systemd is not running") || !strings.Contains(u.NotChecked, why) ||
			len(u.Listeners) != 0 || u.MainPID != 0 {
			t.Fatalf("got %+v; want not checked because %q, and no listener", u, why)
		}
	}
	t.Run("another instance's ntopng", func(t *testing.T) {
		notChecked(t, run(t, pidFile, filepath.Join(dir, "other.conf"), -1), "is an ntopng not started with "+filepath.Join(dir, "other.conf"))
	})
	t.Run("no PID file named", func(t *testing.T) {
		notChecked(t, run(t, "", conf, -1), "names no PID file")
	})
	t.Run("PID file missing", func(t *testing.T) {
		notChecked(t, run(t, filepath.Join(dir, "none.pid"), conf, -1), "does not exist")
	})
	t.Run("PID file is a link", func(t *testing.T) {
		link := filepath.Join(dir, "link.pid")
		if err := os.Symlink(pidFile, link); err != nil {
			t.Fatal(err)
		}
		notChecked(t, run(t, link, conf, -1), "is a symbolic link")
	})
	t.Run("PID file is a FIFO", func(t *testing.T) {
		fifo := filepath.Join(dir, "fifo.pid")
		if err := syscall.Mkfifo(fifo, 0o644); err != nil {
			t.Fatal(err)
		}
		notChecked(t, run(t, fifo, conf, -1), "is not a regular file")
	})
	writePID := func(t *testing.T, name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Run("PID file without a PID", func(t *testing.T) {
		notChecked(t, run(t, writePID(t, "junk.pid", "12 34\n"), conf, -1), "holds no PID")
	})
	t.Run("a process that is gone: not running", func(t *testing.T) {
		gone := exec.Command("true")
		if err := gone.Run(); err != nil {
			t.Fatal(err)
		}
		p := writePID(t, "gone.pid", strconv.Itoa(gone.Process.Pid)+"\n")
		u := run(t, p, conf, -1)
		if u.NotChecked != "" || u.MainPID != 0 || u.PIDFile != p || len(u.Listeners) != 0 {
			t.Fatalf("got %+v; want ntopng not running", u)
		}
	})
	t.Run("a decoy that is not ntopng", func(t *testing.T) {
		decoy := exec.Command("sleep", "60", conf)
		if err := decoy.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = decoy.Process.Kill(); _ = decoy.Wait() }()
		notChecked(t, run(t, writePID(t, "decoy.pid", strconv.Itoa(decoy.Process.Pid)+"\n"), conf, -1), "is not ntopng: its program is")
	})
	t.Run("a program named ntopng that a user may change", func(t *testing.T) {
		own := filepath.Join(t.TempDir(), "ntopng")
		data, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(own, data, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(own, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		c, p, _ := start(t, own, "usercopy", 0)
		notChecked(t, run(t, p, c, -1), "which someone other than root may change")
	})
	t.Run("the real program run by another user", func(t *testing.T) {
		c, p, _ := start(t, bin, "byuser", 65534)
		notChecked(t, run(t, p, c, 4242), "runs as uid 65534, neither root nor the user ntopng runs as")
		if u := run(t, p, c, 65534); u.NotChecked != "" || u.MainPID == 0 {
			t.Fatalf("got %+v; want the ntopng running as its own user (65534) trusted", u)
		}
	})
	t.Run("where systemd runs, its unit decides, not the PID file", func(t *testing.T) {
		u := runListenersScript(t, fakeSystemctl(t, "ActiveState=inactive\nMainPID=0\nControlGroup="), "unit", "ntopng.service",
			dir, pidFile, conf, "-1")
		if u.ActiveState != "inactive" || u.MainPID != 0 || u.PIDFile != "" || len(u.Listeners) != 0 {
			t.Fatalf("got %+v; want the inactive unit as systemd reports it", u)
		}
	})
}
