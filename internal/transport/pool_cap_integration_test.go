//go:build linux

package transport

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pkg/sftp"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestIntegrationPoolClosesIdleConnectionsPastMaxOpen: past MaxOpen, the connection whose
// lease ended first is closed when another lease ends, a connection still leased is never
// closed (its handle keeps working), and a later handle on a closed host logs in again.
func TestIntegrationPoolClosesIdleConnectionsPastMaxOpen(t *testing.T) {
	hosts := []*testhost.SSHD{
		testhost.StartSSHD(t, testhost.Options{}),
		testhost.StartSSHD(t, testhost.Options{}),
		testhost.StartSSHD(t, testhost.Options{}),
	}
	p := newPool(t)
	p.SetMaxOpen(2)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	open := func(i int) (*Conn, context.CancelFunc) {
		t.Helper()
		lease, end := context.WithCancel(ctx)
		c, err := p.Conn(lease, config(hosts[i], hosts[i].Root))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.ReadFile(ctx, "/etc/passwd"); err != nil {
			t.Fatal(err)
		}
		return c, end
	}
	waitOpen := func(want int) {
		t.Helper()
		testhost.Eventually(t, 10*time.Second, 10*time.Millisecond, func() error {
			if n := p.OpenConns(); n != want {
				return fmt.Errorf("%d connections open, want %d", n, want)
			}
			return nil
		})
	}

	waitReleased := func(c *Conn) {
		t.Helper()
		testhost.Eventually(t, 10*time.Second, 10*time.Millisecond, func() error {
			p.mu.Lock()
			defer p.mu.Unlock()
			if c.sc.leases != 0 {
				return fmt.Errorf("%s still has %d leases", c.Addr(), c.sc.leases)
			}
			return nil
		})
	}

	c0, end0 := open(0)
	c1, end1 := open(1)
	c2, end2 := open(2) // three leased: over the cap, but all in use
	if n := p.OpenConns(); n != 3 {
		t.Fatalf("%d connections open while three are leased, want 3", n)
	}
	end0() // host 0 is idle: past the cap, it is closed
	waitOpen(2)
	testhost.Eventually(t, 10*time.Second, 10*time.Millisecond, func() error {
		if c0.sc.alive() {
			return fmt.Errorf("host 0's idle connection is still open")
		}
		return nil
	})
	end1() // at the cap: host 1 stays open
	waitReleased(c1)
	waitOpen(2)
	for i, c := range []*Conn{c1, c2} {
		if !c.sc.alive() {
			t.Errorf("host %d's connection was closed at the cap", i+1)
		}
	}
	// The leased connection still works, and host 1 is not logged in to again.
	if _, err := c2.Query(ctx, []string{"true"}, nil); err != nil {
		t.Fatalf("host 2's leased connection: %v", err)
	}
	again, end1b := open(1)
	if !again.SameConnection(c1) {
		t.Error("host 1 was dialled again while its connection was open")
	}
	end1b()
	// Host 0 comes back: one more login, and host 1 (least recently released) goes.
	before := hosts[0].AcceptedLogins()
	back, endBack := open(0)
	end2()
	waitOpen(2)
	if got := hosts[0].AcceptedLogins() - before; got != 1 {
		t.Errorf("host 0 accepted %d logins after its connection was closed, want 1", got)
	}
	if back.SameConnection(c0) {
		t.Error("host 0's closed connection was handed out again")
	}
	endBack()
	waitOpen(2)
	if c1.sc.alive() {
		t.Error("host 1, released longest ago, is still open past the cap")
	}
	for i, h := range hosts {
		if n := h.AcceptedLogins(); n > 2 || (i != 0 && n != 1) {
			t.Errorf("host %d accepted %d logins", i, n)
		}
	}
}

