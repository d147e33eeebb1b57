// Package tlsciphers is what the provider knows of OpenSSL's TLS ciphers and of the TLS
// profiles of ntopng_instance: OpenSSL's cipher names with their key exchange and
// encryption (table.go), the checks of a hand-written TLS 1.2 list, the OpenSSL
// configuration a profile gives ntopng, the client hellos that probe what a server really
// negotiates (hello.go) and what each profile promises (observed.go). Pure: no SSH, no cgo.
package tlsciphers

import (
	"fmt"
	"slices"
	"strings"
)

// Cipher is one TLS 1.2 (or older) cipher as OpenSSL lists it.
type Cipher struct {
	Name string // OpenSSL's name: "ECDHE-RSA-AES128-GCM-SHA256"
	ID   uint16 // its IANA number
	// OpenSSL's columns: Kx (key exchange: "ECDH" and "DH" are ephemeral), Au (authentication),
	// Enc (encryption) and Mac ("AEAD" for an AEAD cipher).
	Kx, Au, Enc, Mac string
}

// ForwardSecret: the key exchange is ephemeral (ECDHE or DHE; OpenSSL 1.1.0 and later have no
// static DH).
func (c Cipher) ForwardSecret() bool { return c.Kx == "ECDH" || c.Kx == "DH" }

// AEAD: the cipher authenticates its records itself (GCM, CCM, ChaCha20-Poly1305), no CBC
// with a MAC (Lucky13).
func (c Cipher) AEAD() bool { return c.Mac == "AEAD" }

// certificateBased: the server authenticates with its certificate (RSA, ECDSA or DSS), as
// ntopng does; anonymous, PSK and SRP ciphers need what ntopng never sets up.
func (c Cipher) certificateBased() bool {
	return c.Au == "RSA" || c.Au == "ECDSA" || c.Au == "DSS"
}

// Lookup finds a cipher by its OpenSSL name (case-sensitive, as OpenSSL matches it).
func Lookup(name string) (Cipher, bool) {
	i := slices.IndexFunc(table, func(c Cipher) bool { return c.Name == name })
	if i < 0 {
		return Cipher{}, false
	}
	return table[i], true
}

// ByID finds a cipher by its IANA number.
func ByID(id uint16) (Cipher, bool) {
	i := slices.IndexFunc(table, func(c Cipher) bool { return c.ID == id })
	if i < 0 {
		return Cipher{}, false
	}
	return table[i], true
}

// Name is the OpenSSL name of a TLS 1.2 cipher or TLS 1.3 suite number, or its number in hex.
func Name(id uint16) string {
	if c, ok := ByID(id); ok {
		return c.Name
	}
	for i, s := range tls13 {
		if tls13IDs[i] == id {
			return s
		}
	}
	return fmt.Sprintf("0x%04X", id)
}

// tls13IDs are the numbers of tls13, in its order.
var tls13IDs = []uint16{0x1302, 0x1303, 0x1301, 0x1304, 0x1305}

// All are the ciphers of the table, for tests that compare it with an OpenSSL.
func All() []Cipher { return slices.Clone(table) }

// Check says what is wrong with name as an element of tls_ciphers ("" when nothing): a name
// OpenSSL does not know (it would skip it silently), cipher-string syntax, a TLS 1.3 suite, a
// cipher ntopng cannot use, or one without forward secrecy or AEAD.
func Check(name string) string {
	if slices.Contains(tls13, name) {
		return "is a TLS 1.3 suite: tls_ciphers is the TLS 1.2 list; the TLS 1.3 suites are the profile's"
	}
	c, ok := Lookup(name)
	if !ok {
		if strings.ContainsAny(name, ":+!@, ") || strings.HasPrefix(name, "-") || !strings.Contains(name, "-") {
			return "is OpenSSL cipher-string syntax (like HIGH, ECDHE+AESGCM or !aNULL), not a cipher name: give each cipher by " +
				"its OpenSSL name, like \"ECDHE-RSA-AES128-GCM-SHA256\""
		}
		return "is no TLS 1.2 cipher OpenSSL knows (OpenSSL would skip it silently): names are OpenSSL's, like " +
			"\"ECDHE-RSA-AES128-GCM-SHA256\" (`openssl ciphers -v` lists them)"
	}
	switch {
	case !c.certificateBased():
		return fmt.Sprintf("authenticates with %s, not a certificate: ntopng cannot use it", c.Au)
	case !c.ForwardSecret():
		return fmt.Sprintf("has no forward secrecy (key exchange %s: whoever gets the server's key later reads every recorded session)", c.Kx)
	case !c.AEAD():
		return fmt.Sprintf("is not AEAD (%s with a %s MAC: CBC, which scanners flag for Lucky13)", c.Enc, c.Mac)
	}
	return ""
}
