// Package sandbox boots throwaway Debian hosts for the provider's tests:
// systemd as PID 1 under systemd-nspawn, the stock ssh.service and the
// release's own redis-server.service (or valkey-server.service), and ntop's
// own ntopng built on that release: the real program from the tarball
// FindDist locates (NTOPNG_DIST, default ../shared/ntopng/RELEASE/*.tar.xz),
// installed as ntop's Debian package installs it (its runtime packages, its
// files, its postinst, its ntopng.service and ntopng@.service). Releases
// lists the hosts: Debian 11, 12 and 13, and Debian 13 with Valkey.
//
// Each release's root filesystem is built once per machine and tarball with
// debootstrap and cached under CacheDir (see EnsureImage). Each boot mounts
// an overlay on it: the cached image is the read-only lower layer, and a
// fresh temporary folder holds the upper layer. An overlay rather than a
// copy, because it is ready in milliseconds instead of copying ~300 MB, the
// cache stays pristine by construction (no test sees another's changes),
// and the upper folder holds exactly this boot's changes, which is what
// Reboot keeps.
//
// Each sandbox is a machine of its own on the network (network.go): its
// own network namespace, joined to this machine by a veth pair with
// addresses from 198.18.0.0/15, no route beyond the link. Inside, every
// service is where the packages put it: sshd on port 22 of the sandbox's
// address, Redis on 127.0.0.1:6379, ntopng's stock plain HTTP on port 3000
// of every IPv4 address, capturing on eth0.
// Everything is stopped by PID and removed by Stop, which BootT registers
// with t.Cleanup and which also runs when a test binary using BootT gets
// SIGINT or SIGTERM.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// dirPrefix starts the name of every sandbox's temporary folder.
const dirPrefix = "ntopng-sandbox-host-"

// containerPath is PATH for commands run inside the container.
const containerPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

const (
	bootTimeout   = 3 * time.Minute  // from systemd-nspawn start to a running system
	rebootTimeout = 2 * time.Minute  // from "systemctl reboot" to systemd-nspawn's exit
	stopTimeout   = 15 * time.Second // from SIGTERM to systemd-nspawn's exit; then it is killed (the overlay is thrown away anyway)
	rebootStatus  = 133              // systemd-nspawn's exit status when the container rebooted
)

// Available reports whether this machine can boot the sandbox. The error
// text is the one line a skipped test should print.
func Available(r Release) error {
	if os.Geteuid() != 0 {
		return errors.New("sandbox host skipped: systemd-nspawn and overlay mounts need root; run the tests as root")
	}
	for tool, pkg := range map[string]string{
		"systemd-nspawn": "systemd-container", "debootstrap": "debootstrap",
		"nsenter": "util-linux", "chroot": "coreutils", "go": "a Go toolchain",
	} {
		if _, err := lookTool(tool); err != nil {
			return fmt.Errorf("sandbox host skipped: %s not found; install %s", tool, pkg)
		}
	}
	if _, err := FindDist(r); err != nil {
		return fmt.Errorf("sandbox host skipped: %w", err)
	}
	return nil
}

// lookTool finds a program on PATH or in the usual system folders, which
// a root shell without /usr/sbin on PATH would miss.
func lookTool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/go/bin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found on PATH", name)
}

// Options tunes Boot.
type Options struct {
	// Release is the host's release (Releases); the zero value is
	// LookupRelease("").
	Release Release
	// Progress receives human-readable progress lines (image build, boot).
	// Nil discards them.
	Progress io.Writer
}

