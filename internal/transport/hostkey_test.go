package transport

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func newSigner(t *testing.T) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newECDSASigner(t *testing.T) ssh.Signer {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func hostCert(t *testing.T, ca ssh.Signer, key ssh.PublicKey, principals ...string) *ssh.Certificate {
	t.Helper()
	c := &ssh.Certificate{
		Key:             key,
		CertType:        ssh.HostCert,
		KeyId:           "test host",
		ValidPrincipals: principals,
		ValidBefore:     ssh.CertTimeInfinity,
	}
	if err := c.SignCert(rand.Reader, ca); err != nil {
		t.Fatal(err)
	}
	return c
}

var remoteAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2222}

const hostAddr = "127.0.0.1:2222"

func mustVerifier(t *testing.T, p HostKeyPolicy) *hostKeyVerifier {
	t.Helper()
	v, err := newHostKeyVerifier(p)
	if err != nil {
		t.Fatalf("newHostKeyVerifier(%+v): %v", p, err)
	}
	return v
}

func asHostKeyError(t *testing.T, err error) *HostKeyError {
	t.Helper()
	var hk *HostKeyError
	if !errors.As(err, &hk) {
		t.Fatalf("want a *HostKeyError, got %v", err)
	}
	return hk
}

func TestHostKeyPinned(t *testing.T) {
	host, other := newSigner(t).PublicKey(), newSigner(t).PublicKey()
	pin := authorizedKey(host)

	v := mustVerifier(t, HostKeyPolicy{HostKey: pin})
	if err := v.check(hostAddr, remoteAddr, host); err != nil {
		t.Fatalf("pinned key refused: %v", err)
	}

	err := v.check(hostAddr, remoteAddr, other)
	hk := asHostKeyError(t, err)
	if len(hk.Expected) != 1 {
		t.Fatalf("Expected = %q, want the pinned key", hk.Expected)
	}
	msg := err.Error()
	for _, want := range []string{"mismatch", ssh.FingerprintSHA256(host), ssh.FingerprintSHA256(other), hostAddr} {
		if !strings.Contains(msg, want) {
			t.Errorf("mismatch message lacks %q:\n%s", want, msg)
		}
	}

	// The pin wins over known_hosts, both ways.
	v = mustVerifier(t, HostKeyPolicy{HostKey: pin, KnownHosts: "[127.0.0.1]:2222 " + authorizedKey(other)})
	if err := v.check(hostAddr, remoteAddr, host); err != nil {
		t.Errorf("pin refused although it matches (known_hosts disagrees): %v", err)
	}
	if err := v.check(hostAddr, remoteAddr, other); err == nil {
		t.Error("key accepted from known_hosts although the pin differs")
	}
}

func TestHostKeyPinnedAcceptsCertifiedKey(t *testing.T) {
	host, ca := newSigner(t), newSigner(t)
	v := mustVerifier(t, HostKeyPolicy{HostKey: authorizedKey(host.PublicKey())})
	if err := v.check(hostAddr, remoteAddr, hostCert(t, ca, host.PublicKey(), "127.0.0.1")); err != nil {
		t.Fatalf("certificate of the pinned key refused: %v", err)
	}
}

