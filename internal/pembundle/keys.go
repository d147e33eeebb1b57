package pembundle

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
)

// privateKey is the parsed key of private_key_pem.
type privateKey struct {
	// block is the key's PEM block without headers.
	block *pem.Block
	pub   crypto.PublicKey
}

// The PEM types of unencrypted private keys that OpenSSL reads.
const (
	typePKCS1 = "RSA PRIVATE KEY"
	typePKCS8 = "PRIVATE KEY"
	typeSEC1  = "EC PRIVATE KEY"
)

// parsers holds the parser of each unencrypted key type.
var parsers = map[string]func([]byte) (any, error){
	typePKCS1: func(der []byte) (any, error) { return x509.ParsePKCS1PrivateKey(der) },
	typePKCS8: x509.ParsePKCS8PrivateKey,
	typeSEC1:  func(der []byte) (any, error) { return x509.ParseECPrivateKey(der) },
}

const encryptedDetail = "private_key_pem holds an encrypted private key. ntopng cannot read an encrypted key " +
	"(it has no way to ask for the passphrase) and would not serve HTTPS. Decrypt it first: " +
	"openssl pkey -in key.pem -out key-plain.pem (it asks for the passphrase), then supply key-plain.pem."

func isKeyType(typ string) bool {
	return strings.HasSuffix(typ, "PRIVATE KEY")
}

// isEncrypted reports a key block encrypted either way OpenSSL writes them.
func isEncrypted(b *pem.Block) bool {
	_, dek := b.Headers["DEK-Info"]
	return b.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") || dek
}

// parseKey returns the one private key of private_key_pem, or nil after
// recording why there is none. Messages never quote the key.
func (c *checker) parseKey(text string) *privateKey {
	blocks, bad := decodeStrict([]byte(text), true)
	if bad != "" {
		c.fail(FieldKey, "Invalid PEM", "private_key_pem is not valid PEM: %s. Paste the key file as it is, "+
			"from its -----BEGIN line to its -----END line.", bad)
		return nil
	}
	var keys []*pem.Block
	for i, b := range blocks {
		switch {
		case b.Type == "EC PARAMETERS":
			// Written by "openssl ecparam -genkey" before the key; OpenSSL skips it.
		case isEncrypted(b):
			c.fail(FieldKey, "Encrypted Private Key", "%s", encryptedDetail)
			return nil
		case parsers[b.Type] != nil:
			keys = append(keys, b)
		case b.Type == "OPENSSH PRIVATE KEY":
			c.fail(FieldKey, "OpenSSH Key Format",
				"private_key_pem holds an OpenSSH private key, which OpenSSL cannot read. Supply the key the "+
					"certificate was issued for in PEM form (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY).")
			return nil
		case b.Type == "CERTIFICATE":
			c.fail(FieldKey, "Not a Private Key",
				"private_key_pem block %d is a certificate. Certificates belong in certificate_pem (the leaf) "+
					"and ca_chain_pem (the intermediates); private_key_pem holds only the private key.", i+1)
			return nil
		case strings.Contains(b.Type, "PUBLIC KEY"):
			c.fail(FieldKey, "Not a Private Key",
				"private_key_pem block %d is a %q block: ntopng needs the private key, not the public key.", i+1, b.Type)
			return nil
		default:
			c.fail(FieldKey, "Not a Private Key",
				"private_key_pem block %d is a %q block. Supply an unencrypted private key in PEM form "+
					"(PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY).", i+1, b.Type)
			return nil
		}
	}
	switch len(keys) {
	case 0:
		c.fail(FieldKey, "No Private Key",
			"private_key_pem holds no private key block. Supply the unencrypted private key in PEM form.")
		return nil
	case 1:
	default:
		c.fail(FieldKey, "More Than One Private Key",
			"private_key_pem holds %d private keys; keep only the one the certificate was issued for.", len(keys))
		return nil
	}
	b := keys[0]
	key, err := parsers[b.Type](b.Bytes)
	if err != nil {
		c.fail(FieldKey, "Private Key Does Not Parse", "%s", parseFailure(b, err))
		return nil
	}
	pub, ok := publicOf(key)
	if !ok {
		c.fail(FieldKey, "Unsupported Key Type",
			"private_key_pem holds a %T key, which ntopng's HTTPS cannot use. Use an RSA key of 2048 bits "+
				"or more, or an ECDSA P-256 or P-384 key.", key)
		return nil
	}
	return &privateKey{block: &pem.Block{Type: b.Type, Bytes: b.Bytes}, pub: pub}
}