// Host is one booted sandbox. Its fields are the facts a test needs to
// reach it; they do not change across Reboot.
type Host struct {
	Release            Release
	Addr               string // the sandbox's address on its link (198.18.x.2): sshd, ntopng
	LinkAddr           string // this machine's address on the link (198.18.x.1)
	OtherAddr          string // this machine's second address on the link (198.18.x.3): another client
	Port               int    // sshd port: 22
	HostKey            string // sshd's ed25519 host key, authorized_keys form ("ssh-ed25519 AAAA...")
	HostKeyFingerprint string // "SHA256:..." of HostKey
	RootKey            string // OpenSSH private key (PEM) accepted for root
	DeployUser         string // unprivileged user with passwordless sudo: "deploy"
	DeployKey          string // OpenSSH private key (PEM) accepted for DeployUser
	StockRedisPort     int    // port of the stock Redis inside the sandbox (127.0.0.1, no password): 6379
	StockHTTPPort      int    // ntopng's stock plain HTTP port (every IPv4 address): 3000
	Dir                string // temporary folder: overlay layers, nspawn.log; removed by Stop

	machine  string
	link     *link
	merged   string
	mounted  bool
	progress io.Writer
	cgroup   string // its own cgroup v2 group (cgroup.go), or "" when none could be made

	mu      sync.Mutex
	proc    *nspawn // the current systemd-nspawn run
	stopped bool    // Stop has begun: start nothing new

	stopOnce sync.Once
	stopErr  error
}

// nspawn is one run of systemd-nspawn.
type nspawn struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // its Wait error, valid after done
}

// Boot builds the image if needed, prepares a fresh overlay, boots it and
// waits until sshd answers and systemd reports the system running (or
// degraded). Call Stop when done, also after an error from later calls.
func Boot(ctx context.Context, opts Options) (*Host, error) {
	r := opts.Release
	if r.Name == "" {
		var err error
		if r, err = LookupRelease(""); err != nil {
			return nil, err
		}
	}
	if err := Available(r); err != nil {
		return nil, err
	}
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	dist, err := FindDist(r)
	if err != nil {
		return nil, err
	}
	rootfs, err := EnsureImage(ctx, r, dist, progress)
	if err != nil {
		return nil, err
	}
	sweepStale(progress)
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, fmt.Errorf("create the sandbox folder: %w", err)
	}
	h := &Host{
		Release: r, Port: 22, StockRedisPort: 6379, StockHTTPPort: 3000,
		DeployUser: "deploy", Dir: dir, progress: progress,
		merged:  filepath.Join(dir, "merged"),
		machine: "ntopng-sandbox-" + strings.TrimPrefix(filepath.Base(dir), dirPrefix),
	}
	remember(h)
	if err := h.boot(ctx, rootfs); err != nil {
		if stopErr := h.Stop(); stopErr != nil {
			err = fmt.Errorf("%w (and stopping: %v)", err, stopErr)
		}
		return nil, err
	}
	return h, nil
}

// boot mounts the overlay, prepares it and starts the container.
func (h *Host) boot(ctx context.Context, rootfs string) error {
	start := time.Now()
	if err := writePID(filepath.Join(h.Dir, "owner.pid"), os.Getpid()); err != nil {
		return err
	}
	if err := h.makeLink(ctx); err != nil {
		return err
	}
	upper, work := filepath.Join(h.Dir, "upper"), filepath.Join(h.Dir, "work")
	for _, d := range []string{upper, work, h.merged} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return err
		}
	}
	if err := h.mount(rootfs, upper, work); err != nil {
		return err
	}
	if err := h.prepare(ctx); err != nil {
		return err
	}
	if err := h.start(ctx); err != nil {
		return err
	}
	fmt.Fprintf(h.progress, "sandbox: %s booted in %s: ssh root@%s (link %s, log %s)\n", h.Release.Name,
		time.Since(start).Round(100*time.Millisecond), h.Addr, h.link.name, filepath.Join(h.Dir, "nspawn.log"))
	return nil
}

// makeLink gives the sandbox its network, unless Stop has begun.
func (h *Host) makeLink(ctx context.Context) error {
	l, err := newLink(ctx, h.Dir, h.progress)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.link = l // also when half made: Stop removes what exists
	if err != nil {
		return fmt.Errorf("make the sandbox's network: %w", err)
	}
	if h.stopped {
		return errors.New("the sandbox was stopped while booting")
	}
	h.Addr, h.LinkAddr, h.OtherAddr = l.guest.String(), l.host.String(), l.other.String()
	return nil
}

