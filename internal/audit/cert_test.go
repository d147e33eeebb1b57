package audit

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestAuditCertFactsPackageCert: the certificate ntop's postinst makes (openssl req -x509
// -sha1, CN=ntopng.local, key first) is recognised as the package's self-signed one and as
// SHA-1-signed, so tls_certificate fails on it. Found on the real package: Go refuses to verify
// a SHA-1 signature, so checking the signature made it look like someone else's certificate.
func TestAuditCertFactsPackageCert(t *testing.T) {
	dir := t.TempDir()
	out, err := exec.Command("openssl", "req", "-new", "-x509", "-sha1", "-extensions", "v3_ca", "-nodes", "-days", "365",
		"-newkey", "rsa:2048", "-keyout", filepath.Join(dir, "key.pem"), "-out", filepath.Join(dir, "cert.pem"),
		"-subj", "/CN=ntopng.local").CombinedOutput()
	if err != nil {
		t.Skipf("openssl cannot make the package's certificate here: %v %s", err, out)
	}
	data := []byte(readTestFile(t, filepath.Join(dir, "key.pem")) + readTestFile(t, filepath.Join(dir, "cert.pem")))
	cf := CertOf(File{Path: "/x/ntopng-cert.pem", Exists: true, Mode: 0o644}, data)
	if !cf.Parsed || !cf.SelfSigned || !cf.WeakSignature || !cf.KeyMatchesLeaf || cf.Subject != PackageCertSubject {
		t.Fatalf("facts of the package certificate: %+v", cf)
	}
	fd := Run(Facts{Now: time.Now(), Cert: cf})[slices.Index(IDs(), "tls_certificate")]
	if fd.Status != Fail || !strings.Contains(fd.Summary, "self-signed CN=ntopng.local") || !strings.Contains(fd.Summary, "SHA-1") {
		t.Errorf("tls_certificate on the package certificate: %+v", fd)
	}
}

func readTestFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCertOf: a file that is missing or holds no certificate is not parsed; a certificate
// Go signs itself (SHA-256) is self-signed but not weak, and its key is found to match.
func TestCertOf(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "probe.example"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
	f := File{Path: "/x/ntopng-cert.pem", Exists: true, Mode: 0o600}
	cases := []struct {
		name                      string
		fi                        File
		data                      []byte
		parsed, self, weak, match bool
	}{
		{"missing", File{Path: f.Path}, nil, false, false, false, false},
		{"no PEM", f, []byte("not a certificate"), false, false, false, false},
		{"key only", f, keyPEM, false, false, false, false},
		{"key and certificate", f, append(append([]byte{}, keyPEM...), certPEM...), true, true, false, true},
		{"certificate only", f, certPEM, true, true, false, false},
	}
	for _, c := range cases {
		cf := CertOf(c.fi, c.data)
		if cf.Parsed != c.parsed || cf.SelfSigned != c.self || cf.WeakSignature != c.weak || cf.KeyMatchesLeaf != c.match {
			t.Errorf("%s: CertOf = %+v", c.name, cf)
		}
		if c.parsed && (cf.Subject != "CN=probe.example" || !cf.NotAfter.Equal(tmpl.NotAfter.Truncate(time.Second).UTC())) {
			t.Errorf("%s: subject %q, not after %v", c.name, cf.Subject, cf.NotAfter)
		}
	}
}
