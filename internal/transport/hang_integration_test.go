//go:build linux

package transport

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestIntegrationSFTPCallsEndOnCancel: pkg/sftp takes no context, so a request to an SFTP
// server that stopped answering waited forever. The context's end now closes the session:
// the call returns an error naming the host and saying why, and the next call opens a
// new session and works.
func TestIntegrationSFTPCallsEndOnCancel(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	c := conn(t, newPool(t), config(s, s.Root))
	if _, err := c.Stat(context.Background(), "/"); err != nil {
		t.Fatal(err)
	}
	var stopped []int
	for _, pid := range s.NamespacePIDs() {
		if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); strings.Contains(string(b), "sftp-server") {
			if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
				t.Fatal(err)
			}
			stopped = append(stopped, pid)
		}
	}
	t.Cleanup(func() {
		for _, pid := range stopped {
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	})
	if len(stopped) != 1 {
		t.Fatalf("found %d sftp-server processes to stop, want 1", len(stopped))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	err := testhost.Returns(t, func() error { _, _, err := c.ReadFile(ctx, "/etc/hostname"); return err })
	if err == nil || !strings.Contains(err.Error(), s.Addr) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want an error naming %s and the deadline, got %v", s.Addr, err)
	}
	data, _, err := c.ReadFile(context.Background(), "/etc/"+"testhost-sshd")
	if err != nil || string(data) != s.Dir {
		t.Errorf("the next ReadFile: %q, %v", data, err)
	}
}

// TestIntegrationSFTPStartEndsOnCancel: an SFTP server that never sends its version (here
// a program that reads nothing and says nothing) no longer blocks the first call forever.
func TestIntegrationSFTPStartEndsOnCancel(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	mute := filepath.Join(s.Dir, "mute-sftp-server")
	if err := os.WriteFile(mute, []byte("#!/bin/sh\nexec sleep 600\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := config(s, s.Root)
	cfg.SFTPServer = mute
	c := conn(t, newPool(t), cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	err := testhost.Returns(t, func() error { _, err := c.Stat(ctx, "/"); return err })
	want := "starting the SFTP server on " + s.Addr
	if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want an error saying %q and the deadline, got %v", want, err)
	}
}
