package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// A sandbox's own control group.
//
// systemd-nspawn, started by a process that is not in a systemd unit of its own
// (--keep-unit, --register=no, on a machine whose init is not systemd), gives the
// container the control group it was started in. Two sandboxes started from the
// same test process would then share one cgroup tree: both systemds create and
// remove /system.slice/ntopng.service in the same place, and one sandbox's stop of
// a unit removed the group that the other had just made for its start ("Failed to
// spawn executor: No such file or directory", the unit failing with "unavailable
// resources"). So each sandbox's systemd-nspawn starts in a cgroup v2 group of its
// own (clone3's CLONE_INTO_CGROUP: there is no moment where it runs elsewhere),
// made under this process's own group and removed when the sandbox stops.

// cgroupFile, in the sandbox's folder, names its group for sweepStale.
const cgroupFile = "cgroup.path"

// makeCgroup makes the sandbox's group and returns its path and an open
// descriptor of it, for SysProcAttr.CgroupFD. The caller closes fd.
func makeCgroup(dir, name string) (path string, fd int, err error) {
	mount, err := cgroup2Mount()
	if err != nil {
		return "", -1, err
	}
	own, err := ownCgroup()
	if err != nil {
		return "", -1, err
	}
	path = filepath.Join(mount, own, name)
	if !strings.HasPrefix(path, mount+"/") {
		return "", -1, fmt.Errorf("cgroup path %s is outside %s", path, mount)
	}
	if err := os.Mkdir(path, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return "", -1, fmt.Errorf("make the sandbox's cgroup: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, cgroupFile), []byte(path+"\n"), 0o644); err != nil {
		removeCgroup(path)
		return "", -1, err
	}
	fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		removeCgroup(path)
		return "", -1, fmt.Errorf("open the sandbox's cgroup: %w", err)
	}
	return path, fd, nil
}

// cgroup2Mount returns where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup
// on a unified machine, /sys/fs/cgroup/unified on a hybrid one.
func cgroup2Mount() (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
		pre, post, ok := strings.Cut(s.Text(), " - ")
		if !ok || !strings.HasPrefix(post, "cgroup2 ") {
			continue
		}
		if f := strings.Fields(pre); len(f) >= 5 && f[3] == "/" {
			return f[4], nil
		}
	}
	if err := s.Err(); err != nil {
		return "", err
	}
	return "", errors.New("no cgroup v2 hierarchy is mounted")
}

// ownCgroup returns this process's group in the cgroup v2 hierarchy ("0::/PATH").
func ownCgroup() (string, error) {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(l, "0::"); ok {
			return filepath.Clean("/" + p), nil
		}
	}
	return "", errors.New("this process is in no cgroup v2 group")
}

// removeCgroup removes a sandbox's group and the groups its systemd left in it,
// deepest first, waiting a little for their last processes to be reaped. Only a
// path in the cgroup v2 hierarchy is touched.
func removeCgroup(path string) error {
	mount, err := cgroup2Mount()
	if err != nil || filepath.Clean(path) != path || !strings.HasPrefix(path, mount+"/") {
		return fmt.Errorf("refusing to remove %q: not a cgroup", path)
	}
	var last error
	for i := 0; i < 50; i++ {
		var dirs []string
		_ = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		if len(dirs) == 0 {
			return nil
		}
		last = nil
		for j := len(dirs) - 1; j >= 0; j-- { // children come after their parent
			if err := syscall.Rmdir(dirs[j]); err != nil && !errors.Is(err, syscall.ENOENT) {
				last = err
			}
		}
		if last == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("remove the sandbox's cgroup %s: %w", path, last)
}
