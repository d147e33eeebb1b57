package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// DistEnv names the environment variable that points at the folder of
// ntopng tarballs (ntopng built from ntop's sources on each Debian
// release, laid out as ntop's Debian package installs it; see
// ../shared/ntopng/README.md): one subfolder per release, debian11/,
// debian12/, debian13/, each holding one .tar.xz. Without it the sandbox
// uses defaultDist relative to the repository root.
const DistEnv = "NTOPNG_DIST"

// defaultDist is the tarballs' usual folder, relative to the repository root.
const defaultDist = "../shared/ntopng"

// Dist is the ntopng tarball a sandbox installs.
type Dist struct {
	Path   string // absolute path of the .tar.xz
	SHA256 string // hex digest of its bytes: part of the image key
}

// distDir returns the folder of the per-release tarballs and what named it.
func distDir() (string, string) {
	if dir := os.Getenv(DistEnv); dir != "" {
		return dir, DistEnv
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", "nothing (set " + DistEnv + ")"
	}
	root := filepath.Join(filepath.Dir(file), "..", "..")
	return filepath.Clean(filepath.Join(root, defaultDist)), "the default " + defaultDist
}

// FindDist locates the ntopng tarball built for r: DIR/RELEASE/*.tar.xz,
// where DIR is $NTOPNG_DIST or ../shared/ntopng beside the checkout.
// Exactly one file must match.
func FindDist(r Release) (Dist, error) {
	dir, from := distDir()
	pattern := filepath.Join(dir, r.Dist, "*.tar.xz")
	matches, _ := filepath.Glob(pattern)
	switch len(matches) {
	case 0:
		return Dist{}, fmt.Errorf("the real ntopng tarball for %s was not found at %s (%s); put ntop's ntopng built on %s there or set %s to the folder holding %s/", r.Name, pattern, from, r.Dist, DistEnv, r.Dist)
	case 1:
	default:
		return Dist{}, fmt.Errorf("%d ntopng tarballs match %s (%s): %s; leave one", len(matches), pattern, from, strings.Join(matches, ", "))
	}
	path, err := filepath.Abs(matches[0])
	if err != nil {
		return Dist{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return Dist{}, fmt.Errorf("read the ntopng tarball: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return Dist{}, fmt.Errorf("read the ntopng tarball %s: %w", path, err)
	}
	return Dist{Path: path, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// install extracts the tarball into root and returns the Debian packages
// its usr/share/ntopng-package/depends lists.
func (d Dist) install(ctx context.Context, root string) ([]string, error) {
	tarTool, err := lookTool("tar")
	if err != nil {
		return nil, err
	}
	// --no-overwrite-dir keeps the image's own /usr, /etc: a merged-/usr
	// Debian root keeps its links and modes.
	cmd := exec.CommandContext(ctx, tarTool, "-C", root, "--no-overwrite-dir", "-xJf", d.Path)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("extract %s: %w\n%s", d.Path, err, out)
	}
	b, err := os.ReadFile(filepath.Join(root, "usr/share/ntopng-package/depends"))
	if err != nil {
		return nil, fmt.Errorf("the ntopng tarball %s has no usr/share/ntopng-package/depends: %w", d.Path, err)
	}
	return strings.Fields(string(b)), nil
}
