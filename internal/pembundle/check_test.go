package pembundle

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
	"time"
)

// want is one expected Problem: its field, whether it is a warning, and a
// phrase its Detail must contain.
type want struct {
	field   string
	warning bool
	phrase  string
}

func (w want) String() string {
	return fmt.Sprintf("{%s warning=%v %q}", w.field, w.warning, w.phrase)
}

// assertProblems checks that got holds exactly the wanted problems, in order.
func assertProblems(t *testing.T, got []Problem, wants ...want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("got %d problems, want %d %v:\n%s", len(got), len(wants), wants, dump(got))
	}
	for i, w := range wants {
		p := got[i]
		if p.Field != w.field || p.Warning != w.warning || !strings.Contains(p.Detail, w.phrase) {
			t.Errorf("problem %d = %+v, want %v", i, p, w)
		}
		if p.Summary == "" {
			t.Errorf("problem %d has no summary", i)
		}
	}
}

func dump(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "  %s warning=%v %s: %s\n", p.Field, p.Warning, p.Summary, p.Detail)
	}
	return b.String()
}

func TestCheckAcceptsGoodBundles(t *testing.T) {
	ec := newPKI(t, "p256")
	rsaPKI := newPKI(t, "rsa2048")
	p384 := newPKI(t, "p384")
	ecParams := "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
	cases := []struct {
		name        string
		p           *pki
		key         string
		wantKeyType string
	}{
		{"EC P-256 PKCS#8", ec, pkcs8PEM(t, ec.leaf.key), "PRIVATE KEY"},
		{"EC P-256 SEC1", ec, sec1PEM(t, ec.leaf.key), "EC PRIVATE KEY"},
		{"EC SEC1 after EC PARAMETERS", ec, ecParams + sec1PEM(t, ec.leaf.key), "EC PRIVATE KEY"},
		{"EC P-384 PKCS#8", p384, pkcs8PEM(t, p384.leaf.key), "PRIVATE KEY"},
		{"RSA 2048 PKCS#1", rsaPKI, pkcs1PEM(rsaPKI.leaf.key), "RSA PRIVATE KEY"},
		{"RSA 2048 PKCS#8", rsaPKI, pkcs8PEM(t, rsaPKI.leaf.key), "PRIVATE KEY"},
		{"CRLF line ends", ec, strings.ReplaceAll(pkcs8PEM(t, ec.leaf.key), "\n", "\r\n"), "PRIVATE KEY"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, problems := Check(tc.p.leafPEM(), tc.p.chainPEM(), tc.key, testNow, 30)
			assertProblems(t, problems)
			if b == nil {
				t.Fatal("no bundle")
			}
			if !b.Leaf.Equal(tc.p.leaf.cert) || len(b.Chain) != 1 || !b.Chain[0].Equal(tc.p.inter.cert) {
				t.Errorf("bundle certificates differ from the input")
			}
			block, rest := pem.Decode(b.KeyPEM)
			if block == nil || block.Type != tc.wantKeyType || len(rest) != 0 || len(block.Headers) != 0 {
				t.Errorf("KeyPEM = %q, want one clean %q block", b.KeyPEM, tc.wantKeyType)
			}
		})
	}
}

func TestCheckWithoutKeyOrChain(t *testing.T) {
	p := newPKI(t, "p256")
	b, problems := Check(p.leafPEM(), "", "", testNow, 30)
	assertProblems(t, problems)
	if b == nil || b.KeyPEM != nil || len(b.Chain) != 0 {
		t.Fatalf("bundle = %+v, want leaf only", b)
	}
	if got, want := string(b.Render()), p.leafPEM(); got != want {
		t.Errorf("Render() = %q, want the leaf only %q", got, want)
	}
}

