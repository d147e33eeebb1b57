package redishardening

import (
	"context"
	"fmt"

	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// Target is where and how the running server is asked.
type Target struct {
	Network, Addr string // "unix" and the socket, or "tcp" and 127.0.0.1:port
	Password      string // sent inside the tunnel only
	Port          int64  // the TCP port Redis must listen on (0: none)
}

// Live is what the running server showed.
type Live struct {
	AuthRequired bool // NOAUTH without a password, +OK with it
	TCPListening bool
}

// Probe asks the server through one tunnel; when INFO could not tell the TCP port (renamed
// away), the host's listening sockets are read instead.
func Probe(ctx context.Context, c *transport.Conn, t Target) (Live, livecheck.RedisStatus, error) {
	var l Live
	if t.Network == "tcp" && t.Port == 0 {
		return l, livecheck.RedisStatus{Detail: "no Unix socket and port 0: nowhere to connect", Via: "none"}, nil
	}
	st, err := livecheck.ProbeRedis(ctx, c, t.Network, t.Addr, t.Password)
	if err != nil {
		return l, st, err
	}
	l.AuthRequired = st.Reachable && st.AuthRequired && t.Password != "" && st.AuthOK
	switch {
	case st.TCPPort >= 0:
		l.TCPListening = st.TCPPort > 0
	case st.Reachable:
		ls, err := livecheck.ProcessListeners(ctx, c, "redis-server", "valkey-server")
		if err != nil {
			return l, st, fmt.Errorf("INFO did not say Redis's TCP port, and reading the listening sockets failed: %w", err)
		}
		l.TCPListening = len(ls) > 0
	}
	return l, st, nil
}

// LiveProblem says, in Redis's own words, why the server does not enforce a configuration
// whose TCP port is port; nil when it does.
func LiveProblem(l Live, st livecheck.RedisStatus, port int64) error {
	switch {
	case !st.Reachable:
		return fmt.Errorf("Redis did not answer at %s: %s", st.Via, st.Detail)
	case !st.AuthRequired:
		return fmt.Errorf("an unauthenticated PING at %s answered %q instead of -NOAUTH: Redis does not demand the password", st.Via, st.PingReply)
	case !st.AuthOK:
		return fmt.Errorf("AUTH with the configured password at %s answered %q instead of +OK", st.Via, st.AuthReply)
	case l.TCPListening != (port != 0):
		if l.TCPListening {
			return fmt.Errorf("Redis listens on TCP port %d although port = 0", st.TCPPort)
		}
		return fmt.Errorf("Redis does not listen on TCP port %d", port)
	case st.TCPPort > 0 && int64(st.TCPPort) != port:
		return fmt.Errorf("Redis listens on TCP port %d, not %d", st.TCPPort, port)
	}
	return nil
}

// Check probes t and says why the server does not enforce it: the probe's error, or
// LiveProblem's.
func Check(ctx context.Context, c *transport.Conn, t Target) (Live, error) {
	l, st, err := Probe(ctx, c, t)
	if err != nil {
		return l, err
	}
	return l, LiveProblem(l, st, t.Port)
}

// NotEnforcedError is a live check that failed although the file was already as desired
// and nothing was restarted.
type NotEnforcedError struct{ Err error }

func (e *NotEnforcedError) Error() string { return e.Err.Error() }

// Unwrap returns the check's error.
func (e *NotEnforcedError) Unwrap() error { return e.Err }
