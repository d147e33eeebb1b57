//go:build linux

package transport

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"unsafe"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// modeWatcher records, through inotify, the mode of each file in dir every time the file
// appears or changes, the moment the kernel reports it: what a local user watching the
// directory would see (and could open) while the provider writes.
type modeWatcher struct {
	dir  string
	fd   int
	done chan struct{}

	mu   sync.Mutex
	seen map[string][]os.FileMode
}

const watcherStop = "zz-stop-watching"

func watchModes(t *testing.T, dir string) *modeWatcher {
	t.Helper()
	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC)
	if err != nil {
		t.Fatalf("inotify: %v", err)
	}
	mask := uint32(syscall.IN_CREATE | syscall.IN_ATTRIB | syscall.IN_MODIFY | syscall.IN_CLOSE_WRITE | syscall.IN_MOVED_TO)
	if _, err := syscall.InotifyAddWatch(fd, dir, mask); err != nil {
		syscall.Close(fd)
		t.Fatalf("inotify watch %s: %v", dir, err)
	}
	w := &modeWatcher{dir: dir, fd: fd, done: make(chan struct{}), seen: map[string][]os.FileMode{}}
	go w.loop()
	return w
}

func (w *modeWatcher) loop() {
	defer close(w.done)
	defer syscall.Close(w.fd)
	buf := make([]byte, 64<<10)
	for {
		n, err := syscall.Read(w.fd, buf)
		if err != nil {
			if err == syscall.EINTR {
				continue
			}
			return
		}
		for off := 0; off+syscall.SizeofInotifyEvent <= n; {
			ev := (*syscall.InotifyEvent)(unsafe.Pointer(&buf[off]))
			name := string(bytes.TrimRight(buf[off+syscall.SizeofInotifyEvent:off+syscall.SizeofInotifyEvent+int(ev.Len)], "\x00"))
			off += syscall.SizeofInotifyEvent + int(ev.Len)
			if name == watcherStop {
				return
			}
			var st syscall.Stat_t
			if syscall.Lstat(filepath.Join(w.dir, name), &st) == nil {
				w.mu.Lock()
				w.seen[name] = append(w.seen[name], os.FileMode(st.Mode).Perm())
				w.mu.Unlock()
			}
		}
	}
}

// stop ends the watcher (by creating the file it stops on) and returns what it saw.
func (w *modeWatcher) stop(t *testing.T) map[string][]os.FileMode {
	t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, watcherStop), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	<-w.done
	os.Remove(filepath.Join(w.dir, watcherStop))
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seen
}

