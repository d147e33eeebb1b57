package transport

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestMemoComputesOncePerKey(t *testing.T) {
	var m memo[string, int]
	var calls atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			k := []string{"a", "b"}[i%2]
			v, err := m.get(k, func() (int, error) { calls.Add(1); return len(k) * 10, nil })
			if err != nil || v != 10 {
				t.Errorf("get(%q) = %d, %v; want 10", k, v, err)
			}
		}(i)
	}
	wg.Wait()
	if n := calls.Load(); n != 2 {
		t.Errorf("50 concurrent gets over 2 keys computed %d times, want 2", n)
	}
}

func TestMemoDoesNotKeepErrors(t *testing.T) {
	var m memo[string, int]
	boom := errors.New("boom")
	if _, err := m.get("k", func() (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("first get: %v, want boom", err)
	}
	v, err := m.get("k", func() (int, error) { return 7, nil })
	if err != nil || v != 7 {
		t.Fatalf("get after an error = %d, %v; want a fresh computation (7)", v, err)
	}
}

// TestParsedKnownHostsOncePerPolicy: every dial of a pool shares one parsed known_hosts
// and one decrypted private key, whatever the number of hosts.
func TestParsedKnownHostsOncePerPolicy(t *testing.T) {
	var p parsed
	pol := HostKeyPolicy{KnownHosts: "example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"}
	a, err := p.verifier(pol)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.verifier(pol)
	if err != nil || a != b {
		t.Fatalf("second verifier for the same policy = %p, %v; want the first (%p)", b, err, a)
	}
	c, err := p.verifier(HostKeyPolicy{InsecureIgnoreHostKey: true})
	if err != nil || c == a {
		t.Fatalf("another policy shared the verifier: %p, %v", c, err)
	}
}
