package certhardening

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/testconn"
	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// testCA signs the leaves of a test; each leaf is returned as certificate PEM and PKCS#8 key PEM.
type testCA struct {
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
}

func newTestCA(t testing.TB) *testCA {
	t.Helper()
	ca := &testCA{key: newECKey(t)}
	ca.cert = ca.sign(t, &x509.Certificate{Subject: pkix.Name{CommonName: "certhardening test CA"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, ca.key, nil)
	return ca
}

func newECKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// sign issues tmpl for key's public half; a nil parent makes it self-signed.
func (ca *testCA) sign(t testing.TB, tmpl *x509.Certificate, key *ecdsa.PrivateKey, parent *x509.Certificate) *x509.Certificate {
	t.Helper()
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour)
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// leaf is a server certificate for cn and its key, in PEM.
func (ca *testCA) leaf(t testing.TB, cn string) (certPEM, keyPEM string) {
	t.Helper()
	key := newECKey(t)
	c := ca.sign(t, &x509.Certificate{Subject: pkix.Name{CommonName: cn}, DNSNames: []string{cn},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}, key, ca.cert)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pemCert(c), string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func pemCert(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// sshRoot starts a test sshd and returns a connection to it as root.
func sshRoot(t *testing.T) (context.Context, *transport.Conn) {
	t.Helper()
	return context.Background(), testconn.Root(t, testhost.StartSSHD(t, testhost.Options{}))
}
