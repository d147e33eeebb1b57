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

// Every connection sends a keepalive@openssh.com request every
// Config.Timeout/keepaliveProbes; a host that answers none for Config.Timeout
// is dead: the connection is closed, which ends every operation pending on it
// with an error naming the host, and the next Pool.Conn dials again. A busy
// host still answers (sshd replies from its main loop), so a connection in
// use is never closed for being slow or idle.
const keepaliveProbes = 3

// DefaultMaxOpen is how many SSH connections a Pool keeps open when no one is using them. A
// walk over more hosts than this closes the least recently used idle connection when one more
// is released (and reopens it if a later read of that host comes), so that a provider
// process's memory stays bounded. Under it, every host is logged in to once per walk.
//
// Terraform reads a host's resources at no particular time of the walk (independent resources
// start in no particular order), so a walk over N hosts has up to about N/2 hosts of which one
// resource was read and another is still to come: below N open connections, a walk logs in to
// most hosts two or three times (2.9 times each at 1,000 hosts with 128, see make bench).
const DefaultMaxOpen = 1024

// DefaultMaxWarm is how many idle connections keep what the last reads opened on them: their
// SFTP session (an sftp-server process on the host) and the reads the walk shares
// (readMemo). Past it, the least recently released idle connection sheds both and stays
// logged in: a later read of that host opens a session again (no login). An idle connection
// costs about 55 KiB of the provider's heap and goroutine stacks shed, about 95 KiB with its
// session (internal/bench/RESULTS.md), so DefaultMaxOpen idle connections stay under 70 MiB.
const DefaultMaxWarm = 128

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
//
// A handle from Conn leases its connection until the context given to Conn
// ends (a Terraform request's context ends when the request does). Past
// MaxOpen open connections, the pool closes the least recently released
// connection that no lease holds, never one in use; a bastion's connection is
// never closed that way.
type Pool struct {
	ctx    context.Context // cancelled by Close: aborts dials in progress
	cancel context.CancelFunc

	mu      sync.Mutex // guards entries, closed, open, each entry's conn field and each conn's lease fields
	entries map[string]*poolEntry
	closed  bool
	open    int // entries whose conn is set
	maxOpen int
	maxWarm int

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
	return &Pool{ctx: ctx, cancel: cancel, entries: map[string]*poolEntry{}, maxOpen: DefaultMaxOpen, maxWarm: DefaultMaxWarm}
}

// SetMaxOpen sets how many connections the pool keeps open when none uses them (at least 1).
func (p *Pool) SetMaxOpen(n int) {
	p.mu.Lock()
	p.maxOpen = max(n, 1)
	p.mu.Unlock()
}

// SetMaxWarm sets how many idle connections keep their SFTP sessions and shared reads (at
// least 0).
func (p *Pool) SetMaxWarm(n int) {
	p.mu.Lock()
	p.maxWarm = max(n, 0)
	p.mu.Unlock()
}

// OpenConns is the number of connections open now (for tests and make bench).
func (p *Pool) OpenConns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.open
}

// setConn records sc as e's connection (nil: none); p.mu is held.
func (p *Pool) setConn(e *poolEntry, sc *sshConn) {
	if (e.conn == nil) != (sc == nil) {
		if sc == nil {
			p.open--
		} else {
			p.open++
		}
	}
	e.conn = sc
}

// lease takes a lease on sc, e's connection, unless it was closed for being idle; p.mu is
// not held.
func (p *Pool) lease(e *poolEntry, sc *sshConn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e.conn != sc {
		return false
	}
	sc.leases++
	sc.shed = false
	return true
}

// release ends one lease on sc, closes idle connections past maxOpen and makes idle
// connections past maxWarm shed their sessions.
func (p *Pool) release(sc *sshConn) {
	p.mu.Lock()
	sc.leases--
	sc.released = time.Now()
	var idle []*sshConn
	for p.open > p.maxOpen && !p.closed {
		lru := p.leastRecentlyReleased(func(*sshConn) bool { return true })
		if lru == nil {
			break // every connection is in use: the next release looks again
		}
		idle = append(idle, lru.conn)
		p.setConn(lru, nil)
	}
	var sessions []*sftpSlot
	if p.open > p.maxWarm && !p.closed {
		warm := 0
		for _, e := range p.entries {
			if c := e.conn; c != nil && c.leases == 0 && !c.shed {
				warm++
			}
		}
		for ; warm > p.maxWarm; warm-- {
			lru := p.leastRecentlyReleased(func(c *sshConn) bool { return !c.shed })
			lru.conn.shed = true
			sessions = append(sessions, lru.conn.takeSessions()...)
		}
	}
	p.mu.Unlock()
	for _, c := range idle {
		c.close()
	}
	for _, s := range sessions {
		s.client.Close()
	}
}

// leastRecentlyReleased is the entry of the idle connection (no lease) for which ok holds
// that was released first, or nil; p.mu is held.
func (p *Pool) leastRecentlyReleased(ok func(*sshConn) bool) *poolEntry {
	var lru *poolEntry
	for _, e := range p.entries {
		if c := e.conn; c != nil && c.leases == 0 && ok(c) && (lru == nil || c.released.Before(lru.conn.released)) {
			lru = e
		}
	}
	return lru
}

// Conn returns a handle on the pooled connection for cfg, dialling it (and
// its bastion) if there is none yet or the previous one died. The dial,
// including retries, takes at most cfg.Timeout. A failed dial is not cached:
// callers that were waiting for it get its error, the next call dials again.
func (p *Pool) Conn(ctx context.Context, cfg Config) (*Conn, error) {
	leaseCtx := ctx
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
	context.AfterFunc(leaseCtx, func() { p.release(sc) })
	return &Conn{sc: sc, sudo: cfg.Sudo, sftpServer: cfg.SFTPServer, sudoPassword: cfg.SudoPassword, pool: p, cfg: cfg}, nil
}

