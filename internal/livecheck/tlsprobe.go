package livecheck

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/tlsciphers"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// ProbeTLS offers the TLS server at addr ("192.0.2.10:443", as reached from the host) each
// hello of tlsciphers.Probes(ciphers), each on a direct-tcpip channel of its own through the
// SSH connection (no login, nothing run on the host), all at once, and sums up what it
// negotiated. Each probe reads only the server's ServerHello or alert. ctx bounds them all:
// give it the verify timeout. notChecked says why nothing could be concluded ("" when the
// server answered): nothing listens, or no probe got a TLS answer (the server closed every
// connection first, as ntopng does for an address outside its access list).
func ProbeTLS(ctx context.Context, c *transport.Conn, addr string, ciphers []string) (o tlsciphers.Observed, notChecked string) {
	probes := tlsciphers.Probes(ciphers)
	replies := make(map[string]tlsciphers.Reply, len(probes))
	errs := make([]string, 0, len(probes))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, p := range probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := probeOnce(ctx, c, addr, p.Hello)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, p.Name+": "+err.Error())
				return
			}
			replies[p.Name] = r
		}()
	}
	wg.Wait()
	if len(replies) == 0 {
		return o, fmt.Sprintf("no TLS answer from %s through %s (%s)", addr, c.Addr(), strings.Join(errs, "; "))
	}
	if len(errs) > 0 {
		// A probe without an answer (cut, or the time ran out) would read as a refusal.
		return o, fmt.Sprintf("%s answered some probes only (%s)", addr, strings.Join(errs, "; "))
	}
	for _, r := range replies {
		if r.Accepted || r.Alert != 0 {
			return tlsciphers.Observe(replies), ""
		}
	}
	return o, fmt.Sprintf("%s closed every connection without a TLS answer (is the host itself outside ntopng's web access list?)", addr)
}

// probeWait is the longest a probe waits for the server's answer when ctx allows longer.
var probeWait = 15 * time.Second

// probeOnce sends one hello and reads the answer. A server that closes the connection after
// the hello without an alert refused it (OpenSSL does so for a TLS 1.1 hello on some
// releases); one that closes before reading it, or never answers, is an error.
func probeOnce(ctx context.Context, c *transport.Conn, addr string, h tlsciphers.Hello) (tlsciphers.Reply, error) {
	nc, err := c.Dial(ctx, "tcp", addr)
	if err != nil {
		return tlsciphers.Reply{}, err
	}
	defer nc.Close()
	deadline := time.Now().Add(probeWait)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = nc.SetDeadline(deadline)
	random, key := make([]byte, 32), make([]byte, 32)
	_, _ = rand.Read(random)
	_, _ = rand.Read(key)
	if _, err := nc.Write(tlsciphers.ClientHello(h, random, key)); err != nil {
		return tlsciphers.Reply{}, err
	}
	var buf []byte
	chunk := make([]byte, 4096)
	for {
		n, err := nc.Read(chunk)
		buf = append(buf, chunk[:n]...)
		r, perr := tlsciphers.ParseReply(buf)
		switch {
		case perr == nil:
			return r, nil
		case !errors.Is(perr, tlsciphers.ErrIncomplete):
			return tlsciphers.Reply{}, perr
		case err != nil && (ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded)):
			// The tunnel closes when ctx ends or its deadline (ctx's) passes: an EOF then is
			// the time running out, not the server. The deadline's timer may fire before
			// ctx's own, so ctx.Err() alone would read that EOF as a refusal.
			return tlsciphers.Reply{}, fmt.Errorf("%w waiting for the answer to the hello", cmp.Or(ctx.Err(), context.DeadlineExceeded))
		case errors.Is(err, io.EOF) && len(buf) == 0:
			return tlsciphers.Reply{}, nil // closed without a word after the hello: refused
		case err != nil:
			return tlsciphers.Reply{}, err
		}
	}
}