func TestCheckPEMErrors(t *testing.T) {
	p := newPKI(t, "p256")
	key := pkcs8PEM(t, p.leaf.key)
	leaf := p.leafPEM()
	truncated := leaf[:len(leaf)-len("-----END CERTIFICATE-----\n")]
	cases := []struct {
		name             string
		cert, chain, key string
		wants            []want
		mustNotContain   string
	}{
		{name: "empty certificate", cert: "", key: key,
			wants: []want{{FieldCertificate, false, "no CERTIFICATE block"}}},
		{name: "certificate not PEM", cert: "hello world", key: key,
			wants: []want{{FieldCertificate, false, "no PEM block"}}},
		{name: "trailing garbage", cert: leaf + "oops\n", key: key,
			wants: []want{{FieldCertificate, false, "trailing garbage"}}},
		{name: "text before", cert: "subject=CN=x\n" + leaf, key: key,
			wants: []want{{FieldCertificate, false, "before the first PEM block"}}},
		{name: "truncated block", cert: truncated, key: key,
			wants: []want{{FieldCertificate, false, "malformed"}}},
		{name: "malformed then good block", cert: truncated + leaf, key: key,
			wants: []want{{FieldCertificate, false, "PEM block 1 is malformed"}}},
		{name: "two certificates", cert: leaf + p.chainPEM(), key: key,
			wants: []want{{FieldCertificate, false, "Put the intermediates in ca_chain_pem"}}},
		{name: "key in certificate", cert: key + leaf, key: key,
			wants: []want{{FieldCertificate, false, "belongs in private_key_pem"}}},
		{name: "certificate bytes broken", cert: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("nope")})), key: key,
			wants: []want{{FieldCertificate, false, "does not parse"}}},
		{name: "chain garbage", cert: leaf, chain: p.chainPEM() + "x", key: key,
			wants: []want{{FieldChain, false, "trailing garbage"}}},
		{name: "chain of a CRL", cert: leaf, chain: "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n", key: key,
			wants: []want{{FieldChain, false, `"X509 CRL" block`}}},
		{name: "key trailing text is not quoted", cert: leaf, chain: p.chainPEM(), key: key + "s3cretpassphrase",
			wants: []want{{FieldKey, false, "trailing garbage"}}, mustNotContain: "s3cret"},
		{name: "key malformed is not quoted", cert: leaf, chain: p.chainPEM(), key: "-----BEGIN PRIVATE KEY-----s3cret\n",
			wants: []want{{FieldKey, false, "malformed"}}, mustNotContain: "s3cret"},
		{name: "key not PEM", cert: leaf, chain: p.chainPEM(), key: "s3cret",
			wants: []want{{FieldKey, false, "no PEM block"}}, mustNotContain: "s3cret"},
		{name: "key field holds a certificate", cert: leaf, chain: p.chainPEM(), key: leaf,
			wants: []want{{FieldKey, false, "is a certificate"}}},
		{name: "key field holds a public key", cert: leaf, chain: p.chainPEM(), key: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
			wants: []want{{FieldKey, false, "not the public key"}}},
		{name: "OpenSSH key", cert: leaf, chain: p.chainPEM(), key: "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
			wants: []want{{FieldKey, false, "OpenSSH private key"}}},
		{name: "two keys", cert: leaf, chain: p.chainPEM(), key: key + key,
			wants: []want{{FieldKey, false, "holds 2 private keys"}}},
		{name: "only EC PARAMETERS", cert: leaf, chain: p.chainPEM(), key: "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n",
			wants: []want{{FieldKey, false, "no private key block"}}},
		{name: "key bytes broken", cert: leaf, chain: p.chainPEM(), key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
			wants: []want{{FieldKey, false, "does not parse"}}},
		{name: "SEC1 key labelled PKCS#8", cert: leaf, chain: p.chainPEM(),
			key:   strings.ReplaceAll(sec1PEM(t, p.leaf.key), "EC PRIVATE KEY", "PRIVATE KEY"),
			wants: []want{{FieldKey, false, `labelled "PRIVATE KEY" but holds a "EC PRIVATE KEY" key`}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, problems := Check(tc.cert, tc.chain, tc.key, testNow, 30)
			assertProblems(t, problems, tc.wants...)
			if b != nil {
				t.Errorf("got a bundle despite errors")
			}
			if tc.mustNotContain != "" {
				for _, p := range problems {
					if strings.Contains(p.Detail, tc.mustNotContain) {
						t.Errorf("detail quotes the key: %q", p.Detail)
					}
				}
			}
		})
	}
}

func TestCheckEncryptedKeys(t *testing.T) {
	p := newPKI(t, "rsa2048")
	der := x509.MarshalPKCS1PrivateKey(p.leaf.key.(*rsa.PrivateKey))
	//lint:ignore SA1019 legacy encrypted PEM is what some users still have.
	legacy, err := x509.EncryptPEMBlock(rand.Reader, "RSA PRIVATE KEY", der, []byte("passphrase"), x509.PEMCipherAES256)
	if err != nil {
		t.Fatalf("encrypt key: %v", err)
	}
	pkcs8 := &pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{0x30, 0x03, 0x02, 0x01, 0x00}}
	for name, key := range map[string]string{
		"legacy Proc-Type": string(pem.EncodeToMemory(legacy)),
		"PKCS#8 ENCRYPTED": string(pem.EncodeToMemory(pkcs8)),
	} {
		t.Run(name, func(t *testing.T) {
			b, problems := Check(p.leafPEM(), p.chainPEM(), key, testNow, 30)
			assertProblems(t, problems, want{FieldKey, false, "openssl pkey -in key.pem -out key-plain.pem"})
			if !strings.Contains(problems[0].Detail, "ntopng cannot read an encrypted key") || b != nil {
				t.Errorf("detail %q, bundle %v", problems[0].Detail, b)
			}
		})
	}
}

