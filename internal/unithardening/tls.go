package unithardening

import (
	"path"
	"strings"
)

// What ntopng_instance's tls_profile writes beside ntopng's unit: OpenSSL's configuration for
// ntopng only, and the drop-in that points OPENSSL_CONF at it. ntopng's web server (mongoose)
// creates its SSL_CTX after OpenSSL loaded its configuration, so the system_default section
// of that file applies to it; --ciphers-list, set after, wins over a CipherString there, so
// the TLS 1.2 list stays in ntopng.conf (measured on Debian 11, 12 and 13: see the
// instance's page, "HTTPS as a scanner sees it").

// TLSDropInName is the drop-in's file name in the unit's ".d" folder.
const TLSDropInName = "terraform-tls.conf"

// TLSDropInPath is where the TLS drop-in of unit lives.
func TLSDropInPath(unit string) string {
	return path.Join("/etc/systemd/system", unit+".d", TLSDropInName)
}

// OpenSSLConfPath is OpenSSL's configuration for the ntopng of unit: root's, in /etc/ssl
// (ntop's package gives /etc/ntopng to ntopng's account on every install).
func OpenSSLConfPath(unit string) string {
	return path.Join("/etc/ssl", strings.TrimSuffix(unit, ".service")+"-openssl.cnf")
}

// OpenSSLConfMode is the mode of both files (owner root).
const OpenSSLConfMode = 0o644

// RenderTLSDropIn is the drop-in that gives ntopng OpenSSL's configuration at conf.
func RenderTLSDropIn(conf string) []byte {
	return []byte("# Written by terraform-provider-ntopng (ntopng_instance tls_profile): OpenSSL's configuration for ntopng.\n" +
		"# Edits are drift and are put back by the next apply.\n" +
		"[Service]\nEnvironment=OPENSSL_CONF=" + conf + "\n")
}

// TLSProperties are the `systemctl show` properties the TLS read asks for.
func TLSProperties() []string { return []string{"Environment"} }

// OpenSSLConfIn: the unit's environment (props, from systemctl show) sets OPENSSL_CONF to conf.
// The last assignment wins, as in the process's environment.
func OpenSSLConfIn(props map[string]string, conf string) bool {
	var got string
	for _, kv := range strings.Fields(props["Environment"]) {
		if v, ok := strings.CutPrefix(kv, "OPENSSL_CONF="); ok {
			got = v
		}
	}
	return got == conf
}

// TLSPaths are the files tls_profile writes for unit, for on_destroy = "restore".
func TLSPaths(unit string) []string {
	return []string{TLSDropInPath(unit), OpenSSLConfPath(unit)}
}
