package provider

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
)

// endpointNotes remembers, for one provider process (one plan or apply), the https_listen of
// every ntopng_instance and the verify_endpoint of every ntopng_tls_cert per host, so that the
// second of the two to be planned can warn when the certificate check would look at an
// address where ntopng does not serve HTTPS: such a check silently checks nothing (or another
// server). Terraform plans ntopng_tls_cert first when ntopng_instance.cert_path refers to it.
type endpointNotes struct {
	mu       sync.Mutex
	listens  map[string][]string // host -> https_listen values
	verifies map[string][]string // host -> verify_endpoint values
}

// noteHTTPSListen records an instance's https_listen on host and returns a warning for each
// verify_endpoint already noted on host that it does not serve.
func (n *endpointNotes) noteHTTPSListen(host, listen string) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.listens == nil {
		n.listens = map[string][]string{}
	}
	n.listens[host] = append(n.listens[host], listen)
	var warnings []string
	for _, ep := range n.verifies[host] {
		if w := endpointWarning(host, ep, n.listens[host]); w != "" {
			warnings = append(warnings, w)
		}
	}
	return warnings
}

// noteVerifyEndpoint records a certificate's verify_endpoint on host and returns a warning when
// instances were already noted on host and none serves HTTPS there.
func (n *endpointNotes) noteVerifyEndpoint(host, ep string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.verifies == nil {
		n.verifies = map[string][]string{}
	}
	n.verifies[host] = append(n.verifies[host], ep)
	return endpointWarning(host, ep, n.listens[host])
}

// endpointWarning is "" when listens is empty (no instance known on the host) or one of them
// serves ep.
func endpointWarning(host, ep string, listens []string) string {
	if len(listens) == 0 {
		return ""
	}
	for _, l := range listens {
		if servesEndpoint(l, ep) {
			return ""
		}
	}
	return fmt.Sprintf("ntopng_tls_cert's verify_endpoint = %q on %s matches no https_listen of an ntopng_instance on the "+
		"same host (%s): the served-certificate check would look where ntopng does not serve HTTPS, and check nothing "+
		"or another server. Set verify_endpoint to https_listen's address and port (\"127.0.0.1:PORT\" when "+
		"https_listen is \"PORT\" or \":PORT\").", ep, host, `"`+strings.Join(listens, `", "`)+`"`)
}

// servesEndpoint reports whether an HTTPS server listening at listen (https_listen syntax)
// answers at ep (HOST:PORT as reached from the host). A host name in ep cannot be judged and
// counts as served.
func servesEndpoint(listen, ep string) bool {
	l, err := ntopngconf.ParseListen(listen)
	if err != nil || l.Disabled {
		return err != nil // an invalid value has its own error
	}
	h, p, err := net.SplitHostPort(ep)
	if err != nil {
		return true // verify_endpoint has its own error
	}
	if port, err := strconv.Atoi(p); err != nil || port != l.Port {
		return false
	}
	addr, err := netip.ParseAddr(h)
	if err != nil {
		return true // a name
	}
	addr = addr.Unmap()
	switch {
	case l.Loopback:
		return addr == netip.MustParseAddr("127.0.0.1")
	case l.Address == "" || l.Address == "0.0.0.0":
		return addr.Is4()
	case l.Address == "[::]":
		return true // on Linux an IPv6 wildcard socket takes IPv4 too (bindv6only = 0)
	}
	want, err := netip.ParseAddr(strings.Trim(l.Address, "[]"))
	return err == nil && want == addr
}
