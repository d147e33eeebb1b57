// Package pembundle checks and renders ntopng's HTTPS certificate file.
//
// ntopng reads one PEM file, <httpdocs>/ssl/ntopng-cert.pem, holding the
// unencrypted private key, then the leaf certificate, then the intermediates.
// Check validates the three parts a user supplies before anything is written
// to a host, Render produces the file, and ParseFile reads a file back from a
// host to detect drift. The package is pure: no Terraform, no SSH.
//
// Ed25519 keys are refused: browsers (Chrome, Firefox, Safari) do not accept
// Ed25519 server certificates, so an ntopng web interface using one would be
// unreachable even where its TLS library could load the key.
package pembundle

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"time"
)

// Attribute names that a Problem can point at.
const (
	FieldCertificate = "certificate_pem"
	FieldChain       = "ca_chain_pem"
	FieldKey         = "private_key_pem"
)

// Problem is one finding of Check, tied to the attribute at fault.
type Problem struct {
	// Field is FieldCertificate, FieldChain or FieldKey.
	Field string
	// Summary is a short title, for example "Encrypted Private Key".
	Summary string
	// Detail says what is wrong and what to do about it. It never quotes the
	// content of the private key.
	Detail string
	// Warning is true for risky but usable input; false means an error.
	Warning bool
}

// Bundle is a checked certificate bundle, ready to render.
type Bundle struct {
	// Leaf is the server certificate.
	Leaf *x509.Certificate
	// Chain holds the intermediates, the leaf's issuer first.
	Chain []*x509.Certificate
	// KeyPEM is the unencrypted private key as given (same PEM type), re-encoded
	// without headers or surrounding text. It is nil when Check got no key.
	KeyPEM []byte
}

// Render returns the file ntopng reads: the key, the leaf, then the chain,
// each PEM block ending with a newline, nothing else. The output depends only
// on the bundle's content. Leaf must not be nil (Check never returns one so).
func (b *Bundle) Render() []byte {
	var buf bytes.Buffer
	buf.Write(b.KeyPEM)
	buf.Write(certPEM(b.Leaf))
	for _, c := range b.Chain {
		buf.Write(certPEM(c))
	}
	return buf.Bytes()
}

func certPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// Check parses and checks a leaf certificate, its intermediates (chainPEM,
// leaf-issuer first, may be empty) and its private key. keyPEM may be "" when
// the key is not known yet (plan time): the key checks are then skipped.
// now is the time validity is judged at; a leaf or intermediate with fewer
// than minDaysRemaining days left gives a warning (0 disables the warning).
//
// The Bundle is nil when any Problem is an error; warnings alone still give
// a Bundle.
func Check(certPEM, chainPEM, keyPEM string, now time.Time, minDaysRemaining int) (*Bundle, []Problem) {
	c := &checker{now: now, minDays: minDaysRemaining}
	leaf := c.parseLeaf(certPEM)
	chain, chainOK := c.parseChain(chainPEM)
	var key *privateKey
	if keyPEM != "" {
		key = c.parseKey(keyPEM)
	}

	if leaf != nil {
		c.checkLeaf(leaf)
	}
	for i, ch := range chain {
		c.checkValidity(FieldChain, fmt.Sprintf("ca_chain_pem[%d] (%s)", i, describe(ch)), ch)
	}
	if leaf != nil && chainOK {
		c.checkLinks(leaf, chain)
	}
	if key != nil {
		c.checkKey(key, leaf)
	}

	for _, p := range c.problems {
		if !p.Warning {
			return nil, c.problems
		}
	}
	b := &Bundle{Leaf: leaf, Chain: chain}
	if key != nil {
		b.KeyPEM = pem.EncodeToMemory(key.block)
	}
	return b, c.problems
}

// checker collects the problems found by Check.
type checker struct {
	now      time.Time
	minDays  int
	problems []Problem
}

