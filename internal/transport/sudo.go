package transport

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// SudoAnswerTimeout bounds how long a command started with a sudo password may take to either
// ask for the password or start: a sudo that does neither (a site prompt that overrides ours,
// a PAM module waiting on something) is an error naming the host instead of a hang.
var SudoAnswerTimeout = 30 * time.Second

// With a sudo password, a command runs as
//
//	sudo -S -p PROMPT -- sh -c 'echo READY >&2; exec "$@"' sh CMD...
//
// sudo writes PROMPT (a marker with a random nonce) on standard error when it wants the
// password and reads it as the first line of standard input (-S); the command, once sudo has
// let it start, writes READY on standard error first. A sudoGate watches standard error for
// the two markers and feeds standard input: the password line after the first prompt only,
// the command's own input only after READY. So the password never reaches the command (a
// host where sudo needs no password never prompts), the command's input never reaches sudo's
// password prompt, and a second prompt (the password was wrong) ends the session at once. The
// password is never on a command line: only the markers are.

// sudoGate answers sudo's prompt on one session; see above.
type sudoGate struct {
	host, user, password string
	prompt, ready        []byte
	kill                 func() // closes the session

	mu       sync.Mutex
	head     bytes.Buffer // standard error before READY, for error messages (bounded)
	prompts  int
	started  bool
	err      error
	out      io.Writer     // the caller's standard error, after READY
	prompted chan struct{} // one value per prompt seen
	readyCh  chan struct{} // closed at READY
	stop     chan struct{} // closed on failure or finish
	once     sync.Once
	timer    *time.Timer
}

// sudoCommandLine is cmd run as root through sudo: `sudo -n --` without a password, the
// gated form above with one. gate is nil without a password.
func (c *Conn) sudoCommandLine(cmd string) (string, *sudoGate) {
	if c.sudoPassword == "" {
		return sudoCommand(cmd), nil
	}
	return newSudoGate(c.sc.host, c.sc.user, c.sudoPassword).wrap(cmd)
}

func newSudoGate(host, user, password string) *sudoGate {
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	n := hex.EncodeToString(nonce)
	return &sudoGate{
		host: host, user: user, password: password,
		prompt:   []byte("[ntopng-provider sudo prompt " + n + "]"),
		ready:    []byte("[ntopng-provider sudo ready " + n + "]\n"),
		prompted: make(chan struct{}, 2),
		readyCh:  make(chan struct{}),
		stop:     make(chan struct{}),
	}
}

// wrap returns the command line that runs cmd through sudo with this gate's markers.
func (g *sudoGate) wrap(cmd string) (string, *sudoGate) {
	ready := strings.TrimSuffix(string(g.ready), "\n")
	return "sudo -S -p " + Quote(string(g.prompt)) + " -- sh -c " +
		Quote("echo "+Quote(ready)+" >&2; exec \"$@\"") + " sh " + cmd, g
}

// plumb connects the gate to a session before it starts: w is the session's standard input,
// src what the command reads once it runs, stderr receives the command's standard error
// (sudo's own lines before READY are kept for error messages only), and kill closes the
// session. The gate itself must be the session's standard error.
func (g *sudoGate) plumb(w io.WriteCloser, src io.Reader, stderr io.Writer, kill func()) {
	g.out = stderr
	g.kill = kill
	g.timer = time.AfterFunc(SudoAnswerTimeout, func() {
		g.fail(fmt.Errorf("sudo on %s neither asked for the password nor ran the command within %s "+
			"(a sudoers passprompt_override or requiretty can cause this): %s", g.host, SudoAnswerTimeout, g.said()))
	})
	go g.feed(w, src)
}

// feed writes the password line after the first prompt and src after READY, then closes w.
func (g *sudoGate) feed(w io.WriteCloser, src io.Reader) {
	defer w.Close()
	answered := false
	for {
		select {
		case <-g.readyCh:
			_, _ = io.Copy(w, src)
			return
		case <-g.prompted:
			if answered {
				g.fail(fmt.Errorf("%w: sudo on %s did not accept sudo_password for %s: set the right ssh.sudo_password (sudo said: %s)",
					ErrSudoPassword, g.host, g.user, g.said()))
				closeReader(src)
				return
			}
			answered = true
			if _, err := io.WriteString(w, g.password+"\n"); err != nil {
				closeReader(src)
				return
			}
		case <-g.stop:
			closeReader(src)
			return
		}
	}
}

func closeReader(r io.Reader) {
	if c, ok := r.(io.Closer); ok {
		_ = c.Close()
	}
}

// ReadFrom: see copySmall.
func (g *sudoGate) ReadFrom(r io.Reader) (int64, error) { return copySmall(g, r) }

// Write receives the session's standard error.
func (g *sudoGate) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.started {
		return g.out.Write(p)
	}
	if g.head.Len() < 64<<10 {
		g.head.Write(p)
	}
	head := g.head.Bytes()
	if i := bytes.Index(head, g.ready); i >= 0 {
		g.started = true
		g.timer.Stop()
		close(g.readyCh)
		rest := head[i+len(g.ready):]
		g.head.Truncate(i)
		if len(rest) > 0 {
			_, _ = g.out.Write(append([]byte(nil), rest...))
		}
		return len(p), nil
	}
	for n := bytes.Count(head, g.prompt); g.prompts < n; g.prompts++ {
		select {
		case g.prompted <- struct{}{}:
		default: // two are enough to see a wrong password
		}
	}
	return len(p), nil
}

// said is what sudo printed before the command started, markers removed.
func (g *sudoGate) said() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := strings.ReplaceAll(g.head.String(), string(g.prompt), " ")
	return strings.Join(strings.Fields(s), " ")
}

// fail records err (the first one wins), stops feeding and closes the session.
func (g *sudoGate) fail(err error) {
	g.once.Do(func() {
		g.mu.Lock()
		g.err = err
		g.mu.Unlock()
		close(g.stop)
		if g.kill != nil {
			g.kill()
		}
	})
}

// finish is called once the session has ended. It returns why sudo did not run the command
// (nil when it did) and releases the gate. Nil-safe.
func (g *sudoGate) finish() error {
	if g == nil {
		return nil
	}
	if g.timer != nil {
		g.timer.Stop()
	}
	g.mu.Lock()
	err, started := g.err, g.started
	g.mu.Unlock()
	if err == nil && !started {
		err = fmt.Errorf("sudo on %s did not run the command for %s (sudo said: %s)", g.host, g.user, g.said())
		if isSudoPasswordMessage(g.said()) {
			err = &SudoPasswordError{Host: g.host, User: g.user, Stderr: g.said()}
		}
	}
	g.once.Do(func() { close(g.stop) })
	return err
}

// attach sets the session's standard input and error: stdin and stderr directly without a
// gate (nil-safe), through the gate with one. Call before the session starts.
func (g *sudoGate) attach(sess *ssh.Session, stdin io.Reader, stderr io.Writer) error {
	if g == nil {
		sess.Stdin = stdin
		sess.Stderr = stderr
		return nil
	}
	w, err := sess.StdinPipe()
	if err != nil {
		return err
	}
	sess.Stderr = g
	g.plumb(w, stdin, stderr, func() { _ = sess.Close() })
	return nil
}
