//go:build linux

package livecheck

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/testconn"
	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestIntegrationLiveChecksEndOnSilentPeer: a peer that accepts through the SSH tunnel and
// never answers ends the Redis and the TLS check when the context's deadline passes, or
// when it is cancelled (Ctrl-C), with an error naming the address, the host and the step.
// Before, SetDeadline on an SSH channel failed silently and both checks blocked forever.
func TestIntegrationLiveChecksEndOnSilentPeer(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	c := testconn.Root(t, s)
	addr, _ := testhost.SilentListener(t)
	checks := map[string]func(ctx context.Context) error{
		"redis": func(ctx context.Context) error {
			_, err := ProbeRedis(ctx, c, "tcp", addr, "")
			return err
		},
		"redis with password": func(ctx context.Context) error {
			_, err := ProbeRedis(ctx, c, "tcp", addr, "a-password")
			return err
		},
		"tls": func(ctx context.Context) error {
			_, _, err := ServedCertificate(ctx, c, addr)
			return err
		},
	}
	wantStep := map[string]string{
		"redis":               "waiting for the reply to PING",
		"redis with password": "waiting for the reply to PING",
		"tls":                 "the TLS handshake failed",
	}
	for name, check := range checks {
		for _, how := range []string{"deadline", "cancel"} {
			t.Run(name+" "+how, func(t *testing.T) {
				var ctx context.Context
				var cancel context.CancelFunc
				var want error
				if how == "deadline" {
					ctx, cancel = context.WithTimeout(context.Background(), 500*time.Millisecond)
					want = context.DeadlineExceeded
				} else {
					ctx, cancel = context.WithCancel(context.Background())
					time.AfterFunc(500*time.Millisecond, cancel)
					want = context.Canceled
				}
				defer cancel()
				err := testhost.Returns(t, func() error { return check(ctx) })
				if err == nil {
					t.Fatal("the check of a silent peer succeeded")
				}
				for _, part := range []string{addr, s.Addr, wantStep[name]} {
					if !strings.Contains(err.Error(), part) {
						t.Errorf("error lacks %q: %v", part, err)
					}
				}
				if !errors.Is(err, want) && !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Errorf("error does not say why it stopped (%v): %v", want, err)
				}
			})
		}
	}
}
