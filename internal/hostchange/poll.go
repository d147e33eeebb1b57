package hostchange

import (
	"context"
	"fmt"
	"time"
)

// Backoff is how Poll waits between two checks: First, then twice as long each time, never
// more than Max; it gives up when the next wait would end more than Timeout after the first
// check.
type Backoff struct {
	First, Max, Timeout time.Duration
}

// TimeoutError is what Poll returns when the wait ran out: Why is the last check's reason.
type TimeoutError struct {
	After time.Duration
	Why   string
}

func (e *TimeoutError) Error() string { return fmt.Sprintf("after %s, %s", e.After, e.Why) }

// Poll is the provider's one wait-for-the-host loop (a restarted service coming up, a new
// certificate being served). It calls check until check reports done (why == "") or fails
// (err != nil, returned as it is). elapsed is the time since the first check and next the
// wait before the following one, so that a check can end the wait early on its own terms by
// returning done. When the next wait would end past b.Timeout, Poll returns a *TimeoutError
// holding the last why. A cancelled ctx ends the wait with ctx's error wrapped with the last
// why.
func Poll(ctx context.Context, b Backoff, check func(ctx context.Context, elapsed, next time.Duration) (why string, err error)) error {
	return poll(ctx, realClock{}, b, check)
}

// clock is the time poll reads and waits on: the machine's, or a test's fake one.
type clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// poll is Poll on clock c.
func poll(ctx context.Context, c clock, b Backoff, check func(ctx context.Context, elapsed, next time.Duration) (why string, err error)) error {
	start := c.Now()
	delay := b.First
	for {
		elapsed := c.Now().Sub(start)
		why, err := check(ctx, elapsed, delay)
		if err != nil {
			return err
		}
		if why == "" {
			return nil
		}
		if elapsed+delay > b.Timeout {
			return &TimeoutError{After: b.Timeout, Why: why}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w while waiting: %s", ctx.Err(), why)
		case <-c.After(delay):
		}
		delay = min(delay*2, b.Max)
	}
}
