//go:build linux

package transport

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestIntegrationReadsShareUntilAChange: the reads of a walk share a file (the host is asked
// once), a command that only reads (Query) keeps it shared, and anything that may change the
// host (Run, RunShell, WriteFileAtomic, Remove) makes the next read ask the host again. The
// file is changed behind the provider's back to tell a shared read from a fresh one.
func TestIntegrationReadsShareUntilAChange(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	c := conn(t, newPool(t), config(s, s.Root))
	ctx := context.Background()
	p := filepath.Join(s.Dir, "shared.conf")
	set := func(v string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	read := func() string {
		t.Helper()
		files, err := c.ReadFiles(ctx, []string{p})
		if err != nil {
			t.Fatal(err)
		}
		return string(files[0].Data)
	}
	set("one")
	if got := read(); got != "one" {
		t.Fatalf("first read = %q", got)
	}
	set("two")
	if got, _, _ := c.ReadFile(ctx, p); string(got) != "one" {
		t.Errorf("a second read in the walk asked the host again (%q), want the shared %q", got, "one")
	}
	if _, err := c.Query(ctx, []string{"true"}, nil); err != nil {
		t.Fatal(err)
	}
	if got := read(); got != "one" {
		t.Errorf("after Query (changes nothing) the read is %q, want the shared %q", got, "one")
	}
	changes := map[string]func() error{
		"Run":      func() error { _, err := c.Run(ctx, []string{"true"}, nil); return err },
		"RunShell": func() error { _, err := c.RunShell(ctx, "true", nil); return err },
		"WriteFileAtomic": func() error {
			return c.WriteFileAtomic(ctx, filepath.Join(s.Dir, "other.conf"), []byte("x"), 0o644, -1, -1)
		},
		"Remove": func() error { return c.Remove(ctx, filepath.Join(s.Dir, "other.conf")) },
	}
	for _, name := range []string{"Run", "RunShell", "WriteFileAtomic", "Remove"} {
		set(name)
		if err := changes[name](); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := read(); got != name {
			t.Errorf("after %s the read is %q, want the host's %q", name, got, name)
		}
	}
}
