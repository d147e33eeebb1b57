package testhost

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// Eventually calls cond every interval until it returns nil, and fails t with cond's last
// error when timeout has passed since the first call: the one way a test waits for
// something that takes time (a server listening, a process running, a restarted service).
// Wait for the condition itself, never for a fixed time.
func Eventually(t testing.TB, timeout, interval time.Duration, cond func() error) {
	t.Helper()
	if err := Until(RealClock{}, timeout, interval, cond); err != nil {
		t.Fatal(err)
	}
}

// Until is Eventually on clock c that returns the error instead of failing a test, for a
// check function or a helper that reports on its own: nil once cond returned nil, or cond's
// last error once the next wait would end more than timeout after the first call.
func Until(c Clock, timeout, interval time.Duration, cond func() error) error {
	start := c.Now()
	for {
		err := cond()
		if err == nil {
			return nil
		}
		var stop stopError
		if errors.As(err, &stop) {
			return stop.err
		}
		if waited := c.Now().Sub(start); waited+interval > timeout {
			return fmt.Errorf("after %s: %w", waited.Round(time.Millisecond), err)
		}
		<-c.After(interval)
	}
}

// Stop wraps err so that Until and Eventually return (or fail with) it at once instead of
// waiting further: the server exited, no use waiting for it to listen.
func Stop(err error) error { return stopError{err} }

type stopError struct{ err error }

func (e stopError) Error() string { return e.err.Error() }

// Clock is the time a wait reads and waits on: RealClock, or a FakeClock in the tests whose
// subject is time itself (how long a loop waits, when it gives up).
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// RealClock is the machine's time.
type RealClock struct{}

// Now is time.Now.
func (RealClock) Now() time.Time { return time.Now() }

// After is time.After.
func (RealClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// FakeClock is a Clock that never waits: After moves its time on by d at once (and records
// d), so a loop runs through its waits deterministically, in no wall time. Its zero value
// starts at the zero time.
type FakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

// Now is the fake time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After moves the fake time on by d and returns a channel that already holds the new time.
func (c *FakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.waits = append(c.waits, d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

// Waits lists the waits asked of After, in order.
func (c *FakeClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}
