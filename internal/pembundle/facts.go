package pembundle

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"time"
)

// Fingerprint returns the lowercase hex SHA-256 of the certificate's DER
// encoding, without colons ("" for nil).
func Fingerprint(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	return sha256Hex(c.Raw)
}

// PublicKeyFingerprint returns the lowercase hex SHA-256 of the key's PKIX
// SubjectPublicKeyInfo DER encoding, or "" for a key type that has none.
func PublicKeyFingerprint(pub crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	return sha256Hex(der)
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Facts are the facts about a certificate that go into the Terraform state.
type Facts struct {
	// FingerprintSHA256 is Fingerprint of the certificate.
	FingerprintSHA256 string
	// PublicKeyFingerprintSHA256 is PublicKeyFingerprint of its public key.
	PublicKeyFingerprintSHA256 string
	// Subject is the RFC 2253 form of the subject, as Subject.String() gives.
	Subject string
	// NotAfter is the end of validity, RFC 3339 in UTC.
	NotAfter string
	// DNSNames are the DNS names of the Subject Alternative Name; never nil.
	DNSNames []string
	// IPAddresses are the IP addresses of the Subject Alternative Name, in
	// net.IP.String form; never nil.
	IPAddresses []string
}

// FactsOf returns the facts of a certificate, which must not be nil.
func FactsOf(c *x509.Certificate) Facts {
	f := Facts{
		FingerprintSHA256:          Fingerprint(c),
		PublicKeyFingerprintSHA256: PublicKeyFingerprint(c.PublicKey),
		Subject:                    c.Subject.String(),
		NotAfter:                   c.NotAfter.UTC().Format(time.RFC3339),
		DNSNames:                   append([]string{}, c.DNSNames...),
		IPAddresses:                []string{},
	}
	for _, ip := range c.IPAddresses {
		f.IPAddresses = append(f.IPAddresses, ip.String())
	}
	return f
}

// FileFacts are the facts of a certificate file read back from a host.
// A value is empty when the file does not hold the part it describes.
type FileFacts struct {
	// LeafFingerprintSHA256 is the SHA-256 of the first certificate's DER.
	LeafFingerprintSHA256 string
	// KeyPublicFingerprintSHA256 is PublicKeyFingerprint of the public half of
	// the first readable unencrypted private key; "" if there is none.
	KeyPublicFingerprintSHA256 string
	// KeyMatchesLeaf is true when that key belongs to the first certificate.
	KeyMatchesLeaf bool
	// ChainFingerprints are the SHA-256 of the DER of the other certificates,
	// in file order; never nil.
	ChainFingerprints []string
}

// ParseFile reads the facts of a certificate file as found on a host. It is
// tolerant so that a damaged file shows up as drift: text outside PEM blocks
// is skipped, and a part that does not parse leaves its facts empty. The only
// error is a file without any PEM block.
func ParseFile(data []byte) (*FileFacts, error) {
	facts := &FileFacts{ChainFingerprints: []string{}}
	var leafDER []byte
	var key crypto.PublicKey
	found := false
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		found = true
		switch {
		case b.Type == "CERTIFICATE" && leafDER == nil:
			leafDER = b.Bytes
			facts.LeafFingerprintSHA256 = sha256Hex(b.Bytes)
		case b.Type == "CERTIFICATE":
			facts.ChainFingerprints = append(facts.ChainFingerprints, sha256Hex(b.Bytes))
		case key == nil && parsers[b.Type] != nil && !isEncrypted(b):
			if k, err := parsers[b.Type](b.Bytes); err == nil {
				if pub, ok := publicOf(k); ok {
					key = pub
					facts.KeyPublicFingerprintSHA256 = PublicKeyFingerprint(pub)
				}
			}
		}
	}
	if !found {
		return nil, errors.New("the certificate file holds no PEM block: it is not an ntopng certificate bundle " +
			"(expected the private key, then the certificate, then intermediates); apply again to rewrite it")
	}
	if key != nil && leafDER != nil {
		if leaf, err := x509.ParseCertificate(leafDER); err == nil {
			facts.KeyMatchesLeaf = samePublicKey(key, leaf.PublicKey)
		}
	}
	return facts, nil
}
