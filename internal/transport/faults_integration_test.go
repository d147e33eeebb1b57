package transport

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// viaProxy is config(s, u) reached through p.
func viaProxy(s *testhost.SSHD, p *testhost.Proxy, u testhost.User, timeout time.Duration) Config {
	cfg := config(s, u)
	cfg.Target.Port = p.Port
	cfg.Timeout = timeout
	return cfg
}

// TestIntegrationKeepaliveEndsHangOnDeadHost: the network black-holes the host in the
// middle of a command: the keepalive notices within the SSH timeout and the command ends
// with an error naming the host, instead of waiting forever (the test's own 60 s context
// would end it otherwise, with a different error).
func TestIntegrationKeepaliveEndsHangOnDeadHost(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	px := testhost.StartProxy(t, s.Addr)
	p := newPool(t)
	c := conn(t, p, viaProxy(s, px, s.Root, 3*time.Second))
	run(t, c, "true")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := c.RunShell(ctx, "echo started; sleep 120", nil)
		done <- err
	}()
	waitFor(t, "the command to start", func() bool { return len(s.NamespacePIDs()) > 2 })
	px.Hold(true)
	err := <-done
	px.Hold(false)
	if err == nil || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), px.Addr) {
		t.Fatalf("command on a black-holed host ended with %v; want a connection error naming %s before the context ends", err, px.Addr)
	}
	if ctx.Err() != nil {
		t.Fatalf("the context ended first: %v", err)
	}
	// The pool dials again for the next caller.
	c2 := conn(t, p, viaProxy(s, px, s.Root, 3*time.Second))
	if c2.SameConnection(c) {
		t.Fatal("the pool handed out the dead connection")
	}
	if got := run(t, c2, "echo", "back"); got != "back\n" {
		t.Errorf("after redial: %q", got)
	}
}

// TestIntegrationBusyConnectionNotClosed: a connection whose host does not answer (the
// network stalls) while a command runs on it and another caller takes a handle is kept: the
// pool does not probe the host (an old idle probe replaced such a connection after 5 s), and
// the command running on it finishes.
func TestIntegrationBusyConnectionNotClosed(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	px := testhost.StartProxy(t, s.Addr)
	p := newPool(t)
	cfg := viaProxy(s, px, s.Root, 30*time.Second)
	c := conn(t, p, cfg)
	// The command runs until the test writes a line into a FIFO: opening the FIFO for
	// writing returns once the command has opened it, so the command is running when the
	// network stalls, and it ends when the test says so, not after a guessed time.
	fifo := filepath.Join(s.Dir, "release")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		res, err := c.RunShell(context.Background(), "read line < "+Quote(fifo)+"; echo finished", nil)
		if err == nil && string(res.Stdout) != "finished\n" {
			err = errors.New("output " + string(res.Stdout))
		}
		done <- err
	}()
	opened := make(chan *os.File, 1)
	go func() {
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			opened <- w
		}
	}()
	var release *os.File
	select {
	case release = <-opened:
	case err := <-done:
		t.Fatalf("the command ended before it read the FIFO: %v", err)
	}
	// The network stalls while another resource asks the pool for the connection.
	px.Hold(true)
	c2, err := p.Conn(context.Background(), cfg)
	px.Hold(false)
	_, _ = release.WriteString("go\n")
	release.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !c2.SameConnection(c) {
		t.Error("the pool replaced a connection that was in use")
	}
	if err := <-done; err != nil {
		t.Fatalf("the command on the shared connection failed: %v", err)
	}
}

// TestIntegrationHostLock: the host-side lock keeps a second holder (another connection, as
// from another terraform process) out until the first releases it or its connection dies,
// and gives up after the wait with an error naming the host.
func TestIntegrationHostLock(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	ctx := context.Background()
	c1 := conn(t, newPool(t), config(s, s.Root))
	c2 := conn(t, newPool(t), config(s, s.Deploy))
	c2.sudo = true

	rel1, err := c1.lockOnHost(ctx, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.lockOnHost(ctx, time.Second); err == nil || !strings.Contains(err.Error(), s.Addr) ||
		!strings.Contains(err.Error(), HostLockPath) {
		t.Fatalf("second holder: %v; want a busy error naming the host and the lock", err)
	}
	got := make(chan error, 1)
	var rel2 func()
	go func() {
		var err error
		rel2, err = c2.lockOnHost(ctx, 30*time.Second)
		got <- err
	}()
	// Once the second holder's flock runs on the host, it is blocked: the first holds the lock.
	waitFor(t, "the second holder to wait in flock", func() bool { return s.Running("flock -w 30 9") })
	select {
	case err := <-got:
		t.Fatalf("the second holder got the lock while the first held it (%v)", err)
	default:
	}
	c1.sc.client.Close() // the first holder's connection dies: the kernel frees the lock
	if err := <-got; err != nil {
		t.Fatalf("after the first connection died: %v", err)
	}
	rel1()
	rel2()
	// Released: a third taker gets it at once.
	c3 := conn(t, newPool(t), config(s, s.Root))
	rel3, err := c3.lockOnHost(ctx, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	rel3()
}

// TestIntegrationLockHostSerialisesThisProcess: LockHost lets one change per host run at a
// time in this process, whatever handle or login asks.
func TestIntegrationLockHostSerialisesThisProcess(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	ctx := context.Background()
	var mu sync.Mutex
	inside, most := 0, 0
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		u := s.Root
		if i%2 == 1 {
			u = s.Deploy
		}
		c := conn(t, newPool(t), config(s, u))
		c.sudo = u.Name != "root"
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := c.LockHost(ctx, 30*time.Second)
			if err != nil {
				t.Error(err)
				return
			}
			defer l.Release()
			mu.Lock()
			inside++
			most = max(most, inside)
			mu.Unlock()
			run(t, c, "sleep", "0.2")
			mu.Lock()
			inside--
			mu.Unlock()
		}()
	}
	wg.Wait()
	if most != 1 {
		t.Errorf("%d changes held the host at once, want 1", most)
	}
}
