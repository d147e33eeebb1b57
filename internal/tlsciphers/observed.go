package tlsciphers

import (
	"fmt"
	"slices"
)

// The probes a read offers a server, each one client hello on a connection of its own.
const (
	ProbeTLS11   = "TLS 1.1"                         // a TLS 1.1 hello: a hardened server refuses it
	ProbeNoFS    = "TLS 1.2 without forward secrecy" // only RSA key exchange
	ProbeCBC     = "TLS 1.2 CBC"                     // only forward-secret CBC ciphers
	ProbeOrder   = "TLS 1.2"                         // the profile's list in its order: must be taken
	ProbeReverse = "TLS 1.2 reversed"                // the same list reversed: the server's order?
	ProbeTLS13   = "TLS 1.3"
)

// Probe is one named hello.
type Probe struct {
	Name  string
	Hello Hello
}

// Probes are the hellos that tell what a server negotiates, for the TLS 1.2 list ciphers
// (the profile's, or tls_ciphers).
func Probes(ciphers []string) []Probe {
	var pre12, noFS, cbc, list []uint16
	for _, c := range table {
		if !c.certificateBased() || c.Enc == "None" {
			continue
		}
		if !c.AEAD() && c.Mac == "SHA1" {
			pre12 = append(pre12, c.ID)
		}
		switch {
		case !c.ForwardSecret():
			noFS = append(noFS, c.ID)
		case !c.AEAD():
			cbc = append(cbc, c.ID)
		}
	}
	for _, n := range ciphers {
		if c, ok := Lookup(n); ok {
			list = append(list, c.ID)
		}
	}
	reversed := slices.Clone(list)
	slices.Reverse(reversed)
	return []Probe{
		{ProbeTLS11, Hello{VersionTLS11, pre12}},
		{ProbeNoFS, Hello{VersionTLS12, noFS}},
		{ProbeCBC, Hello{VersionTLS12, cbc}},
		{ProbeOrder, Hello{VersionTLS12, list}},
		{ProbeReverse, Hello{VersionTLS12, reversed}},
		{ProbeTLS13, Hello{Version: VersionTLS13}},
	}
}

// Observed is what a server negotiated with the probes.
type Observed struct {
	// Protocols are the versions that took a hello: "TLSv1.1" (or lower), "TLSv1.2", "TLSv1.3".
	Protocols []string
	// NoForwardSecrecy and NotAEAD are the ciphers the server chose from the hellos offering
	// only ciphers without forward secrecy, or only CBC ones ("" when it refused them).
	NoForwardSecrecy, NotAEAD string
	// Chosen is what the server chose from the list in its order ("" refused); ServerOrder
	// whether it chose the same from the list reversed (nil when either was refused).
	Chosen      string
	ServerOrder *bool
}

// Observe sums up the replies, by probe name.
func Observe(replies map[string]Reply) Observed {
	var o Observed
	chosen := func(name string) string {
		if r := replies[name]; r.Accepted {
			return Name(r.Cipher)
		}
		return ""
	}
	if r := replies[ProbeTLS11]; r.Accepted {
		o.Protocols = append(o.Protocols, VersionName(r.Version))
	}
	for _, n := range []string{ProbeOrder, ProbeReverse, ProbeNoFS, ProbeCBC} {
		if r := replies[n]; r.Accepted && r.Version == VersionTLS12 {
			o.Protocols = append(o.Protocols, "TLSv1.2")
			break
		}
	}
	if r := replies[ProbeTLS13]; r.Accepted && r.Version == VersionTLS13 {
		o.Protocols = append(o.Protocols, "TLSv1.3")
	}
	o.NoForwardSecrecy, o.NotAEAD, o.Chosen = chosen(ProbeNoFS), chosen(ProbeCBC), chosen(ProbeOrder)
	if rev := chosen(ProbeReverse); o.Chosen != "" && rev != "" {
		same := rev == o.Chosen
		o.ServerOrder = &same
	}
	return o
}

// Deviations are the ways o differs from what profile p promises (none for Ntopng, which
// promises nothing). orderSettable: the host can be given the server's order (systemd runs
// there, so OpenSSL's configuration reaches ntopng); without, the client's order is no
// deviation.
func (p Profile) Deviations(o Observed, orderSettable bool) []string {
	if p == Ntopng {
		return nil
	}
	var out []string
	has := func(v string) bool { return slices.Contains(o.Protocols, v) }
	for _, v := range o.Protocols {
		if v != "TLSv1.2" && v != "TLSv1.3" {
			out = append(out, v+" accepted")
		}
	}
	if !has("TLSv1.3") {
		out = append(out, "TLS 1.3 refused")
	}
	if p == Modern {
		if has("TLSv1.2") {
			out = append(out, "TLS 1.2 accepted")
		}
		return out
	}
	if o.Chosen == "" {
		out = append(out, "TLS 1.2 refused the profile's ciphers")
	}
	if o.NoForwardSecrecy != "" {
		out = append(out, fmt.Sprintf("TLS 1.2 accepted %s, which has no forward secrecy", o.NoForwardSecrecy))
	}
	if o.NotAEAD != "" {
		out = append(out, fmt.Sprintf("TLS 1.2 accepted %s, which is not AEAD (CBC)", o.NotAEAD))
	}
	if orderSettable && o.ServerOrder != nil && !*o.ServerOrder {
		out = append(out, "TLS 1.2 follows the client's order, not the server's")
	}
	return out
}
