package tlsciphers

import (
	"fmt"
	"strings"
)

// Profile is a value of ntopng_instance.tls_profile.
type Profile string

// The profiles, after Mozilla's server-side TLS guidelines (v5.7).
const (
	// Intermediate: TLS 1.2 and 1.3; on TLS 1.2 only ECDHE with AES-GCM or ChaCha20-Poly1305;
	// the server's order; no client-initiated renegotiation.
	Intermediate Profile = "intermediate"
	// Modern: TLS 1.3 only.
	Modern Profile = "modern"
	// Ntopng: ntopng's own defaults (--ciphers-list HIGH:!aNULL:!MD5:!RC4, the client's order).
	Ntopng Profile = "ntopng"
)

// Profiles lists the allowed tls_profile values, for the validator and the docs.
func Profiles() []string { return []string{string(Intermediate), string(Modern), string(Ntopng)} }

// IntermediateCiphers is Mozilla's intermediate TLS 1.2 list without its DHE cipher: ntopng
// sets no Diffie-Hellman parameters, so OpenSSL could not use it anyway. The order is the
// server's preference.
var IntermediateCiphers = []string{
	"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
	"ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
	"ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
}

// TLS13Suites and Groups are the TLS 1.3 suites and key-exchange groups the OpenSSL
// configuration sets (Mozilla's; OpenSSL 3.5 would otherwise also offer its post-quantum
// hybrid group first, which older clients do not know and which does no harm, but the list
// is the same on every release this way).
const (
	TLS13Suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
	Groups      = "X25519:prime256v1:secp384r1"
)

// CiphersList is the --ciphers-list value of profile p with the hand-written TLS 1.2 list
// custom (nil: the profile's); "" for Ntopng (the line is removed: ntopng's default).
// ntopng hands it to SSL_CTX_set_cipher_list, after OpenSSL's configuration: it wins over
// any CipherString there.
func CiphersList(p Profile, custom []string) string {
	if p == Ntopng {
		return ""
	}
	if len(custom) == 0 {
		custom = IntermediateCiphers
	}
	return strings.Join(custom, ":")
}

// Ciphers is the TLS 1.2 list of profile p with custom (nil: the profile's).
func Ciphers(p Profile, custom []string) []string {
	if len(custom) > 0 {
		return custom
	}
	return IntermediateCiphers
}

// OpenSSLConf is the OpenSSL configuration file that ntopng's unit gives it through
// OPENSSL_CONF, for what --ciphers-list cannot set: the server's order, no renegotiation, the
// TLS 1.3 suites and groups, and the lowest protocol. OpenSSL applies its system_default
// section to every SSL_CTX the process creates (ntopng's web server's, and its own HTTPS
// clients': the settings are as good for a client). nil for Ntopng.
func OpenSSLConf(p Profile) []byte {
	if p == Ntopng {
		return nil
	}
	minProto := "TLSv1.2"
	if p == Modern {
		minProto = "TLSv1.3"
	}
	var b strings.Builder
	b.WriteString("# Written by terraform-provider-ntopng (ntopng_instance tls_profile = \"" + string(p) + "\"): OpenSSL's\n")
	b.WriteString("# configuration for ntopng only (its unit sets OPENSSL_CONF to this file). Edits are drift.\n")
	b.WriteString("openssl_conf = ntopng_openssl\n\n[ntopng_openssl]\nssl_conf = ntopng_ssl\n\n[ntopng_ssl]\nsystem_default = ntopng_tls\n\n[ntopng_tls]\n")
	fmt.Fprintf(&b, "MinProtocol = %s\n", minProto)
	b.WriteString("Options = ServerPreference,NoRenegotiation\n")
	fmt.Fprintf(&b, "Ciphersuites = %s\n", TLS13Suites)
	fmt.Fprintf(&b, "Groups = %s\n", Groups)
	return []byte(b.String())
}
