package provider

import (
	"context"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/audit"
	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/tlsciphers"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// auditTLSTimeout bounds the TLS probes of an audit, all of them.
const auditTLSTimeout = 30 * time.Second

// auditTLS is what ntopng's HTTPS server negotiates, probed from the host with Mozilla's
// intermediate list (the default profile's) for the order.
func auditTLS(ctx context.Context, c *transport.Conn, eff ntopngconf.Effective) audit.TLS {
	addr := tlsEndpoint(eff)
	if addr == "" {
		return audit.TLS{Why: "ntopng serves no HTTPS (no --https-port)"}
	}
	ctx, cancel := context.WithTimeout(ctx, auditTLSTimeout)
	defer cancel()
	o, why := livecheck.ProbeTLS(ctx, c, addr, tlsciphers.IntermediateCiphers)
	if why != "" {
		return audit.TLS{Endpoint: addr, Why: why}
	}
	return audit.TLS{Checked: true, Endpoint: addr, Protocols: o.Protocols, NoForwardSecrecy: o.NoForwardSecrecy, NotAEAD: o.NotAEAD,
		Chosen: o.Chosen, ServerOrder: o.ServerOrder}
}
