//go:build linux

package transport

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestIntegrationReadsAreBounded: devices, FIFOs and files over MaxReadSize are refused
// with an error naming the file, before anything is read (a FIFO is not even opened,
// which would block the SFTP server); a link to one is refused the same way.
func TestIntegrationReadsAreBounded(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	dir := filepath.Join(s.Dir, "reads")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.conf")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.conf")
	if err := os.WriteFile(big, make([]byte, 10<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	atCap := filepath.Join(dir, "at-cap.conf")
	if err := os.WriteFile(atCap, make([]byte, MaxReadSize), 0o644); err != nil {
		t.Fatal(err)
	}
	zeroLink := filepath.Join(dir, "zero.conf")
	if err := os.Symlink("/dev/zero", zeroLink); err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []Config{config(s, s.Root), func() Config { c := config(s, s.Deploy); c.Sudo = true; return c }()} {
		c := conn(t, newPool(t), cfg)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for p, want := range map[string]string{
			"/dev/zero": "it is a character device",
			zeroLink:    "it is a character device",
			fifo:        "it is a FIFO",
			big:         "it is larger than 4 MiB",
		} {
			data, _, err := c.ReadFile(ctx, p)
			if err == nil || !strings.Contains(err.Error(), "cannot read "+p+" on "+s.Addr+": "+want) || data != nil {
				t.Errorf("%s ReadFile(%s) = %d bytes, %v; want an error saying %q", cfg.Target.User, p, len(data), err, want)
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("the reads took the whole timeout: %v", ctx.Err())
		}
		// A file of exactly the cap is read; ReadFiles names the refused file and reads the rest.
		if data, _, err := c.ReadFile(ctx, atCap); err != nil || len(data) != MaxReadSize {
			t.Errorf("ReadFile(at cap) = %d bytes, %v", len(data), err)
		}
		files, err := c.ReadFiles(ctx, []string{"/etc/hostname", "/dev/zero", "/proc/self/status"})
		if err == nil || !strings.Contains(err.Error(), "cannot read /dev/zero") {
			t.Errorf("ReadFiles with /dev/zero: %v", err)
		}
		if len(files) != 3 || !files[0].Info.Exists || files[1].Data != nil || !strings.Contains(string(files[2].Data), "Name:") {
			t.Errorf("ReadFiles = %+v", files)
		}
	}
}
