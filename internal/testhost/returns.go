package testhost

import (
	"testing"
	"time"
)

// Returns runs f and returns its error; a test that waited 60 s for it fails, without
// waiting for f (for calls that blocked forever before a fix: the test must fail, not hang).
func Returns(t testing.TB, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(60 * time.Second):
		t.Fatal("the call had not returned 60 s after its context ended")
		return nil
	}
}