// mount mounts the overlay on h.merged, unless Stop has begun.
func (h *Host) mount(lower, upper, work string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return errors.New("the sandbox was stopped while booting")
	}
	opts := "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work
	if err := syscall.Mount("overlay", h.merged, "overlay", 0, opts); err != nil {
		return fmt.Errorf("mount the overlay on %s (does the kernel support overlayfs?): %w", h.merged, err)
	}
	h.mounted = true
	return nil
}

// start runs systemd-nspawn on the overlay and waits until the system is up.
func (h *Host) start(ctx context.Context) error {
	nspawnPath, err := lookTool("systemd-nspawn")
	if err != nil {
		return err
	}
	logFile, err := os.OpenFile(filepath.Join(h.Dir, "nspawn.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(nspawnPath, "--quiet", "--register=no", "--keep-unit", "--boot",
		"--directory="+h.merged, "--machine="+h.machine, "--console=read-only",
		"--private-users=no", "--link-journal=no", "--resolv-conf=off", "--timezone=off",
		// Its own network, and CAP_NET_ADMIN in it: ntopng keeps CAP_NET_BIND_SERVICE
		// across its privilege drop in one cap_set_proc call with CAP_NET_ADMIN and
		// CAP_NET_RAW, which fails without it.
		"--network-namespace-path="+h.link.nsPath(), "--capability=CAP_NET_ADMIN")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// The unified (v2) cgroup hierarchy inside, whatever this machine mounts: on the legacy
	// hierarchy Debian 13's systemd 257 missed that a stopped unit's control group emptied
	// and stops waited out their timeout. Debian 11's 247 and 12's 252 run on it as well.
	cmd.Env = append(os.Environ(), "SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1")
	// Own process group: a Ctrl-C meant for the test does not reach it
	// before Stop does. Pdeathsig: if this process dies without Stop, the
	// container still shuts down.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	// Its own control group, so that no other sandbox's systemd shares its tree (cgroup.go).
	if path, fd, err := makeCgroup(h.Dir, h.machine); err != nil {
		fmt.Fprintf(h.progress, "sandbox: no cgroup of its own (%v): sandboxes started by this process share one\n", err)
	} else {
		defer syscall.Close(fd)
		h.mu.Lock()
		h.cgroup = path
		h.mu.Unlock()
		cmd.SysProcAttr.UseCgroupFD, cmd.SysProcAttr.CgroupFD = true, fd
	}
	h.mu.Lock() // so that Stop either sees this run or prevents it
	if h.stopped {
		h.mu.Unlock()
		logFile.Close()
		return errors.New("the sandbox was stopped")
	}
	if err := cmd.Start(); err != nil {
		h.mu.Unlock()
		logFile.Close()
		return fmt.Errorf("start systemd-nspawn: %w", err)
	}
	p := &nspawn{cmd: cmd, done: make(chan struct{})}
	h.proc = p
	h.mu.Unlock()
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	if err := writePID(filepath.Join(h.Dir, "nspawn.pid"), cmd.Process.Pid); err != nil {
		return err
	}
	return h.waitReady(ctx, p)
}

// waitReady waits for sshd's banner, then for systemd to finish booting.
func (h *Host) waitReady(ctx context.Context, p *nspawn) error {
	ctx, cancel := context.WithTimeout(ctx, bootTimeout)
	defer cancel()
	for !sshAnswers(h.Addr, h.Port) {
		select {
		case <-p.done:
			return fmt.Errorf("the sandbox stopped while booting (systemd-nspawn: %v); its console log:\n%s", p.err, h.logTail())
		case <-ctx.Done():
			return fmt.Errorf("sshd in the sandbox did not answer on %s:%d: %w; its console log:\n%s", h.Addr, h.Port, ctx.Err(), h.logTail())
		case <-time.After(200 * time.Millisecond):
		}
	}
	out, _ := h.Exec(ctx, "systemctl is-system-running --wait")
	switch state := strings.TrimSpace(out); state {
	case "running":
		return nil
	case "degraded":
		failed, _ := h.Exec(ctx, "systemctl --failed --no-legend --plain")
		fmt.Fprintf(h.progress, "sandbox: system is degraded, failed units:\n%s", failed)
		return nil
	default:
		failed, _ := h.Exec(ctx, "systemctl --failed --no-legend --plain")
		return fmt.Errorf("the sandbox did not finish booting: systemd state %q; failed units:\n%s\nconsole log:\n%s", state, failed, h.logTail())
	}
}

// sshAnswers reports whether an SSH server greets on addr:port.
func sshAnswers(addr string, port int) bool {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(addr, strconv.Itoa(port)), time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 4)
	_, err = io.ReadFull(conn, buf)
	return err == nil && string(buf) == "SSH-"
}

