package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// A connection idle for longer than idleCheck is probed with a keepalive
// request (answered within keepaliveTimeout) before Pool.Conn hands it out.
const (
	idleCheck        = 15 * time.Second
	keepaliveTimeout = 5 * time.Second
)

// errPoolClosed is returned by Pool.Conn after Pool.Close.
var errPoolClosed = errors.New("the SSH connection pool is closed (the provider is stopping)")

// ctxMutex is a mutex whose Lock gives up when the context ends.
type ctxMutex chan struct{}

func newCtxMutex() ctxMutex { return make(ctxMutex, 1) }

func (m ctxMutex) lock(ctx context.Context) error {
	select {
	case m <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (m ctxMutex) unlock() { <-m }

// Pool keeps one SSH connection per (host, port, user, bastion), dialled
// lazily on the first Conn call for that key and shared by every caller; a
// bastion's connection is shared by every target behind it. Credentials,
// Timeout and MaxSessions are those of the Config that dialled. A provider
// process has one Pool.
type Pool struct {
	ctx    context.Context // cancelled by Close: aborts dials in progress
	cancel context.CancelFunc

	mu      sync.Mutex // guards entries, closed and each entry's conn field
	entries map[string]*poolEntry
	closed  bool

	parsed parsed // known_hosts and private keys, parsed once for every dial
}

// poolEntry serialises the dial for one key: concurrent callers wait for one
// dial, while other keys dial in parallel.
type poolEntry struct {
	lock    ctxMutex
	waiting atomic.Int32 // callers waiting for lock (for tests)

	// Guarded by Pool.mu; conn, err and gen are written with lock held too.
	conn *sshConn
	err  error  // the last dial's error
	gen  uint64 // number of dials finished
}

// NewPool returns an empty pool; it dials nothing until Conn is called.
func NewPool() *Pool {
	ctx, cancel := context.WithCancel(context.Background())
	return &Pool{ctx: ctx, cancel: cancel, entries: map[string]*poolEntry{}}
}

// Conn returns a handle on the pooled connection for cfg, dialling it (and
// its bastion) if there is none yet or the previous one died. The dial,
// including retries, takes at most cfg.Timeout. A failed dial is not cached:
// callers that were waiting for it get its error, the next call dials again.
func (p *Pool) Conn(ctx context.Context, cfg Config) (*Conn, error) {
	cfg = cfg.withDefaults()
	if cfg.Target.Host == "" {
		return nil, errors.New("no host given to connect to")
	}
	if cfg.Bastion != nil && cfg.Bastion.Host == "" {
		return nil, errors.New("bastion has no host")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(p.ctx, cancel)
	defer stop()

	sc, err := p.get(ctx, cfg.Target, cfg.Bastion, cfg, time.Now().Add(cfg.Timeout))
	if err != nil {
		return nil, err
	}
	return &Conn{sc: sc, sudo: cfg.Sudo, sftpServer: cfg.SFTPServer, sudoPassword: cfg.SudoPassword}, nil
}

func (p *Pool) get(ctx context.Context, ep Endpoint, via *Endpoint, cfg Config, deadline time.Time) (*sshConn, error) {
	key := poolKey(ep, via)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errPoolClosed
	}
	e := p.entries[key]
	if e == nil {
		e = &poolEntry{lock: newCtxMutex()}
		p.entries[key] = e
	}
	gen := e.gen
	p.mu.Unlock()

	e.waiting.Add(1)
	err := e.lock.lock(ctx)
	e.waiting.Add(-1)
	if err != nil {
		return nil, fmt.Errorf("waiting for the SSH connection to %s: %w", ep.addr(), err)
	}
	defer e.lock.unlock()

	p.mu.Lock()
	cur, lastErr, dialled := e.conn, e.err, e.gen != gen
	p.mu.Unlock()
	if dialled && lastErr != nil {
		// The dial this caller waited for failed: share its error rather
		// than queue another full dial behind it.
		return nil, lastErr
	}
	if cur != nil {
		if cur.alive() {
			return cur, nil
		}
		tflog.Debug(ctx, "ssh connection lost, redialling", map[string]any{"ssh_addr": ep.addr()})
		p.mu.Lock()
		e.conn = nil
		p.mu.Unlock()
		cur.close()
	}

	sc, err := p.dial(ctx, ep, via, cfg, deadline)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil && p.closed {
		sc.close()
		sc, err = nil, errPoolClosed
	}
	if ctx.Err() == nil || err == nil { // a caller's own cancellation is not shared
		e.gen++
		e.conn, e.err = sc, err
	}
	return sc, err
}

// dial logs in to ep, through its bastion's pooled connection if any.
func (p *Pool) dial(ctx context.Context, ep Endpoint, via *Endpoint, cfg Config, deadline time.Time) (*sshConn, error) {
	var viaClient *ssh.Client
	if via != nil {
		b, err := p.get(ctx, *via, nil, cfg, deadline)
		if err != nil {
			return nil, fmt.Errorf("cannot reach %s through bastion %s: %w", ep.addr(), via.addr(), err)
		}
		viaClient = b.client
	}
	client, hostKey, err := dialEndpoint(ctx, ep, viaClient, deadline, cfg.Timeout, &p.parsed)
	if err != nil {
		return nil, err
	}
	return newSSHConn(client, ep, hostKey, cfg.MaxSessions), nil
}

// Close closes every connection and aborts dials in progress. Conn fails
// afterwards.
func (p *Pool) Close() error {
	p.cancel()
	p.mu.Lock()
	p.closed = true
	var conns []*sshConn
	for _, e := range p.entries {
		if e.conn != nil {
			conns = append(conns, e.conn)
			e.conn = nil
		}
	}
	p.mu.Unlock()
	var errs []error
	for _, c := range conns {
		errs = append(errs, c.close())
	}
	return errors.Join(errs...)
}

// sshConn is one authenticated SSH connection and what is shared on it.
type sshConn struct {
	client  *ssh.Client
	host    string
	addr    string
	user    string
	hostKey ssh.PublicKey
	sem     chan struct{} // one token per open channel
	done    chan struct{} // closed when the connection has ended
	used    atomic.Int64  // unix nanoseconds of the last successful use

	mu    sync.Mutex
	sftps map[string]*sftpSlot
}

// sftpSlot holds the shared SFTP client for one (sudo, server) pair.
type sftpSlot struct {
	lock   ctxMutex
	client *sftp.Client
	dead   chan struct{} // closed when client's session has ended
}

func newSSHConn(client *ssh.Client, ep Endpoint, hostKey ssh.PublicKey, maxSessions int) *sshConn {
	c := &sshConn{
		client:  client,
		host:    ep.Host,
		addr:    ep.addr(),
		user:    ep.User,
		hostKey: hostKey,
		sem:     make(chan struct{}, maxSessions),
		done:    make(chan struct{}),
		sftps:   map[string]*sftpSlot{},
	}
	c.touch()
	go func() {
		_ = client.Wait()
		close(c.done)
	}()
	return c
}

func (c *sshConn) touch() { c.used.Store(time.Now().UnixNano()) }

// alive reports whether the connection can still be used: it has not ended
// and, when idle for a while, it answers a keepalive request.
func (c *sshConn) alive() bool {
	select {
	case <-c.done:
		return false
	default:
	}
	if time.Since(time.Unix(0, c.used.Load())) < idleCheck {
		return true
	}
	reply := make(chan error, 1)
	go func() {
		_, _, err := c.client.SendRequest("keepalive@openssh.com", true, nil)
		reply <- err
	}()
	t := time.NewTimer(keepaliveTimeout)
	defer t.Stop()
	select {
	case err := <-reply:
		if err == nil {
			c.touch()
			return true
		}
	case <-t.C:
	case <-c.done:
	}
	return false
}

// acquire takes a channel slot, waiting while MaxSessions channels are open.
func (c *sshConn) acquire(ctx context.Context) error {
	select {
	case c.sem <- struct{}{}:
		return nil
	case <-c.done:
		return fmt.Errorf("the SSH connection to %s has closed", c.addr)
	case <-ctx.Done():
		return fmt.Errorf("waiting for a free SSH session slot on %s (%d in use): %w", c.addr, cap(c.sem), ctx.Err())
	}
}

func (c *sshConn) release() { <-c.sem }

// close ends the connection, then the SFTP clients on it (in that order, so
// closing a client never waits on a dead network).
func (c *sshConn) close() error {
	err := c.client.Close()
	c.mu.Lock()
	for _, s := range c.sftps {
		if s.client != nil {
			s.client.Close()
		}
	}
	c.mu.Unlock()
	if errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// Conn is a handle on a pooled SSH connection with the caller's sudo
// setting. Handles are cheap and the connection belongs to the Pool: take a
// handle from Pool.Conn for each unit of work (a resource's read or apply),
// so a connection that died is redialled.
type Conn struct {
	sc         *sshConn
	sudo       bool
	sftpServer string
	// sudoPassword answers sudo's prompt on standard input (see sudo.go); "" uses `sudo -n`.
	sudoPassword string
}

// HostKey is the host's public key as "ssh-ed25519 AAAA..." (for a host
// certificate, the certified key), ready to be used as a host_key pin.
func (c *Conn) HostKey() string { return authorizedKey(c.sc.hostKey) }

// HostKeyFingerprint is the host key's "SHA256:..." fingerprint.
func (c *Conn) HostKeyFingerprint() string { return ssh.FingerprintSHA256(c.sc.hostKey) }

// Sudo reports whether file operations and commands run through `sudo -n`.
func (c *Conn) Sudo() bool { return c.sudo }

// User is the SSH login name.
func (c *Conn) User() string { return c.sc.user }

// Addr is the "host:port" the connection was dialled to.
func (c *Conn) Addr() string { return c.sc.addr }
