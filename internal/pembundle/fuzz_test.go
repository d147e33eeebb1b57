package pembundle

import (
	"strings"
	"testing"
)

// FuzzParseFile checks that any file read back from a host gives facts or an
// error, never a panic, and that facts are well formed.
func FuzzParseFile(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		facts, err := ParseFile(data)
		if (facts == nil) == (err == nil) {
			t.Fatalf("ParseFile = %v, %v: want exactly one of facts and error", facts, err)
		}
		if facts == nil {
			return
		}
		if facts.KeyMatchesLeaf && (facts.LeafFingerprintSHA256 == "" || facts.KeyPublicFingerprintSHA256 == "") {
			t.Errorf("key matches a leaf that is not there: %+v", facts)
		}
		for _, fp := range append([]string{facts.LeafFingerprintSHA256}, facts.ChainFingerprints...) {
			if fp != "" && len(fp) != 64 {
				t.Errorf("fingerprint %q is not SHA-256 hex", fp)
			}
		}
	})
}

// FuzzCheck checks that Check never panics, returns a bundle exactly when
// no problem is an error, and that a bundle renders to a file ParseFile
// reads back with the same leaf.
func FuzzCheck(f *testing.F) {
	f.Add("", "", "")
	f.Add("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "x", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
	f.Fuzz(func(t *testing.T, cert, chain, key string) {
		b, problems := Check(cert, chain, key, testNow, 30)
		hasError := false
		for _, p := range problems {
			if p.Field != FieldCertificate && p.Field != FieldChain && p.Field != FieldKey {
				t.Errorf("problem with unknown field %q", p.Field)
			}
			if p.Summary == "" || p.Detail == "" {
				t.Errorf("problem without summary or detail: %+v", p)
			}
			hasError = hasError || !p.Warning
		}
		if (b == nil) != hasError {
			t.Fatalf("bundle %v with problems %+v", b, problems)
		}
		if b == nil {
			return
		}
		out := b.Render()
		if !strings.HasSuffix(string(out), "\n") {
			t.Errorf("Render() does not end with a newline")
		}
		facts, err := ParseFile(out)
		if err != nil {
			t.Fatalf("ParseFile(Render()): %v", err)
		}
		if facts.LeafFingerprintSHA256 != Fingerprint(b.Leaf) || len(facts.ChainFingerprints) != len(b.Chain) {
			t.Errorf("ParseFile(Render()) = %+v, leaf %s", facts, Fingerprint(b.Leaf))
		}
		if key != "" && !facts.KeyMatchesLeaf {
			t.Errorf("checked key does not match leaf after rendering")
		}
	})
}
