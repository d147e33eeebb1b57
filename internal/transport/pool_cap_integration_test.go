//go:build linux

package transport

import (
	"context"
	"fmt"
	"testing"
	"time"

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
