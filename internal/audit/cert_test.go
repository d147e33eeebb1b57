package audit

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// opensslCert makes a self-signed certificate the way ntop's postinst does (openssl req
// -x509, key first), signed with digest (e.g. "-sha1"); it skips the test without openssl.
func opensslCert(t *testing.T, digest, subject string) (keyPEM, certPEM []byte) {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("openssl", "req", "-new", "-x509", digest, "-extensions", "v3_ca", "-nodes", "-days", "365",
		"-newkey", "rsa:2048", "-keyout", filepath.Join(dir, "key.pem"), "-out", filepath.Join(dir, "cert.pem"),
		"-subj", subject).CombinedOutput()
	if err != nil {
		t.Skipf("openssl cannot make the package's certificate here: %v %s", err, out)
	}
	if keyPEM, err = os.ReadFile(filepath.Join(dir, "key.pem")); err == nil {
		certPEM, err = os.ReadFile(filepath.Join(dir, "cert.pem"))
	}
	if err != nil {
		t.Fatal(err)
	}
	return keyPEM, certPEM
}

// TestAuditCertFactsPackageCert: the certificate ntop's postinst makes (openssl req -x509
// -sha1, CN=ntopng.local, key first) is recognised as the package's self-signed one and as
// SHA-1-signed, so tls_certificate fails on it. Found on the real package: Go refuses to verify
// a SHA-1 signature, so checking the signature made it look like someone else's certificate.
func TestAuditCertFactsPackageCert(t *testing.T) {
	key, cert := opensslCert(t, "-sha1", "/CN=ntopng.local")
	data := append(key, cert...)
	cf := CertOf(File{Path: "/x/ntopng-cert.pem", Exists: true, Mode: 0o644}, data)
	if !cf.Parsed || !cf.SelfSigned || !cf.WeakSignature || !cf.KeyMatchesLeaf || cf.Subject != PackageCertSubject {
		t.Fatalf("facts of the package certificate: %+v", cf)
	}
	fd := Run(Facts{Now: time.Now(), Cert: cf})[slices.Index(IDs(), "tls_certificate")]
	if fd.Status != Fail || !strings.Contains(fd.Summary, "self-signed CN=ntopng.local") || !strings.Contains(fd.Summary, "SHA-1") {
		t.Errorf("tls_certificate on the package certificate: %+v", fd)
	}
}

// TestCertOf: a file that is missing or holds no certificate is not parsed; a SHA-256
// self-signed certificate is self-signed but not weak, and its key matches only when present.
func TestCertOf(t *testing.T) {
	key, cert := opensslCert(t, "-sha256", "/CN=probe.example")
	f := File{Path: "/x/ntopng-cert.pem", Exists: true, Mode: 0o600}
	cases := []struct {
		name                      string
		fi                        File
		data                      []byte
		parsed, self, weak, match bool
	}{
		{"missing", File{Path: f.Path}, nil, false, false, false, false},
		{"no PEM", f, []byte("not a certificate"), false, false, false, false},
		{"key only", f, key, false, false, false, false},
		{"key and certificate", f, append(append([]byte{}, key...), cert...), true, true, false, true},
		{"certificate only", f, cert, true, true, false, false},
	}
	for _, c := range cases {
		cf := CertOf(c.fi, c.data)
		if cf.Parsed != c.parsed || cf.SelfSigned != c.self || cf.WeakSignature != c.weak || cf.KeyMatchesLeaf != c.match {
			t.Errorf("%s: CertOf = %+v", c.name, cf)
		}
		if c.parsed && (cf.Subject != "CN=probe.example" || cf.NotAfter.Before(time.Now().AddDate(0, 0, 364))) {
			t.Errorf("%s: subject %q, not after %v", c.name, cf.Subject, cf.NotAfter)
		}
	}
}
