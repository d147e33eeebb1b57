package sandbox

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// CacheDir is where built root filesystems are kept, one folder per image
// key. Delete a folder below it to force a rebuild.
const CacheDir = "/var/cache/terraform-provider-ntopng"

// imageVersion changes whenever buildImage changes what it produces, so
// that a new key (and a new cache folder) is used.
const imageVersion = "3"

// basePackages are installed on top of debootstrap's minbase variant on
// every release, with the release's Redis server package (Release.Package).
var basePackages = []string{
	"ca-certificates", "dbus", "iproute2", "libpam-systemd", "openssh-server",
	"openssl", "procps", "sudo", "systemd", "systemd-sysv",
}

// packages is what an image of r gets from debootstrap, before the
// tarball's own runtime packages.
func (r Release) packages() []string {
	return append(slices.Clone(basePackages), r.Package())
}

// imageKey names the cache folder after everything that shapes the image:
// the release, the packages (the release's extras too: a release without
// extras keeps its key), and the ntopng tarball (its runtime packages, its
// files and what its postinst does are all in the image).
func imageKey(r Release, dist Dist) string {
	pkgs := strings.Join(r.packages(), ",")
	if len(r.Extra) > 0 {
		pkgs += "\nextra:" + strings.Join(r.Extra, ",")
	}
	sum := sha256.Sum256([]byte(imageVersion + "\n" + r.Suite + "\n" + pkgs + "\n" + dist.SHA256))
	return hex.EncodeToString(sum[:])[:12]
}

// EnsureImage returns the cached root filesystem of release r with the
// ntopng of dist installed, building it with debootstrap first when it is missing (a few minutes, progress lines
// go to progress). Two processes never build at once: the second waits for
// the first and then uses its result. The root filesystem is never booted
// or changed afterwards; every boot works on an overlay above it.
func EnsureImage(ctx context.Context, r Release, dist Dist, progress io.Writer) (string, error) {
	if progress == nil {
		progress = io.Discard
	}
	final := filepath.Join(CacheDir, "sandbox-"+r.Name+"-"+imageKey(r, dist))
	rootfs := filepath.Join(final, "rootfs")
	if isDir(rootfs) {
		return rootfs, nil
	}
	if err := os.MkdirAll(CacheDir, 0o755); err != nil {
		return "", fmt.Errorf("create the image cache: %w", err)
	}
	unlock, err := lockFile(ctx, final+".lock", "building the "+r.Name+" image", progress)
	if err != nil {
		return "", err
	}
	defer unlock()
	if isDir(rootfs) { // built by another process while we waited
		return rootfs, nil
	}
	if err := removeStaleBuilds(final); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(CacheDir, filepath.Base(final)+".tmp-")
	if err != nil {
		return "", fmt.Errorf("create the image build folder: %w", err)
	}
	start := time.Now()
	if err := buildImage(ctx, tmp, r, dist, progress); err != nil {
		if rmErr := removeUnmounted(tmp); rmErr != nil {
			err = fmt.Errorf("%w (and cleaning up: %v)", err, rmErr)
		}
		return "", err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", fmt.Errorf("store the image: %w", err)
	}
	fmt.Fprintf(progress, "sandbox: %s image built in %s: %s\n", r.Name, time.Since(start).Round(time.Second), rootfs)
	return rootfs, nil
}

// buildImage runs debootstrap into tmp/rootfs with the packages and the
// tarball's runtime packages, installs the tarball as ntop's package does
// (files, then its postinst, chrooted), then removes what must differ
// between boots (SSH host keys) and what only takes space (apt caches).
func buildImage(ctx context.Context, tmp string, r Release, dist Dist, progress io.Writer) error {
	dir := filepath.Join(tmp, "rootfs")
	staging := filepath.Join(tmp, "dist")
	if err := os.Mkdir(staging, 0o755); err != nil {
		return err
	}
	depends, err := dist.install(ctx, staging)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(staging); err != nil {
		return err
	}
	include := r.packages()
	for _, p := range depends {
		if !slices.Contains(include, p) {
			include = append(include, p)
		}
	}
	args := []string{"--variant=minbase", "--include=" + strings.Join(include, ","), r.Suite, dir}
	mirror := debianMirror()
	from := "debootstrap's default mirror"
	if mirror != "" {
		args, from = append(args, mirror), mirror+" (this machine's apt sources)"
	}
	fmt.Fprintf(progress, "sandbox: building the %s image (Debian %s, %s) with ntopng from %s, packages from %s, into %s (a few minutes, once per machine, release and tarball)\n", r.Name, r.Suite, r.Package(), dist.Path, from, dir)
	cmd := exec.CommandContext(ctx, "debootstrap", args...)
	cmd.Stdout, cmd.Stderr = progress, progress
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) } // lets debootstrap unmount /proc
	cmd.WaitDelay = time.Minute
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("debootstrap of %s failed (see the lines above; are %s reachable?): %w", r.Suite, from, err)
	}
	if _, err := dist.install(ctx, dir); err != nil {
		return err
	}
	script := "/usr/share/ntopng-package/postinst && rm -f /etc/ssh/ssh_host_* && apt-get clean && rm -rf /var/lib/apt/lists/*"
	if len(r.Extra) > 0 {
		// apt, not debootstrap, whose resolver skips virtual packages (python3-zmq depends on
		// python3-cffi-backend-api-min, which python3-cffi-backend provides).
		script = "apt-get update -q && apt-get install -y -q --no-install-recommends " + strings.Join(r.Extra, " ") + " && " + script
	}
	if out, err := chroot(ctx, dir, script); err != nil {
		return fmt.Errorf("finish the image: %w\n%s", err, out)
	}
	return nil
}