// TestIntegrationPoolShedsSessionsPastMaxWarm: past MaxWarm idle connections, the one
// released first closes its SFTP session and forgets its reads but stays logged in: the next
// handle on that host reads the host again through a new session, without a login.
func TestIntegrationPoolShedsSessionsPastMaxWarm(t *testing.T) {
	hosts := []*testhost.SSHD{
		testhost.StartSSHD(t, testhost.Options{}),
		testhost.StartSSHD(t, testhost.Options{}),
	}
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, []byte("before"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := newPool(t)
	p.SetMaxWarm(1)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	read := func(i int) (*Conn, string, context.CancelFunc) {
		t.Helper()
		lease, end := context.WithCancel(ctx)
		c, err := p.Conn(lease, config(hosts[i], hosts[i].Root))
		if err != nil {
			t.Fatal(err)
		}
		data, _, err := c.ReadFile(ctx, file)
		if err != nil {
			t.Fatal(err)
		}
		return c, string(data), end
	}
	sessions := func(c *Conn) []*sftp.Client {
		c.sc.mu.Lock()
		defer c.sc.mu.Unlock()
		var out []*sftp.Client
		for _, s := range c.sc.sftps {
			if s.client != nil {
				out = append(out, s.client)
			}
		}
		return out
	}
	shed := func(c *Conn) bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return c.sc.shed
	}

	c0, _, end0 := read(0)
	c1, _, end1 := read(1)
	old0 := sessions(c0)
	if len(old0) != 1 {
		t.Fatalf("host 0 has %d SFTP sessions after a read, want 1", len(old0))
	}
	end0() // one idle connection: within MaxWarm, it keeps its session
	testhost.Eventually(t, 10*time.Second, 10*time.Millisecond, func() error {
		p.mu.Lock()
		defer p.mu.Unlock()
		if c0.sc.leases != 0 {
			return fmt.Errorf("host 0 still leased")
		}
		return nil
	})
	if shed(c0) || len(sessions(c0)) != 1 {
		t.Fatal("host 0 shed its session with one idle connection, MaxWarm 1")
	}
	end1() // two idle: host 0, released first, sheds
	testhost.Eventually(t, 10*time.Second, 10*time.Millisecond, func() error {
		if !shed(c0) {
			return fmt.Errorf("host 0 has not shed its session")
		}
		return nil
	})
	if n := len(sessions(c0)); n != 0 {
		t.Errorf("host 0 keeps %d SFTP sessions after shedding", n)
	}
	ended := make(chan struct{})
	go func() {
		_ = old0[0].Wait()
		close(ended)
	}()
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Error("host 0's shed SFTP session is still open")
	}
	if shed(c1) || len(sessions(c1)) != 1 {
		t.Error("host 1, released last, shed its session")
	}
	if !c0.sc.alive() || p.OpenConns() != 2 {
		t.Fatalf("shedding closed a connection (%d open)", p.OpenConns())
	}

	// What host 0 read was forgotten with the session: the next read asks the host, on the
	// same connection, without a login.
	if err := os.WriteFile(file, []byte("after"), 0o644); err != nil {
		t.Fatal(err)
	}
	again, data, endAgain := read(0)
	defer endAgain()
	if !again.SameConnection(c0) {
		t.Error("host 0 was dialled again after shedding")
	}
	if data != "after" {
		t.Errorf("host 0 read %q after shedding, want the host's new content %q", data, "after")
	}
	if shed(again) || len(sessions(again)) != 1 {
		t.Error("host 0 in use again is not warm, with one session")
	}
	if got := sessions(again); len(got) == 1 && got[0] == old0[0] {
		t.Error("host 0 reuses the session it shed")
	}
	// Host 1 kept its reads: the content it read first comes back from the walk's memo.
	c1b, data1, end1b := read(1)
	defer end1b()
	if !c1b.SameConnection(c1) || data1 != "before" {
		t.Errorf("host 1 (warm) read %q on the same connection %t, want the walk's %q", data1, c1b.SameConnection(c1), "before")
	}
	for i, h := range hosts {
		if n := h.AcceptedLogins(); n != 1 {
			t.Errorf("host %d accepted %d logins, want 1", i, n)
		}
	}
}
