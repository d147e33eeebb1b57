package livecheck

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// ServedCertificate opens addr ("192.0.2.10:443") from the host through the SSH connection
// (direct-tcpip: nothing is installed on the host) and returns the leaf certificate the TLS
// server presents. It returns nil and no error when nothing accepts the connection there
// (HTTPS not enabled yet); detail then says what the SSH server reported.
func ServedCertificate(ctx context.Context, c *transport.Conn, addr string) (leaf *x509.Certificate, detail string, err error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, "", fmt.Errorf("verify endpoint %q is not HOST:PORT: %w", addr, err)
	}
	nc, err := c.Dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err.Error(), nil
	}
	defer nc.Close()
	deadline := time.Now().Add(15 * time.Second)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = nc.SetDeadline(deadline) // honoured by the tunnel, which also closes when ctx ends
	cfg := &tls.Config{
		// Only the presented leaf is read and compared by fingerprint; trust is not the question.
		InsecureSkipVerify: true, //nolint:gosec
		MinVersion:         tls.VersionTLS12,
	}
	if net.ParseIP(host) == nil {
		cfg.ServerName = host
	}
	tc := tls.Client(nc, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, "", fmt.Errorf("TLS check of %s on %s: the TLS handshake failed: %w", addr, c.Addr(), err)
	}
	certs := tc.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return nil, "", fmt.Errorf("TLS server at %s presented no certificate", addr)
	}
	return certs[0], "", nil
}