// TestIntegrationWrittenFilesNeverWiderThanFinalMode writes files through sshd running under
// umask 000 (so any file its SFTP server creates without care is 0666) while a watcher
// records the mode of every file appearing in the directory: no file, temporary or final,
// may ever be readable by more than its final mode allows.
func TestIntegrationWrittenFilesNeverWiderThanFinalMode(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{Umask: "000"})
	p := newPool(t)
	ctx := context.Background()
	rootCfg := config(s, s.Root)
	sudoCfg := config(s, s.Deploy)
	sudoCfg.Sudo = true
	sudoServerCfg := sudoCfg
	sudoServerCfg.SFTPServer = "/usr/lib/openssh/sftp-server"
	plainServerCfg := config(s, s.Deploy)
	plainServerCfg.SFTPServer = "/usr/lib/openssh/sftp-server"
	cases := []struct {
		name     string
		cfg      Config
		dirOwner int // of the directory written into
		uid, gid int
	}{
		{"root", rootCfg, 0, 0, s.Deploy.GID},
		{"sudo", sudoCfg, 0, 0, s.Deploy.GID},
		{"sudo sftp_server", sudoServerCfg, 0, 0, s.Deploy.GID},
		{"plain", config(s, s.Deploy), s.Deploy.UID, -1, -1},
		{"plain sftp_server", plainServerCfg, s.Deploy.UID, -1, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := conn(t, p, tc.cfg)
			// The premise: sessions on this sshd really run under umask 000.
			if got := run(t, c, "sh", "-c", "umask"); got != "0000\n" {
				t.Fatalf("sessions run under umask %q, want 0000", got)
			}
			for _, mode := range []os.FileMode{0o600, 0o640} {
				dir, err := os.MkdirTemp(s.Dir, "modes")
				if err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Chown(dir, tc.dirOwner, -1); err != nil {
					t.Fatal(err)
				}
				target := filepath.Join(dir, "secret.conf")
				w := watchModes(t, dir)
				for i := 0; i < 10; i++ {
					if err := c.WriteFileAtomic(ctx, target, []byte(fmt.Sprintf("requirepass secret-%d\n", i)), mode, tc.uid, tc.gid); err != nil {
						w.stop(t)
						t.Fatal(err)
					}
				}
				seen := w.stop(t)
				temps := 0
				for name, modes := range seen {
					if strings.Contains(name, ".tf-") {
						temps++
					}
					for _, m := range modes {
						if m&^mode != 0 {
							t.Errorf("mode %04o: %s existed with mode %04o (seen: %04o)", mode, name, m, modes)
							break
						}
					}
				}
				if temps == 0 { // it would prove nothing
					t.Errorf("mode %04o: the watcher saw no temporary file (it saw %v)", mode, seen)
				}
				fi, err := os.Stat(target)
				if err != nil || fi.Mode().Perm() != mode {
					t.Errorf("final file: %v %v, want mode %04o", fi.Mode(), err, mode)
				}
			}
		})
	}
}

// TestIntegrationWriteRefusesAWideTemporaryFile: an SFTP server that resets the umask (a
// wrapper given as sftp_server) creates the temporary file 0666; the write stops before
// any content reaches it, names the host and the file, and leaves the old file alone.
func TestIntegrationWriteRefusesAWideTemporaryFile(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	wrapper := filepath.Join(s.Dir, "wide-sftp-server")
	if err := os.WriteFile(wrapper, []byte("#!/bin/sh\numask 000\nexec /usr/lib/openssh/sftp-server\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(s.Dir, "wide")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "secret.conf")
	if err := os.WriteFile(target, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config(s, s.Deploy)
	cfg.Sudo = true
	cfg.SFTPServer = wrapper
	c := conn(t, newPool(t), cfg)
	err := c.WriteFileAtomic(context.Background(), target, []byte("new secret\n"), 0o600, 0, 0)
	if err == nil || !strings.Contains(err.Error(), "refusing to write "+target+" on "+s.Addr) || !strings.Contains(err.Error(), "mode 0666") {
		t.Fatalf("want a refusal naming %s, the host and mode 0666, got %v", target, err)
	}
	assertFile(t, target, "old\n", 0o600, 0, 0)
	if tmp := tempFilesIn(t, dir); len(tmp) != 0 {
		t.Errorf("temporary files left: %q", tmp)
	}
}

// TestIntegrationSFTPServerIsAPath: an sftp_server that looks like an option ("-h") or an
// assignment ("FOO=bar") is run as a path, with and without sudo, and fails as a missing
// file: neither sudo nor sh reads it as an option or an assignment.
func TestIntegrationSFTPServerIsAPath(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	p := newPool(t)
	for _, sudo := range []bool{false, true} {
		for server, want := range map[string]string{"-h": "./-h: not found", "FOO=bar": "FOO=bar: not found"} {
			t.Run(fmt.Sprintf("%s sudo=%t", server, sudo), func(t *testing.T) {
				cfg := config(s, s.Deploy)
				cfg.Sudo = sudo
				cfg.SFTPServer = server
				_, _, err := conn(t, p, cfg).ReadFile(context.Background(), "/etc/hostname")
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("want an error saying %q, got %v", want, err)
				}
			})
		}
	}
}