// Redial returns a handle on the pooled connection to the same host with the
// same settings: the same connection while it lives, a new one (dialled
// within the Config's Timeout) when it died. A rollback uses it to reach the
// host again after the connection dropped.
func (c *Conn) Redial(ctx context.Context) (*Conn, error) {
	if c.pool == nil {
		return c, nil
	}
	// An operation may have failed on a connection that has not noticed its end yet: ask.
	if !c.sc.answers(ctx, c.cfg.Timeout) {
		c.sc.client.Close()
		select {
		case <-c.sc.done:
		case <-time.After(5 * time.Second):
		}
	}
	return c.pool.Conn(ctx, c.cfg)
}

// answers reports whether the host answers a keepalive request within d.
func (c *sshConn) answers(ctx context.Context, d time.Duration) bool {
	if !c.alive() {
		return false
	}
	reply := make(chan error, 1)
	go func() {
		_, _, err := c.client.SendRequest("keepalive@openssh.com", true, nil)
		reply <- err
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-reply:
		return err == nil
	case <-t.C:
	case <-ctx.Done():
	case <-c.done:
	}
	return false
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
		if cur.alive() && p.lease(e, cur) {
			return cur, nil
		}
		if cur.alive() {
			tflog.Debug(ctx, "ssh connection closed while idle, reopening", map[string]any{"ssh_addr": ep.addr()})
		} else {
			tflog.Debug(ctx, "ssh connection lost, redialling", map[string]any{"ssh_addr": ep.addr()})
		}
		p.mu.Lock()
		if e.conn == cur {
			p.setConn(e, nil)
		}
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
		p.setConn(e, sc)
		e.err = err
	}
	if sc != nil {
		sc.leases++
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
	sc := newSSHConn(client, ep, hostKey, cfg.MaxSessions)
	go sc.keepalive(cfg.Timeout)
	return sc, nil
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
			p.setConn(e, nil)
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
	// deadErr, once set, says why the keepalive closed the connection.
	deadErr atomic.Pointer[error]

	mu    sync.Mutex
	sftps map[string]*sftpSlot
	// memo is what the walk's reads share until something changes on the host.
	memo readMemo

	// Guarded by Pool.mu: the handles' leases (a bastion's connection keeps one for each
	// target dialled through it: it is never idle), when the last one ended, and whether it
	// shed its sessions since (see DefaultMaxWarm).
	leases   int
	released time.Time
	shed     bool
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

// alive reports whether the connection can still be used: it has not ended.
// Whether the host still answers is the keepalive's job, not the caller's: a
// connection that other resources are using is never closed here.
func (c *sshConn) alive() bool {
	if c.deadErr.Load() != nil { // set before the keepalive closes the connection
		return false
	}
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// keepalive probes the host every timeout/keepaliveProbes and closes the
// connection when no probe has been answered for timeout (the host is dead or
// the network black-holes it), so that nothing waits on it forever.
func (c *sshConn) keepalive(timeout time.Duration) {
	interval := timeout / keepaliveProbes
	t := time.NewTicker(interval)
	defer t.Stop()
	answered := time.Now()
	reply := make(chan error, 1)
	pending := false
	for {
		select {
		case <-c.done:
			return
		case err := <-reply:
			pending = false
			if err != nil { // the connection ended under the request
				return
			}
			answered = time.Now()
		case <-t.C:
			if since := time.Since(answered); since >= timeout {
				err := fmt.Errorf("the SSH connection to %s was closed: the host answered no keepalive for %s (host down or network cut)",
					c.addr, since.Round(time.Second))
				c.deadErr.Store(&err)
				c.client.Close()
				return
			}
			if !pending {
				pending = true
				go func() {
					_, _, err := c.client.SendRequest("keepalive@openssh.com", true, nil)
					reply <- err
				}()
			}
		}
	}
}

// closedErr says why the connection ended, naming the host.
func (c *sshConn) closedErr() error {
	if e := c.deadErr.Load(); e != nil {
		return *e
	}
	return fmt.Errorf("the SSH connection to %s has closed", c.addr)
}

// acquire takes a channel slot, waiting while MaxSessions channels are open.
func (c *sshConn) acquire(ctx context.Context) error {
	select {
	case c.sem <- struct{}{}:
		return nil
	case <-c.done:
		return c.closedErr()
	case <-ctx.Done():
		return fmt.Errorf("waiting for a free SSH session slot on %s (%d in use): %w", c.addr, cap(c.sem), ctx.Err())
	}
}

func (c *sshConn) release() { <-c.sem }

// takeSessions detaches the connection's SFTP sessions, for the caller to close, and forgets
// the reads they shared; the next operation opens a session again. The connection must be
// idle (no lease), so that no operation uses them.
func (c *sshConn) takeSessions() []*sftpSlot {
	c.mu.Lock()
	var open []*sftpSlot
	for _, s := range c.sftps {
		if s.client != nil {
			open = append(open, s)
		}
	}
	c.sftps = map[string]*sftpSlot{}
	c.mu.Unlock()
	c.memo.changed()
	return open
}

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
	pool         *Pool  // for Redial
	cfg          Config // what Pool.Conn was given, with defaults
}

// SameConnection reports whether both handles use the same SSH connection.
func (c *Conn) SameConnection(o *Conn) bool { return c.sc == o.sc }

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
