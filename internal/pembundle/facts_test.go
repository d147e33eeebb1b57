package pembundle

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"reflect"
	"strings"
	"testing"
)

func checkedBundle(t *testing.T, p *pki, key string, chain ...*x509.Certificate) *Bundle {
	t.Helper()
	b, problems := Check(p.leafPEM(), pemOf(chain...), key, testNow, 30)
	if b == nil || len(problems) != 0 {
		t.Fatalf("Check: bundle %v, problems:\n%s", b, dump(problems))
	}
	return b
}

func TestRenderLayout(t *testing.T) {
	p := newPKI(t, "p256")
	key := pkcs8PEM(t, p.leaf.key)
	// Headers and surrounding white space in the key are dropped.
	messy := "\n\n" + strings.Replace(key, "-----\n", "-----\nComment: test\n\n", 1) + "\n\n"
	b := checkedBundle(t, p, messy, p.inter.cert, p.root.cert)
	want := key + p.leafPEM() + pemOf(p.inter.cert, p.root.cert)
	got := b.Render()
	if string(got) != want {
		t.Fatalf("Render() =\n%s\nwant\n%s", got, want)
	}
	if again := b.Render(); !bytes.Equal(again, got) {
		t.Errorf("Render() is not deterministic")
	}
	var types []string
	for rest := got; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			if len(rest) != 0 {
				t.Errorf("Render() leaves %q after the last block", rest)
			}
			break
		}
		types = append(types, blk.Type)
	}
	if wantTypes := []string{"PRIVATE KEY", "CERTIFICATE", "CERTIFICATE", "CERTIFICATE"}; !reflect.DeepEqual(types, wantTypes) {
		t.Errorf("block types %v, want %v", types, wantTypes)
	}
}

func TestRenderThenParseFile(t *testing.T) {
	for _, kind := range []string{"p256", "rsa2048"} {
		t.Run(kind, func(t *testing.T) {
			p := newPKI(t, kind)
			b := checkedBundle(t, p, pkcs8PEM(t, p.leaf.key), p.inter.cert, p.root.cert)
			got, err := ParseFile(b.Render())
			if err != nil {
				t.Fatalf("ParseFile: %v", err)
			}
			want := &FileFacts{
				LeafFingerprintSHA256:      Fingerprint(p.leaf.cert),
				KeyPublicFingerprintSHA256: PublicKeyFingerprint(p.leaf.cert.PublicKey),
				KeyMatchesLeaf:             true,
				ChainFingerprints:          []string{Fingerprint(p.inter.cert), Fingerprint(p.root.cert)},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ParseFile = %+v, want %+v", got, want)
			}
		})
	}
}

func TestParseFileTolerance(t *testing.T) {
	p := newPKI(t, "p256")
	other := freshKey(t, "p256")
	leafFP := Fingerprint(p.leaf.cert)
	brokenCert := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("broken")}))
	brokenFP := sha256Hex([]byte("broken"))
	encrypted := "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAMCAQA=\n-----END ENCRYPTED PRIVATE KEY-----\n"
	cases := []struct {
		name string
		file string
		want FileFacts
	}{
		{"certificate only", p.leafPEM(),
			FileFacts{LeafFingerprintSHA256: leafFP, ChainFingerprints: []string{}}},
		{"key of another certificate", pkcs8PEM(t, other) + p.leafPEM(),
			FileFacts{LeafFingerprintSHA256: leafFP, KeyPublicFingerprintSHA256: PublicKeyFingerprint(other.Public()), ChainFingerprints: []string{}}},
		{"key after the certificate, text around", "junk\n" + p.leafPEM() + "between\n" + sec1PEM(t, p.leaf.key) + "trailing",
			FileFacts{LeafFingerprintSHA256: leafFP, KeyPublicFingerprintSHA256: PublicKeyFingerprint(p.leaf.cert.PublicKey), KeyMatchesLeaf: true, ChainFingerprints: []string{}}},
		{"leaf that does not parse", pkcs8PEM(t, p.leaf.key) + brokenCert,
			FileFacts{LeafFingerprintSHA256: brokenFP, KeyPublicFingerprintSHA256: PublicKeyFingerprint(p.leaf.cert.PublicKey), ChainFingerprints: []string{}}},
		{"encrypted key", encrypted + p.leafPEM() + p.chainPEM(),
			FileFacts{LeafFingerprintSHA256: leafFP, ChainFingerprints: []string{Fingerprint(p.inter.cert)}}},
		{"key only", pkcs1PEM(cachedKey(t, "rsa2048")),
			FileFacts{KeyPublicFingerprintSHA256: PublicKeyFingerprint(cachedKey(t, "rsa2048").Public()), ChainFingerprints: []string{}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseFile([]byte(tc.file))
			if err != nil {
				t.Fatalf("ParseFile: %v", err)
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("ParseFile = %+v, want %+v", *got, tc.want)
			}
		})
	}
}

func TestParseFileWithoutPEM(t *testing.T) {
	for _, file := range []string{"", "not a certificate\n", "-----BEGIN CERTIFICATE-----\n"} {
		got, err := ParseFile([]byte(file))
		if err == nil || got != nil || !strings.Contains(err.Error(), "no PEM block") {
			t.Errorf("ParseFile(%q) = %v, %v; want a no PEM block error", file, got, err)
		}
	}
}

func TestFactsOf(t *testing.T) {
	p := newPKI(t, "p256")
	got := FactsOf(p.leaf.cert)
	sum := sha256.Sum256(p.leaf.cert.Raw)
	spki, err := x509.MarshalPKIXPublicKey(p.leaf.cert.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	spkiSum := sha256.Sum256(spki)
	want := Facts{
		FingerprintSHA256:          hex.EncodeToString(sum[:]),
		PublicKeyFingerprintSHA256: hex.EncodeToString(spkiSum[:]),
		Subject:                    "CN=ntopng.example.net,O=Test",
		NotAfter:                   "2031-06-01T12:00:00Z",
		DNSNames:                   []string{"ntopng.example.net"},
		IPAddresses:                []string{"192.0.2.10"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FactsOf = %+v, want %+v", got, want)
	}
	if len(got.FingerprintSHA256) != 64 || strings.ToLower(got.FingerprintSHA256) != got.FingerprintSHA256 {
		t.Errorf("fingerprint %q is not 64 lowercase hex digits", got.FingerprintSHA256)
	}

	bare := FactsOf(p.root.cert)
	if bare.DNSNames == nil || bare.IPAddresses == nil || len(bare.DNSNames)+len(bare.IPAddresses) != 0 {
		t.Errorf("FactsOf(root) names = %#v %#v, want empty non-nil lists", bare.DNSNames, bare.IPAddresses)
	}
	if Fingerprint(nil) != "" || PublicKeyFingerprint(nil) != "" {
		t.Errorf("fingerprints of nil are not empty")
	}
}
