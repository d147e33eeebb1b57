package hostchange

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hardenops/terraform-provider-ntopng/internal/testconn"
	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestEnsureRootDir: a missing folder is made root's, 0755; an existing one, and a link in its
// place, are left as they are.
func TestEnsureRootDir(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	c := testconn.Root(t, s)
	dir := testhost.TempDir(t)
	made := filepath.Join(dir, "ntopng.conf.d")
	if err := EnsureRootDir(context.Background(), c, made); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(made); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o755 {
		t.Fatalf("made folder: %v %v", fi, err)
	}
	if err := EnsureRootDir(context.Background(), c, made); err != nil {
		t.Errorf("an existing folder: %v", err)
	}
	link := filepath.Join(dir, "planted")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	if err := EnsureRootDir(context.Background(), c, link); err != nil {
		t.Errorf("a link in its place: %v", err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi, err)
	}
}
