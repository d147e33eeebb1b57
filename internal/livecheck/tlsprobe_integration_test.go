//go:build linux

package livecheck

import (
	"context"
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/testconn"
	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
	"github.com/hardenops/terraform-provider-ntopng/internal/tlsciphers"
)

// TestIntegrationProbeTLS: the probes through a real sshd. A Go TLS server with the
// intermediate ciphers answers each hello (TLS 1.1 and the weak TLS 1.2 hellos refused, TLS
// 1.3 taken); a peer that accepts and never answers ends all six probes with the context's
// deadline (each probe one connection, no retry), and nothing counts as refused then; a
// closed port is "not checked".
func TestIntegrationProbeTLS(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	c := testconn.Root(t, s)

	var suites []uint16
	for _, n := range tlsciphers.IntermediateCiphers {
		c, _ := tlsciphers.Lookup(n)
		suites = append(suites, c.ID)
	}
	addr := testhost.TLSServer(t, &tls.Config{MinVersion: tls.VersionTLS12, CipherSuites: suites})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	o, why := ProbeTLS(ctx, c, addr, tlsciphers.IntermediateCiphers)
	if why != "" || strings.Join(o.Protocols, " ") != "TLSv1.2 TLSv1.3" || o.NoForwardSecrecy != "" || o.NotAEAD != "" ||
		o.Chosen != "ECDHE-ECDSA-AES128-GCM-SHA256" || o.ServerOrder == nil {
		t.Errorf("a Go TLS server with the intermediate ciphers: %+v, not checked %q", o, why)
	}

	silent, accepted := testhost.SilentListener(t)
	ctx, cancel = context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	err := testhost.Returns(t, func() error {
		if _, why := ProbeTLS(ctx, c, silent, tlsciphers.IntermediateCiphers); !strings.Contains(why, "i/o timeout") && !strings.Contains(why, "deadline") {
			t.Errorf("a silent peer: not checked %q, want the deadline", why)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// At most one connection per probe (those still being opened when the time ran out never arrive).
	if n := accepted(); n < 1 || n > 6 {
		t.Errorf("the probes of a silent peer connected %d times, want 1 to 6 (at most one per probe)", n)
	}

	// The probe's own deadline, not ctx's, ends the wait: the tunnel then closes with an EOF
	// that is the time running out, never a refusal.
	defer func(d time.Duration) { probeWait = d }(probeWait)
	probeWait = 300 * time.Millisecond
	err = testhost.Returns(t, func() error {
		if o, why := ProbeTLS(context.Background(), c, silent, tlsciphers.IntermediateCiphers); !strings.Contains(why, "deadline") || o.Protocols != nil {
			t.Errorf("a silent peer past the probe's own deadline: %+v, not checked %q, want the deadline", o, why)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := free.Addr().String()
	free.Close()
	if _, why := ProbeTLS(context.Background(), c, closed, tlsciphers.IntermediateCiphers); !strings.Contains(why, "no TLS answer from "+closed) {
		t.Errorf("a closed port: not checked %q", why)
	}
}