func (c *checker) fail(field, summary, format string, args ...any) {
	c.problems = append(c.problems, Problem{Field: field, Summary: summary, Detail: fmt.Sprintf(format, args...)})
}

func (c *checker) warn(field, summary, format string, args ...any) {
	c.problems = append(c.problems, Problem{Field: field, Summary: summary, Detail: fmt.Sprintf(format, args...), Warning: true})
}

// parseLeaf returns the one certificate of certificate_pem, or nil after
// recording why there is none.
func (c *checker) parseLeaf(text string) *x509.Certificate {
	certs, ok := c.parseCerts(FieldCertificate, text)
	if !ok {
		return nil
	}
	switch len(certs) {
	case 0:
		c.fail(FieldCertificate, "No Certificate",
			"certificate_pem holds no CERTIFICATE block. Paste the server certificate in PEM form (-----BEGIN CERTIFICATE-----).")
		return nil
	case 1:
		return certs[0]
	default:
		c.fail(FieldCertificate, "More Than One Certificate",
			"certificate_pem holds %d certificates; it must hold only the server (leaf) certificate. "+
				"Put the intermediates in ca_chain_pem, the leaf's issuer first.", len(certs))
		return nil
	}
}

// parseChain returns the certificates of ca_chain_pem; ok is false when a
// problem was recorded.
func (c *checker) parseChain(text string) ([]*x509.Certificate, bool) {
	if len(bytes.TrimSpace([]byte(text))) == 0 {
		return nil, true
	}
	certs, ok := c.parseCerts(FieldChain, text)
	if ok && len(certs) == 0 {
		c.fail(FieldChain, "No Certificate",
			"ca_chain_pem holds no CERTIFICATE block. Paste the intermediate certificates in PEM form, or leave ca_chain_pem empty.")
		return nil, false
	}
	return certs, ok
}

// parseCerts decodes every block of a certificate attribute.
func (c *checker) parseCerts(field, text string) ([]*x509.Certificate, bool) {
	blocks, bad := decodeStrict([]byte(text), false)
	if bad != "" {
		c.fail(field, "Invalid PEM", "%s is not valid PEM: %s. Paste the certificate file as it is, "+
			"from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.", field, bad)
		return nil, false
	}
	if len(blocks) == 0 {
		c.fail(field, "No Certificate", "%s holds no CERTIFICATE block (it is empty). Paste the certificate in PEM form.", field)
		return nil, false
	}
	var certs []*x509.Certificate
	ok := true
	for i, b := range blocks {
		if b.Type != "CERTIFICATE" {
			c.fail(field, "Not a Certificate", "%s block %d is a %q block, not a CERTIFICATE block. %s",
				field, i+1, b.Type, whereBelongs(b.Type))
			ok = false
			continue
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			c.fail(field, "Certificate Does Not Parse",
				"%s block %d is a CERTIFICATE block that does not parse (%v). Check that it was copied whole.", field, i+1, err)
			ok = false
			continue
		}
		certs = append(certs, cert)
	}
	return certs, ok
}

// whereBelongs tells the user where a misplaced PEM block type goes.
func whereBelongs(typ string) string {
	switch {
	case typ == "TRUSTED CERTIFICATE":
		return "Convert it to a plain certificate: openssl x509 -in cert.pem -out plain.pem."
	case isKeyType(typ):
		return "The private key belongs in private_key_pem."
	default:
		return "Only certificates belong here."
	}
}