// logTail returns the end of the container's console log.
func (h *Host) logTail() string {
	b, _ := os.ReadFile(filepath.Join(h.Dir, "nspawn.log"))
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}

// Exec runs "sh -c script" as root inside the container and returns its
// combined output. It enters the container's namespaces with nsenter, so it
// works whatever a test does to sshd.
func (h *Host) Exec(ctx context.Context, script string) (string, error) {
	pid, err := h.initPID()
	if err != nil {
		return "", err
	}
	nsenter, err := lookTool("nsenter")
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, nsenter, "--target", strconv.Itoa(pid),
		"--mount", "--uts", "--ipc", "--net", "--pid", "--cgroup", "--root", "--wd",
		"/bin/sh", "-c", script)
	cmd.Env = []string{"PATH=" + containerPath, "LANG=C.UTF-8", "HOME=/root"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("in the sandbox, %q failed: %w: %s", script, err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// initPID returns the host PID of the container's systemd: the child of
// systemd-nspawn.
func (h *Host) initPID() (int, error) {
	h.mu.Lock()
	p := h.proc
	h.mu.Unlock()
	if p == nil {
		return 0, errors.New("the sandbox is not running")
	}
	select {
	case <-p.done:
		return 0, fmt.Errorf("the sandbox is not running (systemd-nspawn ended: %v)", p.err)
	default:
	}
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", p.cmd.Process.Pid))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if fields := strings.Fields(string(b)); len(fields) > 0 {
			return strconv.Atoi(fields[0])
		}
	}
	return 0, errors.New("the sandbox's init process was not found (systemd-nspawn has no child yet)")
}

// Reboot runs "systemctl reboot" inside the container. systemd-nspawn then
// exits with status 133 and is started again on the same overlay, so the
// container's files survive (only /run and /tmp start empty, as on a real
// host). It returns once the system is up again.
func (h *Host) Reboot(ctx context.Context) error {
	h.mu.Lock()
	p := h.proc
	h.mu.Unlock()
	if p == nil {
		return errors.New("reboot: the sandbox is not running")
	}
	_, execErr := h.Exec(ctx, "systemctl reboot")
	select {
	case <-p.done:
	case <-ctx.Done():
		return fmt.Errorf("reboot: %w", ctx.Err())
	case <-time.After(rebootTimeout):
		jobs, _ := h.Exec(ctx, "systemctl list-jobs --no-pager; ps -eo pid,user,cgroup:60,args")
		return fmt.Errorf("reboot: the sandbox did not go down within %s (systemctl reboot: %v); its jobs and processes:\n%s", rebootTimeout, execErr, jobs)
	}
	if code := exitCode(p.err); code != rebootStatus {
		return fmt.Errorf("reboot: systemd-nspawn ended with status %d instead of %d (reboot); console log:\n%s", code, rebootStatus, h.logTail())
	}
	fmt.Fprintln(h.progress, "sandbox: rebooting")
	return h.start(ctx)
}

// exitCode turns a Wait error into an exit status (0 for nil, -1 if
// killed by a signal).
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// Stop shuts the container down (SIGTERM to systemd-nspawn, SIGKILL after
// 30 seconds), unmounts the overlay and removes Dir. It is safe to call
// more than once and after a failed Boot.
func (h *Host) Stop() error {
	h.stopOnce.Do(func() {
		h.stopErr = h.stop()
		forget(h)
	})
	return h.stopErr
}

