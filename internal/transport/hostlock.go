package transport

import (
	"bufio"
	"context"
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostscript"
)

// HostLockPath is the lock file that serialises service changes on a host across provider
// processes (two `terraform apply` at once). It lives in /run, which only root can write, so
// no other account can plant it, and it disappears at reboot.
const HostLockPath = "/run/terraform-provider-ntopng.lock"

// Heartbeats keep the host-side lock holder alive: it gives the lock up when it hears
// nothing for lockHolderTimeout, so a holder orphaned by a dead connection (which sshd may
// not notice for hours) frees the host within that time.
var (
	lockHeartbeat     = 5 * time.Second
	lockHolderTimeout = 20 * time.Second
)

//go:embed hostlock.sh
var hostLockSh string

// lockScript takes an exclusive flock on LOCK_PATH and holds it while its input beats
// (hostlock.sh).
var lockScript = hostscript.New("hostlock.sh", hostLockSh)

// hostLocks serialises, inside this process, the changes to one host (by "host:port").
var hostLocks = struct {
	sync.Mutex
	m map[string]ctxMutex
}{m: map[string]ctxMutex{}}

// HostLock is held while a service of one host changes; see Conn.LockHost.
type HostLock struct {
	local  ctxMutex
	remote func()
	wait   time.Duration
	once   sync.Once
}

// LockHost serialises changes to the services of this handle's host: first among the
// resources of this provider process, then across processes through a flock on
// HostLockPath held by a command session on the host (the kernel releases it when that
// session ends, also when the connection dies; a silent holder gives up after
// lockHolderTimeout). It waits at most wait (and gives up when ctx ends) with an error
// naming the host. The host-side lock is skipped (logged) when the login cannot write /run
// or the host lacks flock. With a sudo password the holder is started through the same
// gate as every other sudo command (the password on its standard input, first).
func (c *Conn) LockHost(ctx context.Context, wait time.Duration) (*HostLock, error) {
	hostLocks.Lock()
	m := hostLocks.m[c.sc.addr]
	if m == nil {
		m = newCtxMutex()
		hostLocks.m[c.sc.addr] = m
	}
	hostLocks.Unlock()

	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if err := m.lock(wctx); err != nil {
		return nil, fmt.Errorf("another resource of this run is changing a service on %s and did not finish within %s: %w", c.sc.addr, wait, err)
	}
	remote, err := c.lockOnHost(ctx, wait)
	if err != nil {
		m.unlock()
		return nil, err
	}
	// Whoever held the lock before may have changed the host: read it again.
	c.sc.memo.changed()
	return &HostLock{local: m, remote: remote, wait: wait}, nil
}

// Reattach takes the host-side lock again through c (a redialled handle, after the
// connection that held it died), keeping this process's lock.
func (l *HostLock) Reattach(ctx context.Context, c *Conn) error {
	l.remote()
	remote, err := c.lockOnHost(ctx, l.wait)
	if err != nil {
		l.remote = func() {}
		return err
	}
	l.remote = remote
	return nil
}

// Release gives both locks back; later calls do nothing.
func (l *HostLock) Release() {
	l.once.Do(func() {
		l.remote()
		l.local.unlock()
	})
}

// lockOnHost starts the lock holder on the host and returns once it holds the lock.
func (c *Conn) lockOnHost(ctx context.Context, wait time.Duration) (func(), error) {
	sc := c.sc
	// The holder's channel is not counted against MaxSessions: it is one channel per host
	// (LockHost serialises the process first) and must not starve the work it protects.
	sess, err := sc.client.NewSession()
	if err != nil {
		return nil, fmt.Errorf("cannot open an SSH session on %s for the host lock: %w", sc.addr, err)
	}
	stats.channels.Add(1)
	stats.execs.Add(1)
	stdout, err := sess.StdoutPipe()
	if err != nil {
		sess.Close()
		return nil, err
	}
	var stderr limitedBuffer
	stderr.max = 4 << 10
	secs := int((wait + time.Second - 1) / time.Second)
	cmd := Join(lockScript.MustCommand(hostscript.Args{"LOCK_PATH": HostLockPath, "WAIT": strconv.Itoa(secs),
		"IDLE": strconv.Itoa(int(lockHolderTimeout / time.Second))}))
	var gate *sudoGate
	if c.sudo {
		cmd, gate = c.sudoCommandLine(cmd)
	}
	// The heartbeats go through a pipe, so that with a sudo password the gate (sudo.go) sends
	// the password first and the heartbeats only once the holder runs; closing the pipe ends
	// the holder's input.
	beatsIn, stdin := io.Pipe()
	if err := gate.attach(sess, beatsIn, &stderr); err != nil {
		sess.Close()
		return nil, err
	}
	closeSess := func() {
		_ = stdin.Close()
		sess.Close()
		_ = gate.finish()
	}
	if err := sess.Start(cmd); err != nil {
		closeSess()
		return nil, fmt.Errorf("cannot start the host lock on %s: %w", sc.addr, err)
	}
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- strings.TrimSpace(s)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	var got string
	select {
	case got = <-line:
	case <-ctx.Done():
		closeSess()
		return nil, fmt.Errorf("waiting for the host lock %s on %s: %w", HostLockPath, sc.addr, ctx.Err())
	}
	switch got {
	case "locked":
	case "nolock":
		closeSess()
		tflog.Warn(ctx, "host lock not taken: the login is not root or the host has no flock; only this provider process is serialised",
			map[string]any{"ssh_addr": sc.addr})
		return func() {}, nil
	case "busy":
		closeSess()
		return nil, fmt.Errorf("another terraform run is changing a service on %s: it held the host lock %s for more than %s. "+
			"Let it finish, then apply again", sc.addr, HostLockPath, wait)
	default:
		_ = stdin.Close()
		sess.Close()
		if gerr := gate.finish(); gerr != nil {
			return nil, gerr
		}
		msg := strings.TrimSpace(stderr.String())
		if c.sudo && isSudoPasswordMessage(msg) {
			return nil, &SudoPasswordError{Host: sc.host, User: sc.user, Stderr: msg}
		}
		return nil, fmt.Errorf("cannot take the host lock %s on %s: %s", HostLockPath, sc.addr, msg)
	}
	tflog.Debug(ctx, "host lock taken", map[string]any{"ssh_addr": sc.addr, "path": HostLockPath})

	stop := make(chan struct{})
	beats := make(chan struct{})
	go func() {
		defer close(beats)
		t := time.NewTicker(lockHeartbeat)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-sc.done:
				return
			case <-t.C:
				if _, err := stdin.Write([]byte(".")); err != nil {
					return
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			// The holder reads the end of its input and exits: the lock is free. Closed
			// before waiting for the heartbeat goroutine, whose write to the pipe would
			// block forever once nothing reads it (a dead session).
			stdin.Close()
			<-beats
			waitBounded(sess, 5*time.Second)
			sess.Close()
			_ = gate.finish()
		})
	}, nil
}