// parseFailure explains a key block that does not parse, naming the format it
// really holds when its label is wrong.
func parseFailure(b *pem.Block, err error) string {
	for _, typ := range []string{typePKCS8, typePKCS1, typeSEC1} {
		if typ == b.Type {
			continue
		}
		if _, e := parsers[typ](b.Bytes); e == nil {
			return fmt.Sprintf("private_key_pem is labelled %q but holds a %q key, so OpenSSL would refuse it. "+
				"Fix its -----BEGIN and -----END lines to say %s.", b.Type, typ, typ)
		}
	}
	return fmt.Sprintf("private_key_pem holds a %q block that does not parse (%v). Check that it was copied whole.", b.Type, err)
}

// publicOf returns the public half of a parsed private key.
func publicOf(key any) (crypto.PublicKey, bool) {
	k, ok := key.(interface{ Public() crypto.PublicKey })
	if !ok {
		return nil, false
	}
	return k.Public(), true
}

// samePublicKey reports whether two public keys are equal.
func samePublicKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// checkKey checks that the key belongs to the leaf (when known) and, when it
// does not, that the key itself is usable: a weakness of a matching key is
// already reported on the certificate.
func (c *checker) checkKey(key *privateKey, leaf *x509.Certificate) {
	if leaf != nil {
		if samePublicKey(key.pub, leaf.PublicKey) {
			return
		}
		c.fail(FieldKey, "Private Key Does Not Match Certificate",
			"The private key does not belong to the certificate (%s): the key's public key has SHA-256 fingerprint %s, "+
				"the certificate's has %s. Supply the key the certificate was issued for, or a certificate issued for this key.",
			describe(leaf), PublicKeyFingerprint(key.pub), PublicKeyFingerprint(leaf.PublicKey))
	}
	if msg, warning := judgeKey(key.pub); msg != "" {
		detail := "The private key is " + msg
		if warning {
			c.warn(FieldKey, "Unsuitable Private Key", "%s", detail)
		} else {
			c.fail(FieldKey, "Unsuitable Private Key", "%s", detail)
		}
	}
}

const strongKeys = "an RSA key of 2048 bits or more, or an ECDSA P-256 or P-384 key"

// judgeKey says why a public key is unfit for ntopng's HTTPS ("" when it is
// fit); warning marks a key that works but not everywhere.
func judgeKey(pub crypto.PublicKey) (msg string, warning bool) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < 2048 {
			return fmt.Sprintf("an RSA key of %d bits: browsers and OpenSSL's default security level refuse RSA keys "+
				"under 2048 bits. Issue a new certificate for %s.", bits, strongKeys), false
		}
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384():
		case elliptic.P521():
			return "an ECDSA key on curve P-521, which Chrome and other BoringSSL-based clients do not accept " +
				"for TLS. Prefer " + strongKeys + ".", true
		default:
			name := "unknown"
			if k.Curve != nil {
				name = k.Curve.Params().Name
			}
			return fmt.Sprintf("an ECDSA key on curve %s, weaker than P-256 and refused by browsers. "+
				"Issue a new certificate for %s.", name, strongKeys), false
		}
	case ed25519.PublicKey:
		return "an Ed25519 key: browsers (Chrome, Firefox, Safari) do not accept Ed25519 server certificates, " +
			"and ntopng's TLS library may not load one. Issue a new certificate for " + strongKeys + ".", false
	default:
		return fmt.Sprintf("a %T key, which ntopng's HTTPS cannot use. Issue a new certificate for %s.", pub, strongKeys), false
	}
	return "", false
}
