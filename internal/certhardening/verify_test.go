package certhardening

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/pembundle"
	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

const (
	wantFP  = "aaaa"
	otherFP = "bbbb"
	ep      = "127.0.0.1:443"
)

var (
	servingWanted = Served{Listening: true, Fingerprint: wantFP, Subject: "CN=new"}
	servingOther  = Served{Listening: true, Fingerprint: otherFP, Subject: "CN=old"}
	nothing       = Served{Detail: "connect failed (Connection refused)"}
	badHandshake  = Served{Listening: true, Err: errors.New("tls: handshake failure")}
)

// scripted is a Verifier whose reads return reads in turn, the last one ever after.
func scripted(timeout time.Duration, reads ...Served) (*Verifier, *int) {
	n := new(int)
	v := &Verifier{endpoint: ep, want: wantFP, timeout: timeout, read: func(context.Context) Served {
		s := reads[min(*n, len(reads)-1)]
		*n++
		return s
	}}
	return v, n
}

func TestVerifierVerify(t *testing.T) {
	cases := []struct {
		name      string
		before    Served // what Before sees
		reads     []Served
		wantErr   string // "" for no error
		warning   string // a part of the warning; "" for none
		minReads  int
		listening bool
		timeout   time.Duration // 600ms when 0
	}{
		{"served at once", servingOther, []Served{servingWanted}, "", "", 1, true, 0},
		{"served after the restart settles", servingOther, []Served{servingOther, nothing, servingWanted}, "", "", 3, true, 2 * time.Second},
		{"another certificate stays", servingOther, []Served{servingOther},
			"serves certificate bbbb (subject \"CN=old\"), not the new aaaa. Check that restart_command restarts", "", 2, true, 0},
		{"handshake keeps failing", servingWanted, []Served{badHandshake}, "tls: handshake failure", "", 2, true, 0},
		{"nothing listens, before or after", nothing, []Served{nothing}, "",
			"Nothing listens at 127.0.0.1:443, before or after the restart", 2, false, 0},
		{"gone after the restart", servingOther, []Served{nothing}, "nothing listens at 127.0.0.1:443 (connect failed", "", 2, false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.timeout == 0 {
				c.timeout = 600 * time.Millisecond
			}
			v, n := scripted(c.timeout, append([]Served{c.before}, c.reads...)...)
			v.Before(context.Background())
			err := v.Verify(context.Background())
			if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Fatalf("err %v, want %q", err, c.wantErr)
			}
			if c.warning == "" && v.Warning() != "" || !strings.Contains(v.Warning(), c.warning) {
				t.Fatalf("warning %q, want %q", v.Warning(), c.warning)
			}
			if *n-1 < c.minReads || v.Listening() != c.listening {
				t.Fatalf("%d reads after Before (want at least %d), listening %v", *n-1, c.minReads, v.Listening())
			}
		})
	}
}

func TestVerifierGivesUpOnCancel(t *testing.T) {
	v, _ := scripted(time.Minute, servingOther)
	v.Before(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := v.Verify(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "while waiting for 127.0.0.1:443") {
		t.Fatalf("got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("Verify went on %s after the context ended", time.Since(start))
	}
}

// TestVerifierThroughSSH checks, against a real sshd and a TLS server, the line between
// "nothing listens" (nil, with a warning) and "serving another certificate" (an error).
func TestVerifierThroughSSH(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	endpoint, servedFP := srv.Listener.Addr().String(), pembundle.Fingerprint(srv.Certificate())

	ctx, c := sshRoot(t)

	served := NewVerifier(c, endpoint, servedFP, time.Second)
	served.Before(ctx)
	if err := served.Verify(ctx); err != nil || served.Served() != servedFP || served.Warning() != "" {
		t.Errorf("serving the wanted certificate: err %v, served %q, warning %q", err, served.Served(), served.Warning())
	}

	other := NewVerifier(c, endpoint, otherFP, 500*time.Millisecond)
	other.Before(ctx)
	if err := other.Verify(ctx); err == nil || !strings.Contains(err.Error(), "serves certificate "+servedFP) {
		t.Errorf("serving another certificate: want an error naming it, got %v", err)
	}

	free := fmt.Sprintf("127.0.0.1:%d", testhost.FreePort(t))
	none := NewVerifier(c, free, servedFP, 500*time.Millisecond)
	none.Before(ctx)
	if err := none.Verify(ctx); err != nil || none.Listening() || !strings.Contains(none.Warning(), "Nothing listens at "+free) {
		t.Errorf("nothing listening: want nil and a warning, got err %v, warning %q", err, none.Warning())
	}
}
