package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"golang.org/x/crypto/ssh"
)

// Result is what a remote command produced. ExitCode is -1 when the command
// was killed by a signal.
type Result struct {
	Stdout, Stderr []byte
	ExitCode       int
}

// Run runs argv on the host, each argument POSIX-quoted (through
// `sudo -n --` when the handle has Sudo), with stdin as its standard input.
// A non-zero exit is a Result, not an error; the error is for transport
// failures, a cancelled context, and sudo wanting a password
// (SudoPasswordError). Secrets belong in stdin, never in argv.
func (c *Conn) Run(ctx context.Context, argv []string, stdin []byte) (Result, error) {
	if len(argv) == 0 {
		return Result{}, errors.New("no command given")
	}
	cmd := Join(argv)
	var gate *sudoGate
	if c.sudo {
		cmd, gate = c.sudoCommandLine(cmd)
	}
	c.sc.memo.changed()
	defer c.sc.memo.changed()
	return c.exec(ctx, cmd, gate, stdin, map[string]any{"command": argv[0], "args": len(argv) - 1})
}

// Query is Run for a command that changes nothing on the host (a check that only reads):
// unlike Run, it leaves what this walk's reads share (readMemo) in place. Anything that
// writes, restarts or creates runs with Run.
func (c *Conn) Query(ctx context.Context, argv []string, stdin []byte) (Result, error) {
	if len(argv) == 0 {
		return Result{}, errors.New("no command given")
	}
	cmd := Join(argv)
	var gate *sudoGate
	if c.sudo {
		cmd, gate = c.sudoCommandLine(cmd)
	}
	return c.exec(ctx, cmd, gate, stdin, map[string]any{"command": argv[0], "args": len(argv) - 1})
}

// RunShell runs script with `sh -c` (through `sudo -n` when the handle has
// Sudo). Errors as for Run.
func (c *Conn) RunShell(ctx context.Context, script string, stdin []byte) (Result, error) {
	cmd := "sh -c " + Quote(script)
	var gate *sudoGate
	if c.sudo {
		cmd, gate = c.sudoCommandLine(cmd)
	}
	c.sc.memo.changed()
	defer c.sc.memo.changed()
	return c.exec(ctx, cmd, gate, stdin, map[string]any{"command": "sh -c", "script_bytes": len(script)})
}

func (c *Conn) exec(ctx context.Context, cmd string, gate *sudoGate, stdin []byte, logFields map[string]any) (Result, error) {
	sc := c.sc
	if err := sc.acquire(ctx); err != nil {
		return Result{}, err
	}
	defer sc.release()
	sess, err := sc.client.NewSession()
	if err != nil {
		return Result{}, fmt.Errorf("cannot open an SSH session on %s: %w", sc.addr, err)
	}
	defer sess.Close()
	stats.channels.Add(1)
	stats.execs.Add(1)
	sc.touch()

	stdout, stderr := cappedBuffer{max: MaxOutput}, cappedBuffer{max: MaxOutput}
	sess.Stdout = &stdout
	if err := gate.attach(sess, bytes.NewReader(stdin), &stderr); err != nil {
		return Result{}, fmt.Errorf("cannot open an SSH session on %s: %w", sc.addr, err)
	}
	if err := sess.Start(cmd); err != nil {
		_ = gate.finish()
		return Result{}, fmt.Errorf("cannot start a command on %s: %w", sc.addr, err)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = sess.Signal(ssh.SIGKILL)
		sess.Close()
		<-done
		_ = gate.finish()
		return Result{}, fmt.Errorf("command on %s cancelled: %w", sc.addr, ctx.Err())
	}
	if gerr := gate.finish(); gerr != nil {
		return Result{}, gerr
	}

	if stdout.dropped > 0 || stderr.dropped > 0 {
		return Result{}, fmt.Errorf("a command on %s printed more than %d MiB (%d bytes dropped): refused, a host may not make the provider hold unbounded output",
			sc.addr, MaxOutput>>20, stdout.dropped+stderr.dropped)
	}
	res := Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	var exitErr *ssh.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.ExitCode = exitErr.ExitStatus()
		if exitErr.Signal() != "" {
			res.ExitCode = -1
		}
	default:
		return res, fmt.Errorf("command on %s ended without an exit status: %w", sc.addr, err)
	}
	fields := map[string]any{"ssh_addr": sc.addr, "sudo": c.sudo, "exit_code": res.ExitCode,
		"stdin_bytes": len(stdin), "stdout_bytes": len(res.Stdout), "stderr_bytes": len(res.Stderr)}
	for k, v := range logFields {
		fields[k] = v
	}
	tflog.Debug(ctx, "ssh exec", fields)
	if c.sudo && res.ExitCode != 0 && isSudoPasswordMessage(string(res.Stderr)) {
		return res, &SudoPasswordError{Host: sc.host, User: sc.user, Stderr: string(res.Stderr)}
	}
	return res, nil
}

