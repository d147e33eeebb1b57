package pembundle

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"
)

// testNow is the time every test judges validity at.
var testNow = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

var (
	keyCacheMu sync.Mutex
	keyCache   = map[string]crypto.Signer{}
)

// cachedKey returns one key per kind for the whole test binary (RSA
// generation is slow).
func cachedKey(t testing.TB, kind string) crypto.Signer {
	keyCacheMu.Lock()
	defer keyCacheMu.Unlock()
	if k, ok := keyCache[kind]; ok {
		return k
	}
	k := freshKey(t, kind)
	keyCache[kind] = k
	return k
}

// freshKey generates a key: rsa1024, rsa2048, p224, p256, p384, p521 or ed25519.
func freshKey(t testing.TB, kind string) crypto.Signer {
	t.Helper()
	var k crypto.Signer
	var err error
	switch kind {
	case "rsa1024":
		k, err = rsa.GenerateKey(rand.Reader, 1024)
	case "rsa2048":
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case "p224":
		k, err = ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	case "p256":
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "p384":
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "p521":
		k, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case "ed25519":
		_, k, err = ed25519.GenerateKey(rand.Reader)
	default:
		t.Fatalf("unknown key kind %q", kind)
	}
	if err != nil {
		t.Fatalf("generate %s key: %v", kind, err)
	}
	return k
}

// spec describes a certificate to issue.
type spec struct {
	cn        string
	ca        bool
	notBefore time.Time
	notAfter  time.Time
	dns       []string
	ips       []net.IP
	eku       []x509.ExtKeyUsage
}

// issued is a certificate and its key.
type issued struct {
	cert *x509.Certificate
	key  crypto.Signer
}

var serial int64

// issue creates a certificate for key, signed by parent (self-signed when
// parent is nil).
func issue(t testing.TB, s spec, key crypto.Signer, parent *issued) *issued {
	t.Helper()
	if s.notBefore.IsZero() {
		s.notBefore = testNow.Add(-30 * 24 * time.Hour)
	}
	if s.notAfter.IsZero() {
		s.notAfter = testNow.Add(365 * 24 * time.Hour)
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: s.cn, Organization: []string{"Test"}},
		NotBefore:             s.notBefore,
		NotAfter:              s.notAfter,
		DNSNames:              s.dns,
		IPAddresses:           s.ips,
		ExtKeyUsage:           s.eku,
		BasicConstraintsValid: true,
		IsCA:                  s.ca,
	}
	if s.ca {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	}
	parentCert, signer := tmpl, key
	if parent != nil {
		parentCert, signer = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, key.Public(), signer)
	if err != nil {
		t.Fatalf("create certificate %q: %v", s.cn, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parse certificate %q: %v", s.cn, err)
	}
	return &issued{cert: cert, key: key}
}

// pki is a root, an intermediate and a leaf for ntopng.example.net.
type pki struct {
	root, inter, leaf *issued
}

// newPKI issues a chain whose leaf has a key of the given kind.
func newPKI(t testing.TB, leafKind string) *pki {
	t.Helper()
	root := issue(t, spec{cn: "Test Root CA", ca: true}, cachedKey(t, "p384"), nil)
	inter := issue(t, spec{cn: "Test Intermediate CA", ca: true}, cachedKey(t, "p256"), root)
	leaf := issue(t, spec{cn: "ntopng.example.net", dns: []string{"ntopng.example.net"},
		ips: []net.IP{net.ParseIP("192.0.2.10")}, eku: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}},
		freshKey(t, leafKind), inter)
	return &pki{root: root, inter: inter, leaf: leaf}
}

func (p *pki) leafPEM() string  { return pemOf(p.leaf.cert) }
func (p *pki) chainPEM() string { return pemOf(p.inter.cert) }

func pemOf(certs ...*x509.Certificate) string {
	var s string
	for _, c := range certs {
		s += string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	}
	return s
}

// pkcs8PEM encodes a key as an unencrypted PKCS#8 "PRIVATE KEY" block.
func pkcs8PEM(t testing.TB, k crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatalf("marshal PKCS#8: %v", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// pkcs1PEM encodes an RSA key as a PKCS#1 "RSA PRIVATE KEY" block.
func pkcs1PEM(k crypto.Signer) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.(*rsa.PrivateKey))}))
}

// sec1PEM encodes an EC key as a SEC1 "EC PRIVATE KEY" block.
func sec1PEM(t testing.TB, k crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalECPrivateKey(k.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatalf("marshal SEC1: %v", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
}
