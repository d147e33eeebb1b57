// Package testconn connects a test to the test sshd (internal/testhost) through the
// provider's own transport: the one fixture for "a root connection to the test host". Tests
// only. (internal/transport's own tests cannot use it: they are inside the package it
// imports.)
package testconn

import (
	"context"
	"testing"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// Config is how the provider reaches the test sshd s as u: 127.0.0.1 on s's port, u's key,
// s's host key verified, the default timeout. A caller changes Target.Port (to go through a
// testhost.Proxy), Timeout or Sudo on it before Open.
func Config(s *testhost.SSHD, u testhost.User) transport.Config {
	return transport.Config{Target: transport.Endpoint{
		Host: "127.0.0.1", Port: s.Port,
		Auth:          transport.Auth{User: u.Name, PrivateKey: u.PrivateKey},
		HostKeyPolicy: transport.HostKeyPolicy{HostKey: s.HostKey},
	}}
}

// Open connects with cfg from a pool of its own (as a new provider process would) and fails
// t when it cannot. The pool closes when the test ends, or earlier when the caller calls
// closePool (the provider process gone).
func Open(t testing.TB, cfg transport.Config) (c *transport.Conn, closePool func()) {
	t.Helper()
	pool := transport.NewPool()
	t.Cleanup(func() { pool.Close() })
	c, err := pool.Conn(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, func() { pool.Close() }
}

// Root is a connection to the test sshd s as root.
func Root(t testing.TB, s *testhost.SSHD) *transport.Conn {
	t.Helper()
	c, _ := Open(t, Config(s, s.Root))
	return c
}
