package certhardening

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostids"
	"github.com/hardenops/terraform-provider-ntopng/internal/pembundle"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

func TestObserve(t *testing.T) {
	ca := newTestCA(t)
	cert, key := ca.leaf(t, "probe.example.net")
	chain := pemCert(ca.cert)
	b, _ := Desired(cert, chain, key, time.Now())
	leafFP, keyFP, chainFP := pembundle.Fingerprint(b.Leaf), pembundle.PublicKeyFingerprint(b.Leaf.PublicKey), pembundle.Fingerprint(ca.cert)
	ids := hostids.Parse([]byte("root:x:0:0::/root:/bin/sh\n"), []byte("root:x:0:\nntop:x:120:\n"))
	cases := []struct {
		name                     string
		data                     string
		uid, gid                 int
		mode                     uint32
		owner, group, modeString string
		leaf, key                string
		chain                    []string
		notPEM                   bool
	}{
		{"as written", string(b.Render()), 0, 120, 0o640, "root", "ntop", "0640", leafFP, keyFP, []string{chainFP}, false},
		{"no key, unnamed ids", cert, 1001, 1002, 0o600, "1001", "1002", "0600", leafFP, "", []string{}, false},
		{"key only", key, 0, 0, 0o644, "root", "root", "0644", "", keyFP, []string{}, false},
		{"not PEM", "hello\n", 0, 120, 0o640, "root", "ntop", "0640", "", "", []string{}, true},
		{"empty", "", 0, 120, 0o640, "root", "ntop", "0640", "", "", []string{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := transport.File{Data: []byte(c.data), Info: transport.FileInfo{Exists: true, UID: c.uid, GID: c.gid, Mode: os.FileMode(c.mode)}}
			o := Observe(f, ids)
			if o.Owner != c.owner || o.Group != c.group || o.Mode != c.modeString {
				t.Errorf("owner %s:%s mode %s, want %s:%s %s", o.Owner, o.Group, o.Mode, c.owner, c.group, c.modeString)
			}
			if o.LeafFingerprint != c.leaf || o.KeyPublicFingerprint != c.key || strings.Join(o.ChainFingerprints, ",") != strings.Join(c.chain, ",") {
				t.Errorf("facts %q %q %q, want %q %q %q", o.LeafFingerprint, o.KeyPublicFingerprint, o.ChainFingerprints, c.leaf, c.key, c.chain)
			}
			if (o.NotPEM != nil) != c.notPEM || o.ChainFingerprints == nil {
				t.Errorf("NotPEM %v (want %v), chain %#v", o.NotPEM, c.notPEM, o.ChainFingerprints)
			}
		})
	}
}

func TestImportCertificates(t *testing.T) {
	ca := newTestCA(t)
	cert, key := ca.leaf(t, "probe.example.net")
	chain := pemCert(ca.cert)
	cases := []struct {
		name, data   string
		cert, chain  string
		none         bool
		chainFPCount int
	}{
		{"bundle", key + cert + chain, cert, chain, false, 1},
		{"leaf only, text around", "# written by hand\n" + cert + "trailing\n", cert, "", false, 0},
		{"key only", key, "", "", true, 0},
		{"nothing", "", "", "", true, 0},
		{"a damaged certificate", key + strings.Replace(cert, "MII", "MIA", 1) + chain, "", "", true, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ImportCertificates([]byte(c.data))
			if c.none {
				if got != nil {
					t.Fatalf("want nothing imported, got %+v", got)
				}
				return
			}
			if got == nil || got.CertificatePEM != c.cert || got.ChainPEM != c.chain || len(got.Bundle.Chain) != c.chainFPCount {
				t.Fatalf("got %+v", got)
			}
			if got.Bundle.KeyPEM != nil || strings.Contains(got.CertificatePEM+got.ChainPEM, "PRIVATE KEY") {
				t.Fatal("the private key was imported")
			}
		})
	}
}

// FuzzImportCertificates feeds ImportCertificates and Observe any file: no panic, the key never
// comes out, and what is imported is certificates only and reads back the same.
func FuzzImportCertificates(f *testing.F) {
	ca := newTestCA(f)
	cert, key := ca.leaf(f, "probe.example.net")
	chain := pemCert(ca.cert)
	for _, seed := range []string{"", key + cert + chain, cert, key, "junk\n" + cert + "\njunk", cert[:len(cert)/2],
		"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", strings.ReplaceAll(cert, "\n", "\r\n")} {
		f.Add([]byte(seed))
	}
	ids := hostids.Parse(nil, nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		o := Observe(transport.File{Data: data, Info: transport.FileInfo{Exists: true, Mode: 0o640}}, ids)
		if o.ChainFingerprints == nil || o.Mode != "0640" {
			t.Fatalf("observed %+v", o)
		}
		got := ImportCertificates(data)
		if got == nil {
			return
		}
		if strings.Contains(got.CertificatePEM+got.ChainPEM, "PRIVATE KEY") || got.Bundle.KeyPEM != nil {
			t.Fatal("the private key was imported")
		}
		again := ImportCertificates([]byte(got.CertificatePEM + got.ChainPEM))
		if again == nil || again.CertificatePEM != got.CertificatePEM || again.ChainPEM != got.ChainPEM {
			t.Fatalf("imported certificates do not read back the same: %+v", again)
		}
		if o.LeafFingerprint != pembundle.Fingerprint(got.Bundle.Leaf) {
			t.Fatalf("Observe's leaf %q is not the imported one", o.LeafFingerprint)
		}
	})
}
