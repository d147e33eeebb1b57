package testhost

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/pem"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
)

// newEd25519 returns a fresh ed25519 key and its signer.
func newEd25519(t testing.TB) (ed25519.PrivateKey, ssh.Signer) {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("testhost: generate ed25519 key: %v", err)
	}
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		t.Fatalf("testhost: %v", err)
	}
	return key, signer
}

// encryptedKey is an RSA key encrypted with a passphrase.
type encryptedKey struct {
	pub        ssh.PublicKey
	pem        string
	passphrase string
}

// rsaKeys caches the encrypted RSA keys for the whole test process: generating and
// encrypting them (bcrypt KDF) takes about a second, and test keys gain nothing from
// being fresh.
var rsaKeys struct {
	sync.Mutex
	keys []encryptedKey
}

// encryptedRSA returns the i-th cached encrypted 2048-bit RSA key, made on first use.
func encryptedRSA(t testing.TB, i int, comment string) encryptedKey {
	t.Helper()
	rsaKeys.Lock()
	defer rsaKeys.Unlock()
	for len(rsaKeys.keys) <= i {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatalf("testhost: generate RSA key: %v", err)
		}
		pub, err := ssh.NewPublicKey(&key.PublicKey)
		if err != nil {
			t.Fatalf("testhost: %v", err)
		}
		passphrase := randomString(t, 12)
		rsaKeys.keys = append(rsaKeys.keys, encryptedKey{pub, encryptedPEM(t, key, comment, passphrase), passphrase})
	}
	return rsaKeys.keys[i]
}

// privatePEM returns key in the OpenSSH private key format, unencrypted.
func privatePEM(t testing.TB, key any, comment string) string {
	t.Helper()
	block, err := ssh.MarshalPrivateKey(key, comment)
	if err != nil {
		t.Fatalf("testhost: marshal private key: %v", err)
	}
	return string(pem.EncodeToMemory(block))
}

// encryptedPEM returns key in the OpenSSH private key format, encrypted with passphrase.
func encryptedPEM(t testing.TB, key any, comment, passphrase string) string {
	t.Helper()
	block, err := ssh.MarshalPrivateKeyWithPassphrase(key, comment, []byte(passphrase))
	if err != nil {
		t.Fatalf("testhost: marshal encrypted private key: %v", err)
	}
	return string(pem.EncodeToMemory(block))
}

// authorizedLine returns pub in authorized_keys format without the trailing newline.
func authorizedLine(pub ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
}

// signCert signs a certificate for pub with ca, valid forever for principals.
func signCert(t testing.TB, ca ssh.Signer, pub ssh.PublicKey, certType uint32, keyID string, principals []string) *ssh.Certificate {
	t.Helper()
	cert := &ssh.Certificate{
		Key:             pub,
		Serial:          1,
		CertType:        certType,
		KeyId:           keyID,
		ValidPrincipals: principals,
		ValidAfter:      0,
		ValidBefore:     ssh.CertTimeInfinity,
	}
	if certType == ssh.UserCert {
		cert.Permissions.Extensions = map[string]string{
			"permit-X11-forwarding":   "",
			"permit-agent-forwarding": "",
			"permit-port-forwarding":  "",
			"permit-pty":              "",
			"permit-user-rc":          "",
		}
	}
	if err := cert.SignCert(rand.Reader, ca); err != nil {
		t.Fatalf("testhost: sign certificate: %v", err)
	}
	return cert
}

// randomString returns n random bytes as hex.
func randomString(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("testhost: %v", err)
	}
	return hex.EncodeToString(b)
}
