package audit

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"

	"github.com/hardenops/terraform-provider-ntopng/internal/pembundle"
)

// CertOf is the facts of the certificate file fi holding data (the first certificate; the file
// also holds the private key, of which only whether it matches the leaf is kept).
func CertOf(fi File, data []byte) Cert {
	cf := Cert{File: fi}
	if !fi.Exists {
		return cf
	}
	for rest := data; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		leaf, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			break
		}
		cf.Parsed, cf.Subject, cf.Issuer, cf.NotAfter = true, leaf.Subject.String(), leaf.Issuer.String(), leaf.NotAfter
		// Issuer equal to subject: ntop's package signs with SHA-1, which Go refuses to verify,
		// so the signature itself is not checked here.
		cf.SelfSigned = bytes.Equal(leaf.RawSubject, leaf.RawIssuer)
		cf.WeakSignature = leaf.SignatureAlgorithm == x509.SHA1WithRSA || leaf.SignatureAlgorithm == x509.ECDSAWithSHA1 ||
			leaf.SignatureAlgorithm == x509.MD5WithRSA
		break
	}
	if pf, err := pembundle.ParseFile(data); err == nil {
		cf.KeyMatchesLeaf = pf.KeyMatchesLeaf
	}
	return cf
}
