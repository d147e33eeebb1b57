package audit

import (
	"fmt"
	"slices"
	"strings"
)

// TLS is what ntopng's HTTPS server negotiated with the probes of a read (client hellos sent
// from the host: TLS 1.1; TLS 1.2 with only ciphers without forward secrecy; only CBC ones;
// Mozilla's intermediate list in its order and reversed; TLS 1.3).
type TLS struct {
	// Checked is false when nothing was asked or nothing answered (Why says which).
	Checked  bool
	Why      string
	Endpoint string
	// Protocols are the versions that took a hello ("TLSv1.1", "TLSv1.2", "TLSv1.3").
	Protocols []string
	// NoForwardSecrecy and NotAEAD are what the server took from the weak hellos ("" none).
	NoForwardSecrecy, NotAEAD string
	// Chosen is the server's choice from the list in its order; ServerOrder whether it chose
	// the same from the list reversed (nil: TLS 1.2 refused it).
	Chosen      string
	ServerOrder *bool
}

const tlsRemediation = "ntopng_instance.tls_profile = \"intermediate\" (the default) or \"modern\"; apply it"

func init() {
	Checks = append(Checks,
		Check{ID: "tls_protocols", Severity: High, Title: "HTTPS speaks TLS 1.2 and 1.3 only (TLS 1.1 and lower refused, TLS 1.3 on)",
			Remediation: tlsRemediation, Run: checkTLSProtocols},
		Check{ID: "tls_forward_secrecy", Severity: High, Title: "HTTPS refuses TLS 1.2 ciphers without forward secrecy (RSA key exchange)",
			Remediation: tlsRemediation, Run: checkTLSForwardSecrecy},
		Check{ID: "tls_aead_only", Severity: Medium, Title: "HTTPS refuses TLS 1.2 CBC ciphers (AEAD only)",
			Remediation: tlsRemediation, Run: checkTLSAEAD},
		Check{ID: "tls_server_order", Severity: Medium, Title: "HTTPS picks the TLS 1.2 cipher in the server's order, not the client's",
			Remediation: tlsRemediation + " (the order needs OpenSSL's configuration, which ntopng gets from its systemd unit)", Run: checkTLSOrder},
	)
}

func tlsNotChecked(t TLS) (Finding, bool) {
	if t.Checked {
		return Finding{}, false
	}
	return na("HTTPS was not probed", t.Why), true
}

func (t TLS) evidence() string {
	p := "none"
	if len(t.Protocols) > 0 {
		p = strings.Join(t.Protocols, ", ")
	}
	return fmt.Sprintf("probes to %s: protocols that took a hello: %s", t.Endpoint, p)
}

func checkTLSProtocols(f Facts) Finding {
	t := f.TLS
	if fd, ok := tlsNotChecked(t); ok {
		return fd
	}
	var old []string
	for _, p := range t.Protocols {
		if p != "TLSv1.2" && p != "TLSv1.3" {
			old = append(old, p)
		}
	}
	switch {
	case len(old) > 0:
		return fail(strings.Join(old, ", ")+" accepted: a scanner flags it", t.evidence())
	case !slices.Contains(t.Protocols, "TLSv1.3"):
		return fail("TLS 1.3 refused", t.evidence())
	}
	return pass("TLS 1.1 and lower refused, TLS 1.3 on", t.evidence())
}

func checkTLSForwardSecrecy(f Facts) Finding {
	return checkWeakTLS(f.TLS, f.TLS.NoForwardSecrecy, "only RSA key exchange",
		"without forward secrecy: whoever gets the key later reads every recorded session", "ciphers without forward secrecy")
}

func checkTLSAEAD(f Facts) Finding {
	return checkWeakTLS(f.TLS, f.TLS.NotAEAD, "only forward-secret CBC ciphers", "a CBC cipher (scanners flag Lucky13)", "CBC ciphers")
}

// checkWeakTLS: the hello offering only (weak ciphers) got taken (the cipher, "" when refused).
func checkWeakTLS(t TLS, taken, only, why, refused string) Finding {
	if fd, ok := tlsNotChecked(t); ok {
		return fd
	}
	if taken != "" {
		return fail("TLS 1.2 accepts "+taken+", "+why, fmt.Sprintf("a TLS 1.2 hello offering %s got %s from %s", only, taken, t.Endpoint))
	}
	return pass("TLS 1.2 refuses "+refused, fmt.Sprintf("a TLS 1.2 hello offering %s was refused by %s", only, t.Endpoint))
}

func checkTLSOrder(f Facts) Finding {
	t := f.TLS
	if fd, ok := tlsNotChecked(t); ok {
		return fd
	}
	if t.ServerOrder == nil {
		return na("the order could not be probed: TLS 1.2 refused the intermediate list", t.evidence())
	}
	if !*t.ServerOrder {
		return fail("the client picks the TLS 1.2 cipher", fmt.Sprintf("%s chose %s from the intermediate list in its order and another from it reversed", t.Endpoint, t.Chosen))
	}
	return pass("the server picks the TLS 1.2 cipher", fmt.Sprintf("%s chose %s from the intermediate list in both orders", t.Endpoint, t.Chosen))
}
