package transport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestIntegrationSudoWithPassword: asker's sudo asks for a password. With SudoPassword the
// SFTP server and commands run as root, the command's standard input arrives whole and after
// the password (never mixed with it), and a NOPASSWD host ignores the password.
func TestIntegrationSudoWithPassword(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	dir := filepath.Join(s.Dir, "rootonly")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("root only"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := newPool(t)
	cfg := config(s, s.Asker)
	cfg.Sudo = true
	cfg.SudoPassword = s.Asker.Password
	c := conn(t, p, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	data, info, err := c.ReadFile(ctx, secret)
	if err != nil || string(data) != "root only" || info.UID != 0 {
		t.Fatalf("SFTP read through sudo with a password: %q %+v %v", data, info, err)
	}
	target := filepath.Join(dir, "ntopng.conf")
	if err := c.WriteFileAtomic(ctx, target, []byte("-w=3000\n"), 0o640, 0, 0); err != nil {
		t.Fatalf("SFTP write through sudo with a password: %v", err)
	}
	assertFile(t, target, "-w=3000\n", 0o640, 0, 0)
	if got := run(t, c, "id", "-u"); got != "0\n" {
		t.Errorf("Run through sudo with a password: id -u = %q, want 0", got)
	}
	res, err := c.RunShell(ctx, `id -u; cat; echo err >&2`, []byte("from stdin"))
	if err != nil || string(res.Stdout) != "0\nfrom stdin" || string(res.Stderr) != "err\n" {
		t.Errorf("RunShell through sudo with a password: stdout %q stderr %q, %v; want \"0\\nfrom stdin\", \"err\\n\"",
			res.Stdout, res.Stderr, err)
	}
	res, err = c.Run(ctx, []string{"sh", "-c", "exit 3"}, nil)
	if err != nil || res.ExitCode != 3 {
		t.Errorf("exit code through sudo with a password: %d, %v; want 3", res.ExitCode, err)
	}

	// A host whose sudo needs no password never prompts: the password must not reach the
	// command's standard input.
	dcfg := config(s, s.Deploy)
	dcfg.Sudo = true
	dcfg.SudoPassword = "not-for-the-command"
	res, err = conn(t, p, dcfg).RunShell(ctx, `cat`, []byte("only this"))
	if err != nil || string(res.Stdout) != "only this" {
		t.Errorf("NOPASSWD host with a sudo password: stdout %q, %v; want \"only this\"", res.Stdout, err)
	}
}

// TestIntegrationSudoWrongPassword: a wrong password is an error naming the host and the
// user, for commands and for the SFTP server, and the connection stays usable.
func TestIntegrationSudoWrongPassword(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	p := newPool(t)
	cfg := config(s, s.Asker)
	cfg.Sudo = true
	cfg.SudoPassword = "wrong-" + s.Asker.Password
	cfg.MaxSessions = 2
	c := conn(t, p, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	want := "sudo on 127.0.0.1 did not accept sudo_password for asker"

	res, err := c.RunShell(ctx, "touch /tmp/should-not-exist-"+s.Asker.Name, []byte("input"))
	if !errors.Is(err, ErrSudoPassword) || !strings.Contains(err.Error(), want) {
		t.Errorf("Run with a wrong sudo password: want %q, got %v (%+v)", want, err, res)
	}
	if err != nil && strings.Contains(err.Error(), cfg.SudoPassword) {
		t.Errorf("the error shows the password: %v", err)
	}
	for i := 0; i < 2; i++ {
		_, _, err = c.ReadFile(ctx, "/etc/hostname")
		if !errors.Is(err, ErrSudoPassword) || !strings.Contains(err.Error(), want) {
			t.Errorf("SFTP with a wrong sudo password: want %q, got %v", want, err)
		}
	}
	// The failures gave their session slots back (MaxSessions is 2).
	cfg.Sudo = false
	res, err = conn(t, p, cfg).Run(ctx, []string{"id", "-un"}, nil)
	if err != nil || string(res.Stdout) != "asker\n" {
		t.Errorf("plain Run after sudo failures: %q, %v", res.Stdout, err)
	}
	if ctx.Err() != nil {
		t.Errorf("the wrong password ran into the test's deadline: %v", ctx.Err())
	}
}

// pipeCloser records what the gate writes on standard input, and says when it wrote or closed.
type pipeCloser struct {
	buf    bytes.Buffer // not embedded: every write goes through Write
	wrote  chan struct{}
	closed chan struct{}
}

func (p *pipeCloser) Write(b []byte) (int, error) {
	n, err := p.buf.Write(b)
	p.wrote <- struct{}{}
	return n, err
}

func (p *pipeCloser) String() string { return p.buf.String() }

func (p *pipeCloser) Close() error { close(p.closed); return nil }

// TestSudoGate drives the gate without a host: the password goes out once, after the prompt;
// the input only after READY; a second prompt is a wrong password and kills the session.
func TestSudoGate(t *testing.T) {
	run := func(stderr ...string) (sent string, out string, killed bool, err error) {
		g := newSudoGate("probe-1", "ops", "s3cret")
		w := &pipeCloser{wrote: make(chan struct{}, 64), closed: make(chan struct{})}
		var errOut bytes.Buffer
		k := make(chan struct{}, 1)
		g.plumb(w, strings.NewReader("INPUT"), &errOut, func() { k <- struct{}{} })
		for _, s := range stderr {
			s = strings.ReplaceAll(s, "PROMPT", string(g.prompt))
			s = strings.ReplaceAll(s, "READY\n", string(g.ready))
			if _, err := io.WriteString(g, s); err != nil {
				t.Fatal(err)
			}
			switch {
			case strings.Contains(s, string(g.ready)):
				<-w.closed // the command read its whole input
			case strings.Contains(s, string(g.prompt)):
				// As sudo does, wait for the answer to a prompt (the password, or the end of the
				// input when the gate gives up) before the next line.
				select {
				case <-w.wrote:
				case <-w.closed:
				}
			}
		}
		err = g.finish()
		<-w.closed
		// The gate kills the session before it closes the input (fail, then feed returns).
		select {
		case <-k:
			killed = true
		default:
		}
		return w.String(), errOut.String(), killed, err
	}

	if sent, out, _, err := run("PROMPT", "READY\nwarning\n"); sent != "s3cret\nINPUT" || out != "warning\n" || err != nil {
		t.Errorf("prompt then ready: sent %q, stderr %q, %v", sent, out, err)
	}
	if sent, out, _, err := run("READY\n"); sent != "INPUT" || out != "" || err != nil {
		t.Errorf("no prompt (NOPASSWD): sent %q, stderr %q, %v; the password must not be sent", sent, out, err)
	}
	sent, _, killed, err := run("PROMPT", "Sorry, try again.\nPROMPT")
	if sent != "s3cret\n" || !killed || !errors.Is(err, ErrSudoPassword) || !strings.Contains(err.Error(), "Sorry, try again.") ||
		strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "probe-1") {
		t.Errorf("wrong password: sent %q, killed %t, %v", sent, killed, err)
	}
	if _, _, _, err := run("sudo: you must have a tty\n"); err == nil || !strings.Contains(err.Error(), "must have a tty") {
		t.Errorf("sudo refused before running: %v", err)
	}
}

// TestIntegrationHostLockWithSudoPassword: the host-side lock is also taken through sudo with a
// password (before, it was skipped there, so two applies at once on such a host were not kept
// apart): a holder with the password waits for another holder, gets the lock once it is free
// and keeps it; a wrong password is the usual clear error.
func TestIntegrationHostLockWithSudoPassword(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	root := conn(t, newPool(t), config(s, s.Root))
	cfg := config(s, s.Asker)
	cfg.Sudo = true
	cfg.SudoPassword = s.Asker.Password
	asker := conn(t, newPool(t), cfg)

	rel1, err := root.lockOnHost(ctx, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := asker.lockOnHost(ctx, time.Second); err == nil || !strings.Contains(err.Error(), "another terraform run") ||
		!strings.Contains(err.Error(), s.Addr) {
		t.Fatalf("holder through sudo with a password while root holds the lock: %v; want the busy error naming the host", err)
	}
	rel1()
	rel2, err := asker.lockOnHost(ctx, 5*time.Second)
	if err != nil {
		t.Fatalf("holder through sudo with a password, lock free: %v", err)
	}
	if _, err := root.lockOnHost(ctx, time.Second); err == nil || !strings.Contains(err.Error(), "another terraform run") {
		t.Fatalf("root took the lock held through sudo with a password: %v", err)
	}
	rel2()
	rel3, err := root.lockOnHost(ctx, 5*time.Second)
	if err != nil {
		t.Fatalf("after the sudo-password holder released it: %v", err)
	}
	rel3()

	bad := cfg
	bad.SudoPassword = "wrong-" + s.Asker.Password
	if _, err := conn(t, newPool(t), bad).lockOnHost(ctx, time.Second); !errors.Is(err, ErrSudoPassword) {
		t.Fatalf("wrong sudo password: %v; want ErrSudoPassword", err)
	}
}
