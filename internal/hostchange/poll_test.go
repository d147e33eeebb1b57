package hostchange

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// The tests whose subject is time run Poll on a fake clock (testhost.FakeClock): its waits
// take no wall time, so the number of checks before the timeout is exact on any machine.

func TestPollStopsWhenDone(t *testing.T) {
	calls := 0
	var c testhost.FakeClock
	err := poll(context.Background(), &c, Backoff{First: time.Millisecond, Max: 2 * time.Millisecond, Timeout: time.Minute},
		func(context.Context, time.Duration, time.Duration) (string, error) {
			calls++
			if calls < 4 {
				return "not yet", nil
			}
			return "", nil
		})
	if err != nil || calls != 4 {
		t.Fatalf("Poll = %v after %d checks, want nil after 4", err, calls)
	}
	if w := c.Waits(); !slices.Equal(w, []time.Duration{time.Millisecond, 2 * time.Millisecond, 2 * time.Millisecond}) {
		t.Fatalf("waits %v, want 1ms 2ms 2ms", w)
	}
}

func TestPollReturnsTheCheckError(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	err := poll(context.Background(), &testhost.FakeClock{}, Backoff{First: time.Millisecond, Max: time.Millisecond, Timeout: time.Minute},
		func(context.Context, time.Duration, time.Duration) (string, error) {
			calls++
			return "", boom
		})
	if !errors.Is(err, boom) || calls != 1 {
		t.Fatalf("Poll = %v after %d checks, want boom after 1", err, calls)
	}
}

func TestPollTimesOutWithTheLastReason(t *testing.T) {
	var nexts, elapsed []time.Duration
	var c testhost.FakeClock
	err := poll(context.Background(), &c, Backoff{First: time.Millisecond, Max: 4 * time.Millisecond, Timeout: 20 * time.Millisecond},
		func(_ context.Context, e, next time.Duration) (string, error) {
			nexts = append(nexts, next)
			elapsed = append(elapsed, e)
			return "still " + next.String(), nil
		})
	var te *TimeoutError
	if !errors.As(err, &te) || te.After != 20*time.Millisecond || te.Why != "still "+nexts[len(nexts)-1].String() {
		t.Fatalf("Poll = %#v, want a TimeoutError after 20ms with the last reason", err)
	}
	// The waits double up to Max: 1ms, 2ms, 4ms, 4ms, ...
	for i, want := range []time.Duration{time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond, 4 * time.Millisecond} {
		if i < len(nexts) && nexts[i] != want {
			t.Fatalf("wait %d = %s, want %s (all: %v)", i, nexts[i], want, nexts)
		}
	}
	if len(nexts) < 3 {
		t.Fatalf("only %d checks before the timeout: %v", len(nexts), nexts)
	}
	// Checks at 0, 1, 3, 7, 11, 15 and 19 ms; the next wait would end at 23 ms, past 20.
	ms := func(v ...int) (d []time.Duration) {
		for _, x := range v {
			d = append(d, time.Duration(x)*time.Millisecond)
		}
		return d
	}
	if !slices.Equal(elapsed, ms(0, 1, 3, 7, 11, 15, 19)) || !slices.Equal(nexts, ms(1, 2, 4, 4, 4, 4, 4)) {
		t.Fatalf("checks at %v with waits %v; want at 0 1 3 7 11 15 19 ms with waits 1 2 4 4 4 4 4 ms", elapsed, nexts)
	}
}

// TestPollEndsWithTheContext runs on the real clock: the hour never passes, the context ends
// first (on a fake clock both would be ready at once).
func TestPollEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	err := Poll(ctx, Backoff{First: time.Hour, Max: time.Hour, Timeout: 10 * time.Hour},
		func(context.Context, time.Duration, time.Duration) (string, error) {
			cancel()
			return "waiting for Godot", nil
		})
	if !errors.Is(err, context.Canceled) || err.Error() != "context canceled while waiting: waiting for Godot" {
		t.Fatalf("Poll = %v, want the cancellation with the last reason", err)
	}
}
