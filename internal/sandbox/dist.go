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

// DistEnv names the environment variable that points at the ntopng
// tarball (ntopng built from ntop's sources, laid out as ntop's Debian
// package installs it; see ../shared/ntopng/README.md). Without it the
// sandbox looks for defaultDist relative to the repository root.
const DistEnv = "NTOPNG_DIST"

// defaultDist is the tarball's usual place, relative to the repository root.
const defaultDist = "../shared/ntopng/*.tar.xz"

// Dist is the ntopng tarball a sandbox installs.
type Dist struct {
	Path   string // absolute path of the .tar.xz
	SHA256 string // hex digest of its bytes: part of the image key
}

// FindDist locates the ntopng tarball: $NTOPNG_DIST (a file or a glob), or
// ../shared/ntopng/*.tar.xz beside the checkout. Exactly one file must match.
func FindDist() (Dist, error) {
	pattern, from := os.Getenv(DistEnv), DistEnv
	if pattern == "" {
		_, file, _, ok := runtime.Caller(0)
		if !ok {
			return Dist{}, fmt.Errorf("the real ntopng tarball was not found: set %s", DistEnv)
		}
		root := filepath.Join(filepath.Dir(file), "..", "..")
		pattern, from = filepath.Clean(filepath.Join(root, defaultDist)), "the default "+defaultDist
	}
	matches, _ := filepath.Glob(pattern)
	switch len(matches) {
	case 0:
		return Dist{}, fmt.Errorf("the real ntopng tarball was not found at %s (%s); put ntop's ntopng tarball there or set %s to its path", pattern, from, DistEnv)
	case 1:
	default:
		return Dist{}, fmt.Errorf("%d ntopng tarballs match %s (%s): %s; set %s to the one to use", len(matches), pattern, from, strings.Join(matches, ", "), DistEnv)
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
