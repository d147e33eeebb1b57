package certhardening

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

const (
	// firstPollInterval and maxPollInterval bound the wait between two checks of Verify.
	firstPollInterval = 250 * time.Millisecond
	maxPollInterval   = 4 * time.Second
	// notListeningGrace bounds how long Verify waits for a server that did not listen before
	// the restart either (HTTPS may not be enabled yet).
	notListeningGrace = 10 * time.Second
)

// Verifier checks, through the SSH connection, that an endpoint serves the wanted
// certificate: Before records what is served before a change, Verify (a hostchange.Change's
// Verify) waits after the restart until the new certificate is served.
type Verifier struct {
	endpoint string
	want     string
	timeout  time.Duration
	read     func(ctx context.Context) Served

	listening bool   // something accepted a connection at the last check
	wasUp     bool   // something listened before the change
	served    string // fingerprint served at the last check ("" when none or handshake failed)
	warning   string // set when nothing listens and nothing listened before
}

// NewVerifier checks that endpoint (as reached from the host of c) serves the certificate of
// fingerprint want, waiting up to timeout after a restart.
func NewVerifier(c *transport.Conn, endpoint, want string, timeout time.Duration) *Verifier {
	return &Verifier{endpoint: endpoint, want: want, timeout: timeout,
		read: func(ctx context.Context) Served { return ReadServed(ctx, c, endpoint) }}
}

// Before records what is served before the change, within the timeout: an endpoint that
// accepts and never answers holds it no longer than that.
func (v *Verifier) Before(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, v.timeout)
	defer cancel()
	v.check(ctx)
	v.wasUp = v.listening
}

// Listening reports whether something accepted a connection at the last check.
func (v *Verifier) Listening() bool { return v.listening }

// Served is the fingerprint served at the last check ("" when nothing listened or the
// handshake failed).
func (v *Verifier) Served() string { return v.served }

// Warning is set when Verify gave up because nothing listens, before or after the restart.
func (v *Verifier) Warning() string { return v.warning }

// check reads the served leaf once and returns why it is not the wanted one ("" when it is).
func (v *Verifier) check(ctx context.Context) string {
	s := v.read(ctx)
	v.served, v.listening = s.Fingerprint, s.Listening
	switch {
	case s.Err != nil:
		return s.Err.Error()
	case !s.Listening:
		return fmt.Sprintf("nothing listens at %s (%s)", v.endpoint, s.Detail)
	case v.served == v.want:
		return ""
	}
	return fmt.Sprintf("%s serves certificate %s (subject %q), not the new %s", v.endpoint, v.served, s.Subject, v.want)
}

// Verify waits, polling with backoff, until the new certificate is served. Nothing listening
// when nothing listened before either is not a failure (HTTPS not enabled yet): it gives up
// after a short grace and records a warning. Anything else past the timeout is an error, so
// that hostchange restores the previous file.
//
// The timeout bounds the whole wait, the checks included: each handshake ends when the time
// is up (an endpoint that accepts and never answers held every check for 15 s).
func (v *Verifier) Verify(parent context.Context) error {
	var why string
	ctx, cancel := context.WithTimeout(parent, v.timeout)
	defer cancel()
	err := hostchange.Poll(ctx, hostchange.Backoff{First: firstPollInterval, Max: maxPollInterval, Timeout: v.timeout},
		func(ctx context.Context, elapsed, next time.Duration) (string, error) {
			why = v.check(ctx)
			if why != "" && !v.listening && !v.wasUp && elapsed+next > min(v.timeout, notListeningGrace) {
				v.warning = fmt.Sprintf("Nothing listens at %s, before or after the restart, so the served certificate "+
					"was not checked. ntopng serves HTTPS only when --https-port is set (ntopng_instance) and the "+
					"certificate file exists; the next plan checks again. (%s)", v.endpoint, why)
				return "", nil
			}
			return why, nil
		})
	var timeout *hostchange.TimeoutError
	if err != nil && parent.Err() == nil && ctx.Err() != nil && !errors.As(err, &timeout) {
		err = &hostchange.TimeoutError{After: v.timeout, Why: why} // the time ran out during a check
	}
	switch {
	case errors.As(err, &timeout):
		return fmt.Errorf("%w. Check that restart_command restarts the ntopng serving %s", err, v.endpoint)
	case err != nil:
		return fmt.Errorf("%w while waiting for %s to serve the new certificate: %s", parent.Err(), v.endpoint, why)
	}
	return nil
}