// checkLeaf checks the leaf's validity period, names, usage and key.
func (c *checker) checkLeaf(leaf *x509.Certificate) {
	c.checkValidity(FieldCertificate, "the certificate ("+describe(leaf)+")", leaf)
	if len(leaf.DNSNames) == 0 && len(leaf.IPAddresses) == 0 {
		c.warn(FieldCertificate, "Certificate Has No Subject Alternative Name",
			"The certificate (%s) has no DNS name or IP address in its Subject Alternative Name extension. "+
				"Browsers ignore the Common Name and reject such certificates: issue one with the host names "+
				"or addresses users type to reach ntopng.", describe(leaf))
	}
	if len(leaf.ExtKeyUsage) > 0 && !hasServerAuth(leaf) {
		c.warn(FieldCertificate, "Certificate Not For TLS Servers",
			"The certificate (%s) has an extended key usage without TLS server authentication (serverAuth): "+
				"browsers reject it for HTTPS. Issue a certificate with the serverAuth usage.", describe(leaf))
	}
	if msg, warning := judgeKey(leaf.PublicKey); msg != "" {
		summary := "Unsuitable Certificate Key"
		detail := fmt.Sprintf("The certificate's public key is %s", msg)
		if warning {
			c.warn(FieldCertificate, summary, "%s", detail)
		} else {
			c.fail(FieldCertificate, summary, "%s", detail)
		}
	}
}

func hasServerAuth(c *x509.Certificate) bool {
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageServerAuth || u == x509.ExtKeyUsageAny {
			return true
		}
	}
	return false
}

// checkValidity reports an expired, not yet valid or soon expiring certificate.
func (c *checker) checkValidity(field, name string, cert *x509.Certificate) {
	notAfter := cert.NotAfter.UTC().Format(time.RFC3339)
	switch {
	case c.now.After(cert.NotAfter):
		c.fail(field, "Certificate Expired",
			"%s expired at %s (not_after). Renew it and supply the new certificate.", name, notAfter)
	case c.now.Before(cert.NotBefore):
		c.fail(field, "Certificate Not Yet Valid",
			"%s is not valid before %s (not_before); browsers would reject it until then. "+
				"Check the clock of the machine that issued it, or wait.", name, cert.NotBefore.UTC().Format(time.RFC3339))
	default:
		days := int(cert.NotAfter.Sub(c.now) / (24 * time.Hour))
		if days < c.minDays {
			c.warn(field, "Certificate Expires Soon",
				"%s expires in %d days (not_after %s), fewer than the %d days asked for. Renew it soon.",
				name, days, notAfter, c.minDays)
		}
	}
}

// checkLinks checks that the leaf is signed by chain[0] and chain[i] by
// chain[i+1].
func (c *checker) checkLinks(leaf *x509.Certificate, chain []*x509.Certificate) {
	child, childName := leaf, "the certificate ("+describe(leaf)+")"
	for i, parent := range chain {
		if parent.Equal(leaf) {
			c.fail(FieldChain, "Chain Holds the Leaf",
				"ca_chain_pem[%d] is the server certificate itself. Remove it: ca_chain_pem holds only the intermediates, "+
					"the leaf's issuer first.", i)
			return
		}
		if why := linkError(child, parent); why != "" {
			hint := ""
			for j, other := range chain {
				if j != i && linkError(child, other) == "" {
					hint = fmt.Sprintf(" ca_chain_pem[%d] (%s) is the one that signed it: move it to position %d.", j, describe(other), i)
					break
				}
			}
			c.fail(FieldChain, "Chain Does Not Link",
				"ca_chain_pem[%d] (%s) did not sign %s: %s. The order must be leaf-issuer first: ca_chain_pem[0] signs the "+
					"certificate, and each following certificate signs the one before it.%s",
				i, describe(parent), childName, why, hint)
			return
		}
		child, childName = parent, fmt.Sprintf("ca_chain_pem[%d] (%s)", i, describe(parent))
	}
}

// linkError says why parent did not sign child, or "" when it did.
func linkError(child, parent *x509.Certificate) string {
	if !bytes.Equal(child.RawIssuer, parent.RawSubject) {
		return fmt.Sprintf("the issuer name %q is not its subject name", child.Issuer.String())
	}
	if err := child.CheckSignatureFrom(parent); err != nil {
		return fmt.Sprintf("the signature does not verify (%v)", err)
	}
	return ""
}

// describe names a certificate for a message.
func describe(c *x509.Certificate) string {
	return fmt.Sprintf("subject %q", c.Subject.String())
}
