package testhost

import (
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Proxy forwards TCP connections from its own port on 127.0.0.1 to a target (an SSHD's
// Addr), and breaks them on demand: CutAfter drops every connection once a number of bytes
// has passed, Hold stops forwarding without closing (a black-holed network), Refuse closes
// new connections at once (an unreachable host), Retarget sends new connections elsewhere
// (a host whose key changed). It is closed, with its connections, in t.Cleanup.
type Proxy struct {
	Addr string // "127.0.0.1:PORT"
	Port int

	ln     net.Listener
	total  atomic.Int64 // bytes forwarded, both directions, every connection
	cutAt  atomic.Int64 // total at which to cut; 0: never
	cuts   atomic.Int64
	refuse atomic.Bool
	// refuseAfterCut makes the cut also refuse new connections (the host is gone).
	refuseAfterCut atomic.Bool

	mu     sync.Mutex
	target string
	held   bool
	resume chan struct{} // closed when Hold(false)
	conns  map[net.Conn]struct{}
}

// StartProxy listens on a free loopback port and forwards to target.
func StartProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testhost: proxy: %v", err)
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}, resume: make(chan struct{})}
	p.Addr = ln.Addr().String()
	_, port, _ := net.SplitHostPort(p.Addr)
	p.Port, _ = strconv.Atoi(port)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// Total is the number of bytes forwarded so far, both directions, all connections.
func (p *Proxy) Total() int64 { return p.total.Load() }

// CutAfter drops every open connection (both ends) once n more bytes have been forwarded,
// counting from now; data past the n-th byte is not forwarded. It fires once; connections
// made afterwards pass. n <= 0 disarms.
func (p *Proxy) CutAfter(n int64) {
	if n <= 0 {
		p.cutAt.Store(0)
		return
	}
	p.cutAt.Store(p.total.Load() + n)
}

// RefuseAfterCut makes a CutAfter that fires also Refuse(true): the host is gone, not only
// the connection.
func (p *Proxy) RefuseAfterCut(on bool) { p.refuseAfterCut.Store(on) }

// Cuts is how many times CutAfter fired.
func (p *Proxy) Cuts() int64 { return p.cuts.Load() }

// Hold stops (true) or resumes (false) forwarding on every connection, keeping them open.
func (p *Proxy) Hold(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on && !p.held {
		p.held = true
		p.resume = make(chan struct{})
	} else if !on && p.held {
		p.held = false
		close(p.resume)
	}
}

// Refuse makes new connections close at once (true), or pass again (false).
func (p *Proxy) Refuse(on bool) { p.refuse.Store(on) }

// Retarget sends new connections to target.
func (p *Proxy) Retarget(target string) {
	p.mu.Lock()
	p.target = target
	p.mu.Unlock()
}

// DropAll closes every open connection now.
func (p *Proxy) DropAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.refuse.Load() {
			c.Close()
			continue
		}
		p.mu.Lock()
		target := p.target
		p.mu.Unlock()
		up, err := net.DialTimeout("tcp", target, 5*time.Second)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[up] = struct{}{}, struct{}{}
		p.mu.Unlock()
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

// pipe copies from src to dst, counting bytes and honouring Hold and CutAfter.
func (p *Proxy) pipe(src, dst net.Conn) {
	defer func() {
		src.Close()
		dst.Close()
		p.mu.Lock()
		delete(p.conns, src)
		delete(p.conns, dst)
		p.mu.Unlock()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			held, resume := p.held, p.resume
			p.mu.Unlock()
			if held {
				<-resume
			}
			chunk := buf[:n]
			if at := p.cutAt.Load(); at > 0 {
				room := at - p.total.Load()
				if room <= int64(len(chunk)) {
					if room > 0 {
						_, _ = dst.Write(chunk[:room])
						p.total.Add(room)
					}
					if p.cutAt.CompareAndSwap(at, 0) {
						if p.refuseAfterCut.Load() {
							p.refuse.Store(true)
						}
						p.cuts.Add(1)
					}
					p.DropAll()
					return
				}
			}
			if _, werr := dst.Write(chunk); werr != nil {
				return
			}
			p.total.Add(int64(n))
		}
		if err != nil {
			return
		}
	}
}

func (p *Proxy) close() {
	p.ln.Close()
	p.DropAll()
	p.Hold(false)
}
