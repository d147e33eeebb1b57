package testhost

import (
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestUntil drives Until on a fake clock: it calls the condition until it holds, waits the
// interval between two calls, gives up with the last error when the next wait would end past
// the timeout, and returns at once on Stop. No wall time is involved.
func TestUntil(t *testing.T) {
	var c FakeClock
	calls := 0
	err := Until(&c, time.Second, 100*time.Millisecond, func() error {
		if calls++; calls < 4 {
			return errors.New("not yet")
		}
		return nil
	})
	if err != nil || calls != 4 || !slices.Equal(c.Waits(), []time.Duration{100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond}) {
		t.Errorf("Until = %v after %d calls and waits %v; want nil after 4 calls, 3 waits of 100ms", err, calls, c.Waits())
	}

	c, calls = FakeClock{}, 0
	err = Until(&c, time.Second, 300*time.Millisecond, func() error { calls++; return fmt.Errorf("check %d", calls) })
	// Calls at 0, 300, 600 and 900 ms; the next wait would end at 1200 ms.
	if err == nil || err.Error() != "after 900ms: check 4" || calls != 4 {
		t.Errorf("Until = %v after %d calls; want \"after 900ms: check 4\" after 4", err, calls)
	}

	c, calls = FakeClock{}, 0
	gone := errors.New("the server exited")
	err = Until(&c, time.Hour, time.Second, func() error { calls++; return Stop(gone) })
	if err != gone || calls != 1 || len(c.Waits()) != 0 {
		t.Errorf("Until = %v after %d calls and %d waits; want the stop error at once", err, calls, len(c.Waits()))
	}
}

// TestFreePortHeld: a port FreePort handed out is not handed out again while the test runs
// (in this process or another, through the reservation), lies outside the kernel's ephemeral
// range, and a server can bind it.
func TestFreePortHeld(t *testing.T) {
	lo, hi := reservablePorts()
	seen := map[int]bool{}
	for range 50 {
		p := FreePort(t)
		if seen[p] {
			t.Fatalf("port %d handed out twice", p)
		}
		if p < lo || p > hi {
			t.Errorf("port %d outside %d-%d", p, lo, hi)
		}
		seen[p] = true
	}
	p := FreePort(t)
	// Another process asking for this very port finds it reserved.
	if _, err := net.Listen("unix", "@terraform-provider-ntopng-testhost-port-"+strconv.Itoa(p)); err == nil {
		t.Errorf("port %d: the reservation is not held", p)
	}
	out, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(string(out)); len(f) == 2 {
		if elo, _ := strconv.Atoi(f[0]); p >= elo {
			if ehi, _ := strconv.Atoi(f[1]); p <= ehi {
				t.Errorf("port %d inside the ephemeral range %s", p, out)
			}
		}
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
	if err != nil {
		t.Fatalf("a server cannot bind the port FreePort gave: %v", err)
	}
	l.Close()
}
