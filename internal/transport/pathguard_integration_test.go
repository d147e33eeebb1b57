//go:build linux

package transport

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestIntegrationRootRefusesPlantedLinks: links planted by a non-root user (deploy, standing
// in for a compromised service account) in a directory it can write lead to a root-only
// folder; root (a root login, and deploy with sudo) neither writes, removes nor reads
// through them, and the error names the link. A root-owned link in a root-only directory
// (like /var/run -> /run) is followed.
func TestIntegrationRootRefusesPlantedLinks(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	victim := filepath.Join(s.Dir, "victim")
	if err := os.Mkdir(victim, 0o700); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(victim, "secret")
	if err := os.WriteFile(secret, []byte("root only\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	svc := filepath.Join(s.Dir, "svc")
	if err := os.Mkdir(svc, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(svc, s.Deploy.UID, s.Deploy.GID); err != nil {
		t.Fatal(err)
	}
	plant := func(link, target string) string {
		t.Helper()
		p := filepath.Join(svc, link)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		if err := os.Lchown(p, s.Deploy.UID, s.Deploy.GID); err != nil {
			t.Fatal(err)
		}
		return p
	}
	confD := plant("conf.d", victim)
	dropIn := plant("dropin.conf", secret)
	backup := plant("ntopng.conf.pre-terraform", secret)
	// A root-owned link, but in a directory deploy can write: deploy could have swapped it.
	rootLinkInSvc := filepath.Join(svc, "rootlink")
	if err := os.Symlink(victim, rootLinkInSvc); err != nil {
		t.Fatal(err)
	}
	// The trusted shape: root's link in a root-only directory.
	real := filepath.Join(s.Dir, "realrun")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	trusted := filepath.Join(s.Dir, "varrun")
	if err := os.Symlink(real, trusted); err != nil {
		t.Fatal(err)
	}

	sudo := config(s, s.Deploy)
	sudo.Sudo = true
	for _, cfg := range []Config{config(s, s.Root), sudo} {
		c := conn(t, newPool(t), cfg)
		ctx := context.Background()
		who := cfg.Target.User
		refused := func(what, link string, err error) {
			t.Helper()
			var ue *UntrustedLinkError
			if !errors.As(err, &ue) || ue.Link != link || !strings.Contains(err.Error(), "refusing to follow the symbolic link "+link) {
				t.Errorf("%s: %s: want a refusal naming %s, got %v", who, what, link, err)
			}
			if err != nil && strings.Contains(err.Error(), "root only") {
				t.Errorf("%s: %s: the error leaks the target's content: %v", who, what, err)
			}
		}
		refused("write into a linked directory", confD, c.WriteFileAtomic(ctx, filepath.Join(confD, "50-x.conf"), []byte("x\n"), 0o644, 0, 0))
		refused("write through a root link in a writable directory", rootLinkInSvc,
			c.WriteFileAtomic(ctx, filepath.Join(rootLinkInSvc, "50-x.conf"), []byte("x\n"), 0o644, 0, 0))
		refused("remove in a linked directory", confD, c.Remove(ctx, filepath.Join(confD, "secret")))
		data, _, err := c.ReadFile(ctx, dropIn)
		refused("read a linked drop-in", dropIn, err)
		if data != nil {
			t.Errorf("%s: read through a planted link returned %q", who, data)
		}
		files, err := c.ReadFiles(ctx, []string{filepath.Join(confD, "secret"), backup})
		refused("read in a linked directory", confD, err)
		if err == nil || !strings.Contains(err.Error(), "refusing to follow the symbolic link "+backup) {
			t.Errorf("%s: read of a linked backup: want a refusal naming %s, got %v", who, backup, err)
		}
		if len(files) != 2 || files[0].Data != nil || files[1].Data != nil {
			t.Errorf("%s: ReadFiles through planted links returned %+v", who, files)
		}
		// ".." after a link is where the link leads, then up (as the kernel resolves it,
		// not as path.Clean would): conf.d/../victim/secret is the root-only file.
		dotdot := confD + "/../victim/secret"
		data, _, err = c.ReadFile(ctx, dotdot)
		refused("read through a link and ..", confD, err)
		if data != nil {
			t.Errorf("%s: read through a link and .. returned %q", who, data)
		}
		refused("write through a link and ..", confD, c.WriteFileAtomic(ctx, confD+"/../victim/new.conf", []byte("x\n"), 0o644, 0, 0))
		_, err = c.GuardPath(ctx, filepath.Join(confD, "new", "data"))
		refused("a data dir under a linked directory", confD, err)

		// The trusted link is followed, and GuardPath resolves it.
		if got, err := c.GuardPath(ctx, filepath.Join(trusted, "ntopng", "data")); err != nil || got != filepath.Join(real, "ntopng", "data") {
			t.Errorf("%s: GuardPath through a trusted link = %q, %v", who, got, err)
		}
		if err := c.WriteFileAtomic(ctx, filepath.Join(trusted, "ok.conf"), []byte("ok\n"), 0o644, 0, 0); err != nil {
			t.Errorf("%s: write through a trusted link: %v", who, err)
		}
	}
	// Nothing in the root-only folder changed.
	assertFile(t, secret, "root only\n", 0o600, 0, 0)
	if entries, _ := os.ReadDir(victim); len(entries) != 1 {
		t.Errorf("the root-only folder holds %d entries, want 1", len(entries))
	}
	fi, err := os.Stat(victim)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("the root-only folder: %v %v", fi.Mode(), err)
	}
	assertFile(t, filepath.Join(real, "ok.conf"), "ok\n", 0o644, 0, 0)
	// A plain login follows links with its own rights: no check, no refusal.
	plain := conn(t, newPool(t), config(s, s.Deploy))
	if got, err := plain.GuardPath(context.Background(), filepath.Join(confD, "x")); err != nil || got != filepath.Join(confD, "x") {
		t.Errorf("plain GuardPath = %q, %v", got, err)
	}
}
