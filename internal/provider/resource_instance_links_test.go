package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// linkRefused matches the error that names a refused link, across Terraform's line wraps.
func linkRefused(link string) *regexp.Regexp {
	return regexp.MustCompile(`(?s)refusing\s+to\s+follow\s+the\s+symbolic\s+link\s+` + regexp.QuoteMeta(link))
}

// TestAccInstanceRefusesPlantedLinks: a user other than root (deploy, standing in for a
// compromised ntopng) plants links to a root-only folder where root would work: the data
// dir in a directory it can write, a drop-in file. Apply (as root) refuses, naming the
// link, and the root-only folder keeps its owner, mode and content.
func TestAccInstanceRefusesPlantedLinks(t *testing.T) {
	f := newInstanceFixture(t)
	f.writeCert(t)
	s := f.s
	victim := filepath.Join(s.Dir, "victim")
	if err := os.Mkdir(victim, 0o700); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(victim, "shadow")
	if err := os.WriteFile(secret, []byte("--community\n# root only\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The data dir's parent belongs to the service account, which swaps the data dir for a link.
	svc := filepath.Join(filepath.Dir(f.dataDir), "svc")
	if err := os.Mkdir(svc, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(svc, s.Deploy.UID, s.Deploy.GID); err != nil {
		t.Fatal(err)
	}
	f.dataDir = filepath.Join(svc, "data")
	plant := func(link, target string) {
		t.Helper()
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		if err := os.Lchown(link, s.Deploy.UID, s.Deploy.GID); err != nil {
			t.Fatal(err)
		}
	}
	plant(f.dataDir, victim)
	dropIn := filepath.Join(f.n.ConfDir, "60-planted.conf")
	before := readFile(t, f.n.ConfPath)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config:      f.config(""),
				ExpectError: linkRefused(f.dataDir),
			},
			{
				// The data dir is fixed; a drop-in linked to the root-only file is refused at
				// plan, and its content appears nowhere.
				PreConfig: func() {
					if err := os.Remove(f.dataDir); err != nil {
						t.Fatal(err)
					}
					plant(dropIn, secret)
				},
				Config:      f.config(""),
				ExpectError: linkRefused(dropIn),
			},
		},
	})
	fi, err := os.Stat(victim)
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != 0 || st.Gid != 0 || fi.Mode().Perm() != 0o700 {
		t.Errorf("the root-only folder is now %d:%d %04o, want 0:0 0700", st.Uid, st.Gid, fi.Mode().Perm())
	}
	if got := readFile(t, secret); got != "--community\n# root only\n" {
		t.Errorf("the root-only file now holds %q", got)
	}
	if entries, _ := os.ReadDir(victim); len(entries) != 1 {
		t.Errorf("the root-only folder holds %d entries, want 1", len(entries))
	}
	if after := readFile(t, f.n.ConfPath); after != before {
		t.Errorf("ntopng.conf changed although apply was refused:\n%s", after)
	}
}
