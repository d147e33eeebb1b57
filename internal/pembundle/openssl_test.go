package pembundle

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenSSLReadsRenderedBundle checks that OpenSSL, which ntopng's web
// server uses, finds the leaf and the key in a rendered bundle the way a
// server loading one file for both does.
func TestOpenSSLReadsRenderedBundle(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed")
	}
	for _, tc := range []struct{ kind, form string }{
		{"p256", "pkcs8"}, {"p384", "sec1"}, {"rsa2048", "pkcs1"}, {"rsa2048", "pkcs8"},
	} {
		t.Run(tc.kind+"-"+tc.form, func(t *testing.T) {
			p := newPKI(t, tc.kind)
			var key string
			switch tc.form {
			case "pkcs8":
				key = pkcs8PEM(t, p.leaf.key)
			case "sec1":
				key = sec1PEM(t, p.leaf.key)
			case "pkcs1":
				key = pkcs1PEM(p.leaf.key)
			}
			b := checkedBundle(t, p, key, p.inter.cert)
			path := filepath.Join(t.TempDir(), "ntopng-cert.pem")
			if err := os.WriteFile(path, b.Render(), 0o600); err != nil {
				t.Fatal(err)
			}

			out, err := exec.Command(openssl, "x509", "-in", path, "-noout", "-fingerprint", "-sha256").CombinedOutput()
			if err != nil {
				t.Fatalf("openssl x509: %v\n%s", err, out)
			}
			_, fp, ok := strings.Cut(strings.TrimSpace(string(out)), "=")
			if got := strings.ToLower(strings.ReplaceAll(fp, ":", "")); !ok || got != Fingerprint(p.leaf.cert) {
				t.Errorf("openssl fingerprint %q, want %s", out, Fingerprint(p.leaf.cert))
			}

			if out, err := exec.Command(openssl, "pkey", "-in", path, "-noout").CombinedOutput(); err != nil {
				t.Fatalf("openssl pkey: %v\n%s", err, out)
			}
			spki, err := exec.Command(openssl, "pkey", "-in", path, "-pubout", "-outform", "DER").Output()
			if err != nil {
				t.Fatalf("openssl pkey -pubout: %v", err)
			}
			sum := sha256.Sum256(spki)
			if got, want := hex.EncodeToString(sum[:]), PublicKeyFingerprint(p.leaf.cert.PublicKey); got != want {
				t.Errorf("openssl public key fingerprint %s, want %s", got, want)
			}
		})
	}
}