func (h *Host) stop() error {
	h.mu.Lock()
	h.stopped = true
	p, mounted, l, cg := h.proc, h.mounted, h.link, h.cgroup
	h.mu.Unlock()
	if p != nil {
		p.terminate()
	}
	if cg != "" {
		if err := removeCgroup(cg); err != nil {
			return fmt.Errorf("stop the sandbox: %w", err)
		}
	}
	if err := l.remove(); err != nil {
		return fmt.Errorf("stop the sandbox: %w", err)
	}
	// systemd-nspawn normally removes this itself; it is per machine name.
	_ = os.Remove(filepath.Join("/run/systemd/nspawn/propagate", h.machine))
	if mounted {
		if err := unmount(h.merged); err != nil {
			return fmt.Errorf("stop the sandbox: %w; %s was left in place", err, h.Dir)
		}
	}
	if err := removeUnmounted(h.Dir); err != nil {
		return fmt.Errorf("stop the sandbox: %w", err)
	}
	return nil
}

// terminate stops systemd-nspawn: SIGTERM makes it shut the container down
// cleanly; if that takes too long, the container's init and systemd-nspawn
// are killed.
func (p *nspawn) terminate() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return
	case <-time.After(stopTimeout):
	}
	fmt.Fprintf(os.Stderr, "sandbox: systemd-nspawn (pid %d) did not stop within %s, killing it\n", p.cmd.Process.Pid, stopTimeout)
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", p.cmd.Process.Pid))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, field := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(field); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL) // PID 1 of the container: the kernel kills the rest
			}
		}
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// unmount detaches the overlay, waiting a little while it is busy, and
// lazily as a last resort.
func unmount(dir string) error {
	for i := 0; i < 50; i++ {
		err := syscall.Unmount(dir, 0)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EBUSY) {
			return fmt.Errorf("unmount %s: %w", dir, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
		return fmt.Errorf("unmount %s: %w", dir, err)
	}
	return nil
}

// writePID records a PID in a file, for sweepStale.
func writePID(path string, pid int) error {
	return os.WriteFile(path, []byte(strconv.Itoa(pid)+"\n"), 0o644)
}

// pidIn returns the PID recorded in path, or 0 when there is none.
func pidIn(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// running reports whether a process with this PID exists.
func running(pid int) bool {
	return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// sweepStale removes sandbox folders left behind by test processes that
// were killed before they could call Stop (for example by go test's
// -timeout). Only a folder whose recorded owner process and
// systemd-nspawn are both gone is touched; a folder without an owner.pid
// (still being set up, or not a sandbox's) is left alone.
func sweepStale(progress io.Writer) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, dir := range dirs {
		// Only folders this user made: another local user could plant one in the
		// shared temporary folder, naming what it wants removed.
		if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() || fi.Sys().(*syscall.Stat_t).Uid != uint32(os.Geteuid()) {
			continue
		}
		owner := pidIn(filepath.Join(dir, "owner.pid"))
		if !isDir(dir) || owner == 0 || running(owner) {
			continue
		}
		if pid := pidIn(filepath.Join(dir, "nspawn.pid")); pid != 0 && running(pid) {
			continue
		}
		merged := filepath.Join(dir, "merged")
		if len(mountsUnder(merged)) > 0 && unmount(merged) != nil {
			continue
		}
		if name, err := os.ReadFile(filepath.Join(dir, "link.name")); err == nil && removeLink(strings.TrimSpace(string(name))) != nil {
			continue // removeLink refuses names that are not a sandbox's
		}
		if cg, err := os.ReadFile(filepath.Join(dir, cgroupFile)); err == nil && removeCgroup(strings.TrimSpace(string(cg))) != nil {
			continue // removeCgroup refuses paths outside the cgroup hierarchy
		}
		if removeUnmounted(dir) == nil {
			fmt.Fprintf(progress, "sandbox: removed %s, left by an earlier run\n", dir)
		}
	}
}

// live holds the hosts not stopped yet, for the interrupt handler.
var live = struct {
	sync.Mutex
	hosts map[*Host]bool
}{hosts: map[*Host]bool{}}

func remember(h *Host) {
	live.Lock()
	defer live.Unlock()
	live.hosts[h] = true
}

func forget(h *Host) {
	live.Lock()
	defer live.Unlock()
	delete(live.hosts, h)
}

var interruptOnce sync.Once

// stopOnInterrupt makes SIGINT and SIGTERM stop every live host before the
// test binary exits, since t.Cleanup does not run on an interrupt.
func stopOnInterrupt() {
	interruptOnce.Do(func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
		go func() {
			sig := <-ch
			fmt.Fprintf(os.Stderr, "sandbox: %v: stopping the sandbox hosts\n", sig)
			live.Lock()
			hosts := make([]*Host, 0, len(live.hosts))
			for h := range live.hosts {
				hosts = append(hosts, h)
			}
			live.Unlock()
			for _, h := range hosts {
				if err := h.Stop(); err != nil {
					fmt.Fprintln(os.Stderr, err)
				}
			}
			os.Exit(1)
		}()
	})
}

// BootT boots a sandbox for a test, or skips the test with the reason from
// Available. The host is stopped by t.Cleanup, and also when the test
// binary gets SIGINT or SIGTERM.
func BootT(t testing.TB, r Release) *Host {
	t.Helper()
	if err := Available(r); err != nil {
		t.Skip(err)
	}
	stopOnInterrupt()
	// The first boot on a machine builds the image: allow for it.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	w := &testWriter{t: t}
	h, err := Boot(ctx, Options{Release: r, Progress: w})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.Stop(); err != nil {
			t.Error(err)
		}
	})
	return h
}

