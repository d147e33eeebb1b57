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

// TestIntegrationReadProc: a /proc file (size 0 in its stat) is read to its end through the
// SFTP session, page by page, or only as far as enough asks; a missing one is no error, and
// nothing outside /proc is read this way.
func TestIntegrationReadProc(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	c := conn(t, newPool(t), config(s, s.Root))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := os.Stat("/proc/self/smaps"); err != nil {
		t.Skip("no /proc here")
	}
	// The SFTP server's own memory map: pages long, with a line per mapping field.
	got, err := c.ReadProc(ctx, "/proc/self/smaps", nil)
	if err != nil || len(got) <= 2*ProcPageSize || !strings.HasSuffix(string(got), "\n") || !strings.Contains(string(got), "sftp-server") {
		t.Fatalf("ReadProc(/proc/self/smaps) = %d bytes, %v; want the SFTP server's whole map, pages long", len(got), err)
	}
	reads := 0
	got, err = c.ReadProc(ctx, "/proc/self/smaps", func([]byte) bool { reads++; return true })
	if err != nil || reads != 1 || len(got) == 0 || len(got) > ProcPageSize {
		t.Fatalf("ReadProc with enough at once = %d bytes after %d reads, %v; want one page at most", len(got), reads, err)
	}
	if got, err := c.ReadProc(ctx, "/proc/no-such-file", nil); got != nil || err != nil {
		t.Fatalf("ReadProc of a missing file = %q, %v; want nil, nil", got, err)
	}
	for _, p := range []string{"/etc/passwd", "/proc/../etc/passwd"} {
		if _, err := c.ReadProc(ctx, p, nil); err == nil {
			t.Errorf("ReadProc(%s) read it; want a refusal", p)
		}
	}
}
