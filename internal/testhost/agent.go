package testhost

import (
	"net"
	"path/filepath"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// StartAgent serves an in-process SSH agent holding keys (unencrypted private key PEMs) on
// a Unix socket in a temporary directory, and returns the socket path (for SSH_AUTH_SOCK).
// The agent stops in t.Cleanup.
func StartAgent(t testing.TB, keys ...string) string {
	t.Helper()
	keyring := agent.NewKeyring()
	for i, pemKey := range keys {
		key, err := ssh.ParseRawPrivateKey([]byte(pemKey))
		if err != nil {
			t.Fatalf("testhost: agent key %d: %v (pass unencrypted private keys)", i, err)
		}
		if err := keyring.Add(agent.AddedKey{PrivateKey: key, Comment: "testhost"}); err != nil {
			t.Fatalf("testhost: agent key %d: %v", i, err)
		}
	}
	sock := filepath.Join(TempDir(t), "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatalf("testhost: listen on %s: %v", sock, err)
	}
	var (
		mu     sync.Mutex
		conns  []net.Conn
		closed bool
		wg     sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return // listener closed
			}
			mu.Lock()
			if closed {
				mu.Unlock()
				c.Close()
				return
			}
			conns = append(conns, c)
			wg.Add(1)
			mu.Unlock()
			go func() {
				defer wg.Done()
				_ = agent.ServeAgent(keyring, c)
				c.Close()
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		closed = true
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return sock
}