func TestHostKeyKnownHosts(t *testing.T) {
	host, other := newSigner(t).PublicKey(), newSigner(t).PublicKey()
	line := "[127.0.0.1]:2222 " + authorizedKey(host)

	t.Run("content", func(t *testing.T) {
		v := mustVerifier(t, HostKeyPolicy{KnownHosts: "# comment\n" + line + "\n"})
		if err := v.check(hostAddr, remoteAddr, host); err != nil {
			t.Fatalf("known host refused: %v", err)
		}
	})

	t.Run("file with ~", func(t *testing.T) {
		home := t.TempDir()
		t.Setenv("HOME", home)
		if err := os.MkdirAll(filepath.Join(home, ".ssh"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(home, ".ssh", "known_hosts"), []byte(line+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		v := mustVerifier(t, HostKeyPolicy{KnownHostsFile: "~/.ssh/known_hosts"})
		if err := v.check(hostAddr, remoteAddr, host); err != nil {
			t.Fatalf("known host refused: %v", err)
		}
	})

	t.Run("missing file", func(t *testing.T) {
		_, err := newHostKeyVerifier(HostKeyPolicy{KnownHostsFile: "/nonexistent/known_hosts"})
		if err == nil || !strings.Contains(err.Error(), "/nonexistent/known_hosts") {
			t.Fatalf("want an error naming the file, got %v", err)
		}
	})

	t.Run("mismatch", func(t *testing.T) {
		v := mustVerifier(t, HostKeyPolicy{KnownHosts: line})
		err := v.check(hostAddr, remoteAddr, other)
		hk := asHostKeyError(t, err)
		if len(hk.Expected) != 1 || !strings.Contains(hk.Expected[0], ssh.FingerprintSHA256(host)) ||
			!strings.Contains(hk.Expected[0], "known_hosts line 1") {
			t.Fatalf("Expected = %q, want the known_hosts key and its line", hk.Expected)
		}
		if !strings.Contains(err.Error(), ssh.FingerprintSHA256(other)) {
			t.Errorf("message lacks the presented fingerprint:\n%s", err)
		}
	})

	t.Run("revoked", func(t *testing.T) {
		v := mustVerifier(t, HostKeyPolicy{KnownHosts: line + "\n@revoked * " + authorizedKey(host)})
		hk := asHostKeyError(t, v.check(hostAddr, remoteAddr, host))
		if !hk.Revoked {
			t.Fatalf("revoked key not reported as revoked: %v", hk)
		}
	})
}

func TestHostKeyUnknownRefusedWithPinLine(t *testing.T) {
	host, other := newSigner(t).PublicKey(), newSigner(t).PublicKey()
	for name, p := range map[string]HostKeyPolicy{
		"nothing configured":       {},
		"not in known_hosts":       {KnownHosts: "[10.9.9.9]:2222 " + authorizedKey(other)},
		"other port in known_host": {KnownHosts: "127.0.0.1 " + authorizedKey(other)},
	} {
		t.Run(name, func(t *testing.T) {
			err := mustVerifier(t, p).check(hostAddr, remoteAddr, host)
			hk := asHostKeyError(t, err)
			if len(hk.Expected) != 0 || hk.Revoked {
				t.Fatalf("want an unknown-host error, got %+v", hk)
			}
			msg := err.Error()
			for _, want := range []string{
				ssh.FingerprintSHA256(host),
				`host_key = "` + authorizedKey(host) + `"`,
				"[127.0.0.1]:2222 " + authorizedKey(host),
			} {
				if !strings.Contains(msg, want) {
					t.Errorf("message lacks %q:\n%s", want, msg)
				}
			}
		})
	}
}

func TestHostKeyCertAuthority(t *testing.T) {
	host, ca, otherCA := newSigner(t), newSigner(t), newSigner(t)
	caLine := "@cert-authority [127.0.0.1]:2222 " + authorizedKey(ca.PublicKey())
	v := mustVerifier(t, HostKeyPolicy{KnownHosts: caLine})

	if err := v.check(hostAddr, remoteAddr, hostCert(t, ca, host.PublicKey(), "127.0.0.1")); err != nil {
		t.Fatalf("certificate signed by the known CA refused: %v", err)
	}

	err := v.check(hostAddr, remoteAddr, hostCert(t, otherCA, host.PublicKey(), "127.0.0.1"))
	if hk := asHostKeyError(t, err); len(hk.Expected) != 0 || !strings.Contains(err.Error(), ssh.FingerprintSHA256(host.PublicKey())) {
		t.Fatalf("certificate of an unknown CA: want an unknown-host error with the host's fingerprint, got %v", err)
	}

	err = v.check(hostAddr, remoteAddr, hostCert(t, ca, host.PublicKey(), "other.example"))
	if hk := asHostKeyError(t, err); !strings.Contains(hk.Detail, "principal") {
		t.Fatalf("wrong principal: want the certificate's problem in Detail, got %+v", hk)
	}

	err = v.check(hostAddr, remoteAddr, host.PublicKey())
	if hk := asHostKeyError(t, err); len(hk.Expected) != 0 || !strings.Contains(hk.Detail, "certificate authority") {
		t.Fatalf("plain key with only a CA line: want an unknown-host error that mentions the CA, got %+v", hk)
	}

	// A CA for another host does not vouch for this one.
	v = mustVerifier(t, HostKeyPolicy{KnownHosts: "@cert-authority *.example.net " + authorizedKey(ca.PublicKey())})
	asHostKeyError(t, v.check(hostAddr, remoteAddr, hostCert(t, ca, host.PublicKey(), "127.0.0.1")))

	// A certificate whose key is listed as a plain known key is accepted.
	v = mustVerifier(t, HostKeyPolicy{KnownHosts: "[127.0.0.1]:2222 " + authorizedKey(host.PublicKey())})
	if err := v.check(hostAddr, remoteAddr, hostCert(t, otherCA, host.PublicKey(), "127.0.0.1")); err != nil {
		t.Fatalf("certificate of a known plain key refused: %v", err)
	}
}

func TestHostKeyInsecure(t *testing.T) {
	v := mustVerifier(t, HostKeyPolicy{InsecureIgnoreHostKey: true})
	if err := v.check(hostAddr, remoteAddr, newSigner(t).PublicKey()); err != nil {
		t.Fatalf("insecure policy refused a key: %v", err)
	}
	if v.algorithms(hostAddr) != nil {
		t.Error("insecure policy should offer the library's default algorithms")
	}
}

func TestHostKeyBadPin(t *testing.T) {
	_, err := newHostKeyVerifier(HostKeyPolicy{HostKey: "ssh-ed25519 not-base64!"})
	if err == nil || !strings.Contains(err.Error(), "host_key") {
		t.Fatalf("want an error naming host_key, got %v", err)
	}
}

func TestHostKeyAlgorithms(t *testing.T) {
	ed, ec, ca := newSigner(t).PublicKey(), newECDSASigner(t).PublicKey(), newSigner(t).PublicKey()

	got := mustVerifier(t, HostKeyPolicy{HostKey: authorizedKey(ec)}).algorithms(hostAddr)
	if want := []string{ssh.KeyAlgoECDSA256, ssh.CertAlgoECDSA256v01}; !slices.Equal(got, want) {
		t.Errorf("pinned ecdsa: algorithms %q, want %q", got, want)
	}

	got = mustVerifier(t, HostKeyPolicy{KnownHosts: "[127.0.0.1]:2222 " + authorizedKey(ec) + "\nother " + authorizedKey(ed)}).algorithms(hostAddr)
	if got[0] != ssh.KeyAlgoECDSA256 || slices.ContainsFunc(got, func(a string) bool { return strings.Contains(a, "cert") }) {
		t.Errorf("known ecdsa key: algorithms %q, want ecdsa first and no certificates", got)
	}

	got = mustVerifier(t, HostKeyPolicy{KnownHosts: "@cert-authority * " + authorizedKey(ca) + "\n[127.0.0.1]:2222 " + authorizedKey(ec)}).algorithms(hostAddr)
	if got[0] != ssh.CertAlgoED25519v01 || !slices.Contains(got, ssh.KeyAlgoECDSA256) {
		t.Errorf("with a CA: algorithms %q, want certificates first, plain keys after", got)
	}

	got = mustVerifier(t, HostKeyPolicy{}).algorithms(hostAddr)
	if got[0] != ssh.KeyAlgoED25519 || slices.ContainsFunc(got, func(a string) bool { return strings.Contains(a, "cert") }) {
		t.Errorf("nothing configured: algorithms %q, want plain keys, ed25519 first", got)
	}

	plain, cert := algosForKeyType(ssh.KeyAlgoRSA)
	if !slices.Equal(plain, []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256}) ||
		!slices.Equal(cert, []string{ssh.CertAlgoRSASHA512v01, ssh.CertAlgoRSASHA256v01}) {
		t.Errorf("rsa algorithms %q %q", plain, cert)
	}
}

// TestHostKeyCertDecisionNotByErrorText: whether the refusal of a host certificate is reported
// as a certificate problem (HostKeyError.Detail) is decided without reading x/crypto's error
// text. The known_hosts database is wrapped so that every refusal of a certificate comes back
// in other words (as another x/crypto version may word it): a certificate that no
// @cert-authority line vouches for still gives no detail and its key is still judged by the
// plain lines; a certificate that a CA line vouches for, or that is no host certificate, still
// says why it was refused.
func TestHostKeyCertDecisionNotByErrorText(t *testing.T) {
	host, other, ca := newSigner(t), newSigner(t), newSigner(t)
	const reworded = "certificate refused, in other words"
	otherLine := "[127.0.0.1]:2222 " + authorizedKey(other.PublicKey())
	hostLine := "[127.0.0.1]:2222 " + authorizedKey(host.PublicKey())
	caLine := "@cert-authority [127.0.0.1]:2222 " + authorizedKey(ca.PublicKey())
	userCert := hostCert(t, ca, host.PublicKey(), "127.0.0.1")
	userCert.CertType = ssh.UserCert
	if err := userCert.SignCert(rand.Reader, ca); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, knownHosts string
		key              ssh.PublicKey
		wantErr          bool
		wantDetail       bool // the reworded refusal in Detail
		wantExpected     int
	}{
		{"certificate, no CA line, another plain key known", otherLine, hostCert(t, ca, host.PublicKey(), "127.0.0.1"), true, false, 1},
		{"certificate, no CA line, its key known", hostLine, hostCert(t, ca, host.PublicKey(), "127.0.0.1"), false, false, 0},
		{"certificate, CA line for other hosts only", "@cert-authority *.example.net " + authorizedKey(ca.PublicKey()) + "\n" + otherLine,
			hostCert(t, ca, host.PublicKey(), "127.0.0.1"), true, false, 1},
		{"certificate of the host's CA, wrong principal", caLine, hostCert(t, ca, host.PublicKey(), "other.example"), true, true, 0},
		{"user certificate presented as host key", otherLine, userCert, true, true, 1},
		{"plain key known", hostLine, host.PublicKey(), false, false, 0},
		{"plain key unknown", otherLine, host.PublicKey(), true, false, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := mustVerifier(t, HostKeyPolicy{KnownHosts: c.knownHosts})
			db := v.db
			v.db = func(addr string, remote net.Addr, key ssh.PublicKey) error {
				err := db(addr, remote, key)
				if _, isCert := key.(*ssh.Certificate); isCert && err != nil {
					return errors.New(reworded)
				}
				return err
			}
			err := v.check(hostAddr, remoteAddr, c.key)
			if !c.wantErr {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			hk := asHostKeyError(t, err)
			if gotDetail := strings.Contains(hk.Detail, reworded); gotDetail != c.wantDetail {
				t.Errorf("Detail = %q, want the certificate's refusal there: %t", hk.Detail, c.wantDetail)
			}
			if len(hk.Expected) != c.wantExpected {
				t.Errorf("Expected = %q, want %d known key(s)", hk.Expected, c.wantExpected)
			}
		})
	}
}