// Dial opens a channel from the host to addr: network "tcp" with
// "host:port" (direct-tcpip) or "unix" with a socket path
// (direct-streamlocal@openssh.com). The channel holds a session slot until
// the returned connection is closed. The connection honours deadlines and is
// closed when ctx ends (see tunnelConn).
func (c *Conn) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	sc := c.sc
	if network != "tcp" && network != "unix" {
		return nil, fmt.Errorf("cannot dial %q network through SSH: use tcp or unix", network)
	}
	if err := sc.acquire(ctx); err != nil {
		return nil, err
	}
	conn, err := sc.client.DialContext(ctx, network, addr)
	if err != nil {
		sc.release()
		return nil, fmt.Errorf("cannot reach %s %s from %s: %w", network, addr, sc.addr, err)
	}
	stats.channels.Add(1)
	stats.tunnels.Add(1)
	sc.touch()
	tflog.Debug(ctx, "ssh tunnel", map[string]any{"ssh_addr": sc.addr, "network": network, "addr": addr})
	t := &tunnelConn{Conn: conn, release: sc.release, what: fmt.Sprintf("%s %s through %s", network, addr, sc.addr)}
	t.stopCtx = context.AfterFunc(ctx, func() { t.expire(context.Cause(ctx)) })
	return t, nil
}

// tunnelConn is an SSH channel as a net.Conn that keeps its deadlines and its context.
// x/crypto/ssh's channel connections do not support deadlines (SetDeadline returns an
// error that callers ignore), so a peer that accepts and never answers would block a
// Read forever. Here a deadline that passes, or the Dial context ending, closes the
// channel: a pending Read or Write returns at once with an error naming the tunnel and
// wrapping os.ErrDeadlineExceeded or the context's error. Read and write deadlines are
// one: either closes the whole channel (the live checks set both together). The session
// slot is given back on the first Close.
type tunnelConn struct {
	net.Conn
	what    string
	once    sync.Once
	release func()
	stopCtx func() bool

	mu     sync.Mutex
	timer  *time.Timer
	reason error // why the channel was closed early; nil while it is open
}

// expire closes the channel early for reason (the first reason wins).
func (t *tunnelConn) expire(reason error) {
	t.mu.Lock()
	if t.reason == nil {
		t.reason = reason
	}
	t.mu.Unlock()
	t.Conn.Close()
}

func (t *tunnelConn) wrap(err error) error {
	t.mu.Lock()
	reason := t.reason
	t.mu.Unlock()
	if err == nil || reason == nil {
		return err
	}
	return fmt.Errorf("tunnel to %s: %w (%w)", t.what, reason, err)
}

func (t *tunnelConn) Read(p []byte) (int, error) {
	n, err := t.Conn.Read(p)
	return n, t.wrap(err)
}

func (t *tunnelConn) Write(p []byte) (int, error) {
	n, err := t.Conn.Write(p)
	return n, t.wrap(err)
}

// SetDeadline closes the channel when d passes; the zero time removes the deadline.
func (t *tunnelConn) SetDeadline(d time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
	if !d.IsZero() {
		t.timer = time.AfterFunc(time.Until(d), func() { t.expire(os.ErrDeadlineExceeded) })
	}
	return nil
}

func (t *tunnelConn) SetReadDeadline(d time.Time) error  { return t.SetDeadline(d) }
func (t *tunnelConn) SetWriteDeadline(d time.Time) error { return t.SetDeadline(d) }

func (t *tunnelConn) Close() error {
	t.stopCtx()
	_ = t.SetDeadline(time.Time{})
	err := t.Conn.Close()
	t.once.Do(t.release)
	return err
}

// MaxOutput bounds what the provider keeps of one command's standard output, and of its
// standard error: a host (or a program on it that another account controls, such as a
// fake Redis answering redis-cli) cannot make the provider hold unbounded output. The
// listener check of a busy host prints a few MiB at most.
var MaxOutput = 64 << 20

// cappedBuffer keeps the first max bytes written to it and counts the rest, which it reads
// and drops, so that the remote command never blocks on a full channel. Its ReadFrom writes
// through Write (an embedded bytes.Buffer's would let io.Copy fill it past max).
type cappedBuffer struct {
	buf     bytes.Buffer
	max     int
	dropped int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := max(b.max-b.buf.Len(), 0); room < len(p) {
		b.buf.Write(p[:room])
		b.dropped += len(p) - room
		return len(p), nil
	}
	return b.buf.Write(p)
}

// ReadFrom is io.Copy's path when x/crypto/ssh copies a session's output here: see
// copySmall.
func (b *cappedBuffer) ReadFrom(r io.Reader) (int64, error) { return copySmall(b, r) }

// Bytes is what was kept.
func (b *cappedBuffer) Bytes() []byte { return b.buf.Bytes() }

// copyBufferSize is the buffer of copySmall.
const copyBufferSize = 4 << 10

// copySmall copies r to w, through w's Write, with a buffer of copyBufferSize. x/crypto/ssh
// copies a session's standard output and error into their writers with io.Copy, which
// otherwise takes a 32 KiB buffer per stream and keeps it as long as the stream is open: for
// the SFTP session of every host for the whole walk (a fifth of the provider's live heap in a
// 100-host plan, make bench), and two per command. A session's output arrives in SSH packets
// of at most 32 KiB anyway, and what the provider reads is small.
func copySmall(w io.Writer, r io.Reader) (int64, error) {
	// The wrappers hide ReadFrom and WriteTo, or io.CopyBuffer would call them instead.
	return io.CopyBuffer(struct{ io.Writer }{w}, struct{ io.Reader }{r}, make([]byte, copyBufferSize))
}