func TestCheckKeys(t *testing.T) {
	rsa1024 := newPKI(t, "rsa1024")
	p224 := newPKI(t, "p224")
	p521 := newPKI(t, "p521")
	ed := newPKI(t, "ed25519")
	good := newPKI(t, "rsa2048")
	cases := []struct {
		name      string
		p         *pki
		key       string
		wants     []want
		hasBundle bool
	}{
		{name: "RSA 1024 key and certificate", p: rsa1024, key: pkcs1PEM(rsa1024.leaf.key),
			wants: []want{{FieldCertificate, false, "an RSA key of 1024 bits"}}},
		{name: "RSA 1024 certificate, key unknown", p: rsa1024, key: "",
			wants: []want{{FieldCertificate, false, "an RSA key of 1024 bits"}}},
		{name: "EC P-224", p: p224, key: sec1PEM(t, p224.leaf.key),
			wants: []want{{FieldCertificate, false, "curve P-224, weaker than P-256"}}},
		{name: "Ed25519", p: ed, key: pkcs8PEM(t, ed.leaf.key),
			wants: []want{{FieldCertificate, false, "do not accept Ed25519 server certificates"}}},
		{name: "EC P-521 is a warning", p: p521, key: pkcs8PEM(t, p521.leaf.key),
			wants: []want{{FieldCertificate, true, "curve P-521"}}, hasBundle: true},
		{name: "key of another certificate", p: good, key: pkcs1PEM(cachedKey(t, "rsa2048")),
			wants: []want{{FieldKey, false, "does not belong to the certificate"}}},
		{name: "weak key of another certificate", p: good, key: pkcs1PEM(rsa1024.leaf.key),
			wants: []want{{FieldKey, false, "does not belong to the certificate"}, {FieldKey, false, "an RSA key of 1024 bits"}}},
		{name: "Ed25519 key of another certificate", p: good, key: pkcs8PEM(t, ed.leaf.key),
			wants: []want{{FieldKey, false, "does not belong to the certificate"}, {FieldKey, false, "Ed25519"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, problems := Check(tc.p.leafPEM(), tc.p.chainPEM(), tc.key, testNow, 30)
			assertProblems(t, problems, tc.wants...)
			if (b != nil) != tc.hasBundle {
				t.Errorf("bundle = %v, want one: %v", b, tc.hasBundle)
			}
		})
	}
}

func TestCheckMismatchNamesBothFingerprints(t *testing.T) {
	p := newPKI(t, "p256")
	other := freshKey(t, "p256")
	_, problems := Check(p.leafPEM(), p.chainPEM(), pkcs8PEM(t, other), testNow, 30)
	assertProblems(t, problems, want{FieldKey, false, "does not belong"})
	for _, fp := range []string{PublicKeyFingerprint(other.Public()), PublicKeyFingerprint(p.leaf.cert.PublicKey)} {
		if !strings.Contains(problems[0].Detail, fp) {
			t.Errorf("detail %q lacks fingerprint %s", problems[0].Detail, fp)
		}
	}
}

func TestCheckChain(t *testing.T) {
	p := newPKI(t, "p256")
	// impostor has the intermediate's name but another key.
	impostor := issue(t, spec{cn: "Test Intermediate CA", ca: true}, freshKey(t, "p256"), p.root)
	// notCA signed the leaf's twin but may not sign certificates.
	notCA := issue(t, spec{cn: "Not A CA"}, freshKey(t, "p256"), p.root)
	twin := issue(t, spec{cn: "twin", dns: []string{"twin.example.net"}}, freshKey(t, "p256"), notCA)
	cases := []struct {
		name  string
		leaf  *issued
		chain string
		wants []want
	}{
		{name: "leaf, intermediate, root", leaf: p.leaf, chain: pemOf(p.inter.cert, p.root.cert)},
		{name: "self-signed leaf, no chain", leaf: p.root, chain: ""},
		{name: "wrong order", leaf: p.leaf, chain: pemOf(p.root.cert, p.inter.cert),
			wants: []want{{FieldChain, false, "ca_chain_pem[0] (subject \"CN=Test Root CA,O=Test\") did not sign the certificate"}}},
		{name: "missing intermediate", leaf: p.leaf, chain: pemOf(p.root.cert),
			wants: []want{{FieldChain, false, "leaf-issuer first"}}},
		{name: "intermediate repeated", leaf: p.leaf, chain: pemOf(p.inter.cert, p.inter.cert),
			wants: []want{{FieldChain, false, "ca_chain_pem[1] (subject \"CN=Test Intermediate CA,O=Test\") did not sign ca_chain_pem[0]"}}},
		{name: "signature from another key", leaf: p.leaf, chain: pemOf(impostor.cert),
			wants: []want{{FieldChain, false, "the signature does not verify"}}},
		{name: "issuer is not a CA", leaf: twin, chain: pemOf(notCA.cert),
			wants: []want{{FieldChain, false, "the signature does not verify"}}},
		{name: "leaf repeated in chain", leaf: p.leaf, chain: pemOf(p.leaf.cert, p.inter.cert),
			wants: []want{{FieldChain, false, "ca_chain_pem[0] is the server certificate itself"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, problems := Check(pemOf(tc.leaf.cert), tc.chain, pkcs8PEM(t, tc.leaf.key), testNow, 0)
			if tc.leaf == p.root {
				// A CA certificate as leaf has no serverAuth problem and no SAN.
				assertProblems(t, problems, want{FieldCertificate, true, "no DNS name or IP address"})
				return
			}
			assertProblems(t, problems, tc.wants...)
		})
	}
}

func TestCheckChainHintsTheRightPosition(t *testing.T) {
	p := newPKI(t, "p256")
	_, problems := Check(p.leafPEM(), pemOf(p.root.cert, p.inter.cert), "", testNow, 0)
	assertProblems(t, problems, want{FieldChain, false, "ca_chain_pem[1] (subject \"CN=Test Intermediate CA,O=Test\") is the one that signed it: move it to position 0"})
}

func TestCheckValidity(t *testing.T) {
	day := 24 * time.Hour
	root := issue(t, spec{cn: "Root", ca: true}, cachedKey(t, "p256"), nil)
	expiredInter := issue(t, spec{cn: "Old Intermediate", ca: true, notAfter: testNow.Add(-day)}, cachedKey(t, "p384"), root)
	soonInter := issue(t, spec{cn: "Soon Intermediate", ca: true, notAfter: testNow.Add(5 * day)}, cachedKey(t, "p384"), root)
	leafOf := func(s spec, parent *issued) *issued {
		s.cn = "ntopng.example.net"
		if s.dns == nil {
			s.dns = []string{"ntopng.example.net"}
		}
		return issue(t, s, cachedKey(t, "p256"), parent)
	}
	cases := []struct {
		name      string
		leaf      *issued
		chain     *issued
		minDays   int
		wants     []want
		hasBundle bool
	}{
		{name: "expired leaf", leaf: leafOf(spec{notAfter: testNow.Add(-time.Hour)}, root), chain: root, minDays: 30,
			wants: []want{{FieldCertificate, false, "expired at " + testNow.Add(-time.Hour).Format(time.RFC3339)}}},
		{name: "leaf not yet valid", leaf: leafOf(spec{notBefore: testNow.Add(day)}, root), chain: root, minDays: 30,
			wants: []want{{FieldCertificate, false, "is not valid before " + testNow.Add(day).Format(time.RFC3339)}}},
		{name: "expired intermediate", leaf: leafOf(spec{}, expiredInter), chain: expiredInter, minDays: 30,
			wants: []want{{FieldChain, false, "ca_chain_pem[0] (subject \"CN=Old Intermediate,O=Test\") expired at"}}},
		{name: "leaf expires soon", leaf: leafOf(spec{notAfter: testNow.Add(10*day + time.Hour)}, root), chain: root, minDays: 30,
			wants:     []want{{FieldCertificate, true, "expires in 10 days (not_after " + testNow.Add(10*day+time.Hour).Format(time.RFC3339) + ")"}},
			hasBundle: true},
		{name: "soon but warning disabled", leaf: leafOf(spec{notAfter: testNow.Add(10 * day)}, root), chain: root, minDays: 0,
			hasBundle: true},
		{name: "intermediate expires soon", leaf: leafOf(spec{}, soonInter), chain: soonInter, minDays: 30,
			wants:     []want{{FieldChain, true, "ca_chain_pem[0] (subject \"CN=Soon Intermediate,O=Test\") expires in 5 days (not_after 2030-06-06T12:00:00Z)"}},
			hasBundle: true},
		{name: "no SAN", leaf: leafOf(spec{dns: []string{}}, root), chain: root, minDays: 30,
			wants: []want{{FieldCertificate, true, "Browsers ignore the Common Name"}}, hasBundle: true},
		{name: "client certificate only", leaf: leafOf(spec{eku: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, root), chain: root, minDays: 30,
			wants: []want{{FieldCertificate, true, "serverAuth"}}, hasBundle: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, problems := Check(pemOf(tc.leaf.cert), pemOf(tc.chain.cert), pkcs8PEM(t, tc.leaf.key), testNow, tc.minDays)
			assertProblems(t, problems, tc.wants...)
			if (b != nil) != tc.hasBundle {
				t.Errorf("bundle = %v, want one: %v", b, tc.hasBundle)
			}
		})
	}
}
