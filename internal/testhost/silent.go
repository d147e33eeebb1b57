package testhost

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// SilentListener accepts TCP connections on loopback and never answers (a server that hangs);
// the connections are closed in t.Cleanup. It returns its address and the number of
// connections accepted so far.
func SilentListener(t testing.TB) (addr string, accepted func() int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	var n atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String(), func() int { return int(n.Load()) }
}
