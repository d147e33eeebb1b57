package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"golang.org/x/crypto/ssh"
)

// Backoff between dial attempts: doubling from backoffStart up to backoffMax.
const (
	backoffStart = 100 * time.Millisecond
	backoffMax   = 2 * time.Second
)

func nextDelay(d time.Duration) time.Duration {
	return min(2*d, backoffMax)
}

// retryable reports whether a dial error is a network failure worth another
// attempt (refused, reset, unreachable, timeout, EOF before the handshake:
// a host still booting). Host-key and authentication failures, and
// configuration errors, are not.
func retryable(err error) bool {
	var hk *HostKeyError
	var ae *AuthError
	if errors.As(err, &hk) || errors.As(err, &ae) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	for _, e := range []error{
		syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED,
		syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.EPIPE,
		io.EOF, io.ErrUnexpectedEOF,
	} {
		if errors.Is(err, e) {
			return true
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oc *ssh.OpenChannelError // through a bastion: the target refused
	return errors.As(err, &oc) && oc.Reason == ssh.ConnectionFailed
}

// dialEndpoint logs in to ep, directly or through the via connection,
// retrying network failures with backoff until deadline (timeout is the
// budget that deadline came from, for messages). It returns the client and
// the host's (plain) key.
func dialEndpoint(ctx context.Context, ep Endpoint, via *ssh.Client, deadline time.Time, timeout time.Duration, cache *parsed) (*ssh.Client, ssh.PublicKey, error) {
	addr := ep.addr()
	verifier, err := cache.verifier(ep.HostKeyPolicy)
	if err != nil {
		return nil, nil, fmt.Errorf("SSH to %s: %w", addr, err)
	}
	auth, err := newAuth(ep.Auth, cache)
	if err != nil {
		return nil, nil, fmt.Errorf("SSH to %s as %q: %w", addr, ep.User, err)
	}
	defer auth.close()

	parent := ctx
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	delay := backoffStart
	var last error
	for attempt := 1; ; attempt++ {
		tflog.Debug(ctx, "ssh dial", map[string]any{
			"ssh_addr": addr, "ssh_user": ep.User, "attempt": attempt, "via_bastion": via != nil,
		})
		client, key, err := dialOnce(ctx, ep, via, verifier, auth)
		if err == nil {
			tflog.Debug(ctx, "ssh login", map[string]any{
				"ssh_addr": addr, "ssh_user": ep.User, "host_key": ssh.FingerprintSHA256(key),
			})
			return client, key, nil
		}
		if ctx.Err() == nil && !retryable(err) {
			return nil, nil, err
		}
		if last == nil || ctx.Err() == nil {
			last = err
		}
		if ctx.Err() == nil {
			stats.dialRetries.Add(1)
			tflog.Debug(ctx, "ssh dial failed, will retry", map[string]any{
				"ssh_addr": addr, "error": err.Error(), "delay_ms": delay.Milliseconds(),
			})
			t := time.NewTimer(delay)
			select {
			case <-t.C:
				delay = nextDelay(delay)
				continue
			case <-ctx.Done():
				t.Stop()
			}
		}
		if parent.Err() != nil {
			return nil, nil, fmt.Errorf("SSH to %s: %w (last error: %v)", addr, parent.Err(), last)
		}
		return nil, nil, fmt.Errorf("cannot reach %s within %s (%d attempts; is the host up and sshd listening?): %w",
			addr, timeout, attempt, last)
	}
}

// dialOnce makes one connection attempt.
func dialOnce(ctx context.Context, ep Endpoint, via *ssh.Client, v *hostKeyVerifier, auth *authSetup) (*ssh.Client, ssh.PublicKey, error) {
	addr := ep.addr()
	var nc net.Conn
	var err error
	if via == nil {
		nc, err = (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	} else {
		nc, err = via.DialContext(ctx, "tcp", addr)
		if err == nil {
			stats.tunnels.Add(1)
			stats.channels.Add(1)
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("SSH to %s: %w", addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl) // a bastion channel has no deadlines; the AfterFunc below covers it
	}
	stop := context.AfterFunc(ctx, func() { nc.Close() })

	var hostKey ssh.PublicKey
	cfg := &ssh.ClientConfig{
		User:              ep.User,
		Auth:              auth.methods,
		HostKeyAlgorithms: v.algorithms(addr),
		HostKeyCallback: func(host string, remote net.Addr, key ssh.PublicKey) error {
			hostKey = plainKey(key)
			return v.check(host, remote, key)
		},
	}
	c, chans, reqs, err := ssh.NewClientConn(nc, addr, cfg)
	if !stop() {
		if err == nil {
			c.Close()
		}
		return nil, nil, fmt.Errorf("SSH to %s: %w", addr, context.Cause(ctx))
	}
	if err != nil {
		nc.Close()
		var hk *HostKeyError
		switch {
		case errors.As(err, &hk):
			return nil, nil, hk
		case hostKey != nil && isAuthFailure(err):
			return nil, nil, &AuthError{User: ep.User, Addr: addr, Methods: auth.names, Err: err}
		}
		return nil, nil, fmt.Errorf("SSH to %s: %w", addr, err)
	}
	_ = nc.SetDeadline(time.Time{})
	stats.logins.Add(1)
	return ssh.NewClient(c, chans, reqs), hostKey, nil
}
