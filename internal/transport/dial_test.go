package transport

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// refusedErr dials a port on 127.0.0.1 that nothing listens on.
func refusedErr(t *testing.T) error {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := net.Dial("tcp", addr)
	if err == nil {
		c.Close()
		t.Skipf("something listens on %s again", addr)
	}
	return err
}

func TestRetryable(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", refusedErr(t), true},
		{"EOF in handshake", fmt.Errorf("ssh: handshake failed: %w", io.EOF), true},
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, true},
		{"timeout", &net.OpError{Op: "dial", Net: "tcp", Err: timeoutErr{}}, true},
		{"bastion: target refused", &ssh.OpenChannelError{Reason: ssh.ConnectionFailed, Message: "Connection refused"}, true},
		{"bastion: forwarding prohibited", &ssh.OpenChannelError{Reason: ssh.Prohibited}, false},
		{"host key", fmt.Errorf("ssh: handshake failed: %w", &HostKeyError{Addr: "h:22", Key: newSigner(t).PublicKey()}), false},
		{"auth", &AuthError{User: "root", Addr: "h:22", Err: errors.New("ssh: unable to authenticate")}, false},
		{"cancelled", fmt.Errorf("dial: %w", context.Canceled), false},
		{"deadline", context.DeadlineExceeded, false},
		{"no common algorithm", errors.New("ssh: handshake failed: ssh: no common algorithm for host key"), false},
		{"unknown host name", &net.DNSError{Err: "no such host", Name: "nope.invalid", IsNotFound: true}, false},
	}
	for _, c := range cases {
		if got := retryable(c.err); got != c.want {
			t.Errorf("%s: retryable(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	var got []time.Duration
	for d := backoffStart; len(got) < 7; d = nextDelay(d) {
		got = append(got, d)
	}
	want := []time.Duration{100, 200, 400, 800, 1600, 2000, 2000}
	for i := range want {
		if got[i] != want[i]*time.Millisecond {
			t.Fatalf("backoff sequence %v, want %v ms", got, want)
		}
	}
}

func TestIsAuthFailure(t *testing.T) {
	if !isAuthFailure(errors.New("ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain")) {
		t.Error("library auth failure not recognised")
	}
	if isAuthFailure(io.EOF) {
		t.Error("EOF taken for an auth failure")
	}
}

func openSSHKey(t *testing.T, passphrase string) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var block *pem.Block
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "test")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "test", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(block))
}

func TestNewAuth(t *testing.T) {
	plain, enc := openSSHKey(t, ""), openSSHKey(t, "secret")
	t.Setenv("SSH_AUTH_SOCK", "")

	errCases := map[string]struct {
		auth Auth
		want string
	}{
		"encrypted without passphrase": {Auth{PrivateKey: enc}, "private_key_passphrase"},
		"wrong passphrase":             {Auth{PrivateKey: enc, PrivateKeyPassphrase: "nope"}, "cannot decrypt"},
		"garbage key":                  {Auth{PrivateKey: "not a key"}, "not a PEM or OpenSSH private key"},
		"certificate without key":      {Auth{Certificate: "ssh-ed25519-cert-v01@openssh.com AAAA"}, "needs the matching private_key"},
		"plain key as certificate":     {Auth{PrivateKey: plain, Certificate: authorizedKey(newSigner(t).PublicKey())}, "not a certificate"},
		"agent without socket":         {Auth{Agent: true}, "SSH_AUTH_SOCK is not set"},
		"agent socket missing":         {Auth{Agent: true, AgentSocket: "/nonexistent/agent.sock"}, "/nonexistent/agent.sock"},
		"nothing":                      {Auth{}, "no SSH authentication method"},
	}
	for name, c := range errCases {
		a, err := newAuth(c.auth, nil)
		if err == nil {
			a.close()
			t.Errorf("%s: no error", name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q lacks %q", name, err, c.want)
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error leaks the passphrase: %q", name, err)
		}
	}

	a, err := newAuth(Auth{PrivateKey: enc, PrivateKeyPassphrase: "secret", Password: "pw"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	if len(a.methods) != 3 || len(a.names) != 3 ||
		!strings.HasPrefix(a.names[0], "private key (SHA256:") || a.names[1] != "password" || a.names[2] != "keyboard-interactive" {
		t.Errorf("methods %q, want private key, password, keyboard-interactive", a.names)
	}
}

func TestConfigDefaults(t *testing.T) {
	c := Config{Target: Endpoint{Host: "t", Auth: Auth{PrivateKey: "k", User: ""}, HostKeyPolicy: HostKeyPolicy{HostKey: "pin", KnownHostsFile: "kh"}},
		Bastion: &Endpoint{Host: "b"}, MaxSessions: 1}.withDefaults()
	if c.Target.User != "root" || c.Target.Port != 22 || c.Timeout != 30*time.Second || c.MaxSessions != 2 {
		t.Errorf("target defaults: %+v", c)
	}
	b := c.Bastion
	if b.User != "root" || b.Port != 22 || b.PrivateKey != "k" || b.HostKey != "" || b.KnownHostsFile != "kh" {
		t.Errorf("bastion should inherit user, auth and known_hosts but not the pin: %+v", b)
	}

	c = Config{Target: Endpoint{Host: "t", Auth: Auth{User: "deploy", Password: "p"}},
		Bastion: &Endpoint{Host: "b", Port: 2200, Auth: Auth{User: "jump", Agent: true}, HostKeyPolicy: HostKeyPolicy{HostKey: "bpin"}}}.withDefaults()
	b = c.Bastion
	if b.User != "jump" || b.Port != 2200 || b.Password != "" || !b.Agent || b.HostKey != "bpin" {
		t.Errorf("bastion's own settings must win: %+v", b)
	}

	if k1, k2 := poolKey(c.Target, nil), poolKey(c.Target, c.Bastion); k1 == k2 {
		t.Errorf("pool keys with and without bastion are equal: %q", k1)
	}
}