// testWriter sends progress lines to t.Log.
type testWriter struct {
	t   testing.TB
	buf []byte
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := strings.IndexByte(string(w.buf), '\n')
		if i < 0 {
			return len(p), nil
		}
		w.t.Log(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}

// ReleasesEnv names the environment variable that limits the releases
// OnReleases boots (a comma-separated list of names, for a quicker run
// while developing); the others are skipped, saying so. CI sets none.
const ReleasesEnv = "NTOPNG_SANDBOX_RELEASES"

// OnReleases runs test once per release in rs (every release in Releases
// when rs is empty), each as a parallel subtest named after the release,
// on its own freshly booted sandbox. The sandboxes are separate machines on
// the network, so they run side by side.
func OnReleases(t *testing.T, rs []Release, test func(t *testing.T, h *Host)) {
	t.Helper()
	if len(rs) == 0 {
		rs = Releases
	}
	var only []string
	if v := os.Getenv(ReleasesEnv); v != "" {
		only = strings.Split(v, ",")
	}
	for _, r := range rs {
		t.Run(r.Name, func(t *testing.T) {
			if only != nil && !slices.Contains(only, r.Name) {
				t.Skipf("sandbox host %s skipped: %s=%s", r.Name, ReleasesEnv, strings.Join(only, ","))
			}
			t.Parallel()
			test(t, BootT(t, r))
		})
	}
}

// MustRelease returns the release called name, for tests that name one.
func MustRelease(name string) Release {
	r, err := LookupRelease(name)
	if err != nil {
		panic(err)
	}
	return r
}

// BootAllT boots one sandbox per release in rs at the same time, for a test that needs
// several hosts at once (a fleet), or skips the test with the reason from Available. The
// hosts are stopped by t.Cleanup, and also when the test binary gets SIGINT or SIGTERM.
func BootAllT(t testing.TB, rs []Release) []*Host {
	t.Helper()
	for _, r := range rs {
		if err := Available(r); err != nil {
			t.Skip(err)
		}
	}
	stopOnInterrupt()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	hosts, errs := make([]*Host, len(rs)), make([]error, len(rs))
	var wg sync.WaitGroup
	for i, r := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hosts[i], errs[i] = Boot(ctx, Options{Release: r, Progress: &testWriter{t: t}})
		}()
	}
	wg.Wait()
	t.Cleanup(func() { // side by side, as they booted
		stopErrs := make([]error, len(hosts))
		var wg sync.WaitGroup
		for i, h := range hosts {
			if h != nil {
				wg.Add(1)
				go func() {
					defer wg.Done()
					stopErrs[i] = h.Stop()
				}()
			}
		}
		wg.Wait()
		if err := errors.Join(stopErrs...); err != nil {
			t.Error(err)
		}
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return hosts
}