// chroot runs a shell script inside dir with a clean environment.
func chroot(ctx context.Context, dir, script string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "chroot", dir, "/bin/sh", "-ec", script)
	cmd.Env = []string{"PATH=" + containerPath, "LANG=C.UTF-8", "HOME=/root", "DEBIAN_FRONTEND=noninteractive"}
	return cmd.CombinedOutput()
}

// removeStaleBuilds deletes build folders left by a killed build. The
// caller holds the build lock, so none of them is in use.
func removeStaleBuilds(final string) error {
	stale, _ := filepath.Glob(final + ".tmp-*")
	for _, dir := range stale {
		if err := removeUnmounted(dir); err != nil {
			return err
		}
	}
	return nil
}

// lockFile takes an exclusive lock on path, waiting while another process
// holds it (doing what), and returns the function that releases it.
func lockFile(ctx context.Context, path, what string, progress io.Writer) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open the lock %s: %w", path, err)
	}
	for waited := false; ; waited = true {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if !waited {
			fmt.Fprintf(progress, "sandbox: another process is %s, waiting for it (%s)\n", what, path)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for the lock %s: %w", path, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

// debianSuites are the code names of Debian's releases (and its aliases):
// an apt source listing one of them is the Debian archive, whose URI serves
// every release.
var debianSuites = []string{"buster", "bullseye", "bookworm", "trixie", "forky", "duke", "sid",
	"oldoldstable", "oldstable", "stable", "testing", "unstable"}

// debianMirror returns the Debian archive URI this machine's apt uses (the
// first source of a Debian release, not its security or updates suites),
// or "" when there is none: debootstrap then uses its own default.
func debianMirror() string {
	files := []string{"/etc/apt/sources.list"}
	for _, pattern := range []string{"/etc/apt/sources.list.d/*.list", "/etc/apt/sources.list.d/*.sources"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		parse := mirrorFromList
		if strings.HasSuffix(name, ".sources") {
			parse = mirrorFromDeb822
		}
		for _, suite := range debianSuites {
			if uri := parse(string(b), suite); uri != "" {
				return uri
			}
		}
	}
	return ""
}

// mirrorFromList finds "deb [options] URI SUITE ..." in a one-line-style
// sources.list.
func mirrorFromList(text, suite string) string {
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "deb" {
			continue
		}
		f = f[1:]
		if strings.HasPrefix(f[0], "[") { // skip "[opt=a opt=b]"
			for len(f) > 0 && !strings.HasSuffix(f[0], "]") {
				f = f[1:]
			}
			if len(f) > 0 {
				f = f[1:]
			}
		}
		if len(f) >= 2 && f[1] == suite {
			return f[0]
		}
	}
	return ""
}

// mirrorFromDeb822 finds an enabled "Types: deb" stanza listing suite in a
// deb822-style .sources file.
func mirrorFromDeb822(text, suite string) string {
	for _, stanza := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n\n") {
		fields := map[string][]string{}
		sc := bufio.NewScanner(strings.NewReader(stanza))
		for sc.Scan() {
			name, value, ok := strings.Cut(sc.Text(), ":")
			if ok && !strings.HasPrefix(name, "#") && !strings.HasPrefix(name, " ") {
				fields[strings.ToLower(name)] = strings.Fields(value)
			}
		}
		if !slices.Contains(fields["types"], "deb") || !slices.Contains(fields["suites"], suite) ||
			slices.Contains(fields["enabled"], "no") || len(fields["uris"]) == 0 {
			continue
		}
		return fields["uris"][0]
	}
	return ""
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// removeUnmounted deletes dir, but refuses when something is still mounted
// below it (a leftover /proc of debootstrap, an overlay), because deleting
// through a mount would reach files outside dir.
func removeUnmounted(dir string) error {
	if m := mountsUnder(dir); len(m) > 0 {
		return fmt.Errorf("not removing %s: still mounted below it: %s (unmount them, then delete the folder)", dir, strings.Join(m, ", "))
	}
	return os.RemoveAll(dir)
}

// mountsUnder lists the mount points at or below dir.
func mountsUnder(dir string) []string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		mp := strings.ReplaceAll(f[4], `\040`, " ")
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	return out
}
