package sandbox

import (
	"os"
	"path/filepath"
	"testing"
)

// removeCgroup is run on a path read back from a file in the shared temporary folder
// (sweepStale): it must refuse anything that is not inside the cgroup v2 hierarchy.
func TestRemoveCgroupRefusesOtherPaths(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "keep")
	if err := os.Mkdir(keep, 0o755); err != nil {
		t.Fatal(err)
	}
	mount, err := cgroup2Mount()
	if err != nil {
		t.Skipf("no cgroup v2 hierarchy here: %v", err)
	}
	for _, p := range []string{keep, "", "/", mount, mount + "/../.." + keep, mount + "x/y", mount + "/..", mount + "/a/../.."} {
		if err := removeCgroup(p); err == nil {
			t.Errorf("removeCgroup(%q) = nil, want a refusal", p)
		}
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("%s was removed: %v", keep, err)
	}
}

func TestOwnCgroupIsAbsolute(t *testing.T) {
	if _, err := cgroup2Mount(); err != nil {
		t.Skipf("no cgroup v2 hierarchy here: %v", err)
	}
	g, err := ownCgroup()
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(g) || filepath.Clean(g) != g {
		t.Errorf("ownCgroup() = %q, want a clean absolute path", g)
	}
}
