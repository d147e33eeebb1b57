package transport

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyError is returned when a host's key is not accepted: the host is
// unknown (Expected is empty), its key does not match (Expected lists the
// accepted fingerprints), or it is revoked.
type HostKeyError struct {
	// Addr is the "host:port" that was dialled.
	Addr string
	// Key is the key the host presented (the certified key for a host certificate).
	Key ssh.PublicKey
	// Expected holds the accepted keys' descriptions ("SHA256:... (ssh-ed25519, from host_key)").
	Expected []string
	// Revoked is true when known_hosts marks the key @revoked.
	Revoked bool
	// Detail explains a rejected host certificate, if one was presented.
	Detail string
}

func (e *HostKeyError) Error() string {
	fp := ssh.FingerprintSHA256(e.Key)
	var b strings.Builder
	switch {
	case e.Revoked:
		fmt.Fprintf(&b, "host key of %s (%s %s) is marked @revoked in known_hosts: refusing to connect", e.Addr, e.Key.Type(), fp)
	case len(e.Expected) > 0:
		fmt.Fprintf(&b, "host key mismatch for %s: expected %s, but the host presented %s (%s). "+
			"Someone may be intercepting the connection, or the host was reinstalled; "+
			"if the new key is right, update host_key or known_hosts to:\n  host_key = %q",
			e.Addr, strings.Join(e.Expected, " or "), fp, e.Key.Type(), authorizedKey(e.Key))
	default:
		fmt.Fprintf(&b, "host key of %s is unknown: it is not pinned with host_key and not in known_hosts. "+
			"The host presented %s %s. If that is the host's key (check on its console with "+
			"`ssh-keygen -lf /etc/ssh/ssh_host_%s_key.pub`), pin it in the provider's ssh block:\n  host_key = %q\n"+
			"or add this line to known_hosts:\n  %s",
			e.Addr, e.Key.Type(), fp, keyFileKind(e.Key), authorizedKey(e.Key),
			knownhosts.Line([]string{knownhosts.Normalize(e.Addr)}, e.Key))
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, "\n(the host's certificate was not accepted: %s)", e.Detail)
	}
	return b.String()
}

// authorizedKey is k as "type base64" without a newline.
func authorizedKey(k ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k)))
}

func keyFileKind(k ssh.PublicKey) string {
	switch {
	case k.Type() == ssh.KeyAlgoED25519:
		return "ed25519"
	case strings.HasPrefix(k.Type(), "ecdsa"):
		return "ecdsa"
	case k.Type() == ssh.KeyAlgoRSA:
		return "rsa"
	}
	return "*"
}

// plainKey is the certified key of a certificate, or k itself.
func plainKey(k ssh.PublicKey) ssh.PublicKey {
	if c, ok := k.(*ssh.Certificate); ok {
		return c.Key
	}
	return k
}

// hostKeyVerifier decides whether a presented host key is accepted.
type hostKeyVerifier struct {
	pinned   ssh.PublicKey
	db       ssh.HostKeyCallback // knownhosts; nil when none configured
	caKeys   map[string]bool     // marshalled @cert-authority keys
	insecure bool
	tmpName  string // file name standing for KnownHosts content in db errors
}

// newHostKeyVerifier parses the policy. Files are read now; errors name the
// attribute at fault.
func newHostKeyVerifier(p HostKeyPolicy) (*hostKeyVerifier, error) {
	v := &hostKeyVerifier{insecure: p.InsecureIgnoreHostKey}
	if p.HostKey != "" {
		k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(p.HostKey))
		if err != nil {
			return nil, fmt.Errorf("host_key %q is not a public key in OpenSSH format (\"ssh-ed25519 AAAA...\"): %w", p.HostKey, err)
		}
		v.pinned = plainKey(k)
		return v, nil
	}
	if p.KnownHosts == "" && p.KnownHostsFile == "" {
		return v, nil
	}
	var files []string
	var all []byte
	if p.KnownHosts != "" {
		f, err := os.CreateTemp("", "known_hosts-*")
		if err != nil {
			return nil, fmt.Errorf("cannot stage known_hosts content in a temporary file: %w", err)
		}
		defer os.Remove(f.Name())
		_, werr := f.WriteString(p.KnownHosts)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return nil, fmt.Errorf("cannot stage known_hosts content in a temporary file: %w", werr)
		}
		files = append(files, f.Name())
		v.tmpName = f.Name()
		all = append(all, p.KnownHosts...)
		all = append(all, '\n')
	}
	if p.KnownHostsFile != "" {
		path, err := expandHome(p.KnownHostsFile)
		if err != nil {
			return nil, err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("cannot read known_hosts_file %q: %w", p.KnownHostsFile, err)
		}
		files = append(files, path)
		all = append(all, data...)
	}
	db, err := knownhosts.New(files...)
	if err != nil {
		if v.tmpName != "" {
			err = errors.New(strings.ReplaceAll(err.Error(), v.tmpName, "known_hosts"))
		}
		return nil, fmt.Errorf("cannot parse known_hosts: %w", err)
	}
	v.db = db
	v.caKeys = certAuthorities(all)
	return v, nil
}

// expandHome replaces a leading "~/" (or a lone "~") with the home directory.
func expandHome(p string) (string, error) {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cannot expand %q: %w", p, err)
	}
	return filepath.Join(home, strings.TrimPrefix(p, "~")), nil
}

// certAuthorities returns the keys of the @cert-authority lines in
// known_hosts data. (The knownhosts package reports them among a host's
// "wanted" keys; they must not be mistaken for host keys.)
func certAuthorities(data []byte) map[string]bool {
	cas := map[string]bool{}
	for len(data) > 0 {
		marker, _, key, _, rest, err := ssh.ParseKnownHosts(data)
		if err == nil && marker == "cert-authority" {
			cas[string(key.Marshal())] = true
		}
		if errors.Is(err, io.EOF) || len(rest) >= len(data) {
			break
		}
		data = rest
	}
	return cas
}

// hostKeys filters the keys a known_hosts error lists for a host down to
// plain host keys; matchedCA tells whether a CA line matched the host too.
func (v *hostKeyVerifier) hostKeys(want []knownhosts.KnownKey) (keys []knownhosts.KnownKey, matchedCA bool) {
	for _, w := range want {
		if v.caKeys[string(w.Key.Marshal())] {
			matchedCA = true
			continue
		}
		keys = append(keys, w)
	}
	return keys, matchedCA
}

// isHostAuthority tells whether an @cert-authority line for ca matches addr: the question
// x/crypto's CertChecker asks before it checks a host certificate, whose "no" comes back only as
// the text of an error. It is asked here through the known_hosts database instead, which lists
// every line (plain or @cert-authority) that matches an address when a key is not among them.
func (v *hostKeyVerifier) isHostAuthority(addr string, remote net.Addr, ca ssh.PublicKey) bool {
	caBlob := ca.Marshal()
	if !v.caKeys[string(caBlob)] {
		return false
	}
	var keyErr *knownhosts.KeyError
	if !errors.As(v.db(addr, remote, probeKey()), &keyErr) {
		return false
	}
	return slices.ContainsFunc(keyErr.Want, func(w knownhosts.KnownKey) bool { return bytes.Equal(w.Key.Marshal(), caBlob) })
}

// check is the ssh.HostKeyCallback.
func (v *hostKeyVerifier) check(addr string, remote net.Addr, key ssh.PublicKey) error {
	if v.insecure {
		return nil
	}
	plain := plainKey(key)
	if v.pinned != nil {
		if bytes.Equal(plain.Marshal(), v.pinned.Marshal()) {
			return nil
		}
		return &HostKeyError{Addr: addr, Key: plain, Expected: []string{
			fmt.Sprintf("%s (%s, from host_key)", ssh.FingerprintSHA256(v.pinned), v.pinned.Type()),
		}}
	}
	if v.db == nil {
		return &HostKeyError{Addr: addr, Key: plain}
	}
	var certDetail string
	if cert, isCert := key.(*ssh.Certificate); isCert {
		err := v.db(addr, remote, key)
		if err == nil {
			return nil
		}
		// A host certificate that no @cert-authority line vouches for is not a certificate
		// problem to report: its key is judged below like a plain key. Any other refusal (a
		// wrong principal, an expired or revoked certificate, not a host certificate) is.
		if cert.CertType != ssh.HostCert || v.isHostAuthority(addr, remote, cert.SignatureKey) {
			certDetail = err.Error()
		}
	}
	err := v.db(addr, remote, plain)
	if err == nil {
		return nil
	}
	hkErr := &HostKeyError{Addr: addr, Key: plain, Detail: certDetail}
	var keyErr *knownhosts.KeyError
	var revErr *knownhosts.RevokedError
	switch {
	case errors.As(err, &revErr):
		hkErr.Revoked = true
	case errors.As(err, &keyErr):
		want, matchedCA := v.hostKeys(keyErr.Want)
		if matchedCA && hkErr.Detail == "" {
			hkErr.Detail = "known_hosts trusts a certificate authority for this host, but the host presented no certificate signed by it"
		}
		for _, w := range want {
			file := w.Filename
			if file == v.tmpName {
				file = "known_hosts"
			}
			hkErr.Expected = append(hkErr.Expected,
				fmt.Sprintf("%s (%s, %s line %d)", ssh.FingerprintSHA256(w.Key), w.Key.Type(), file, w.Line))
		}
	default:
		return fmt.Errorf("cannot check the host key of %s against known_hosts: %w", addr, err)
	}
	return hkErr
}

// Host-key algorithms in this package's order of preference.
var (
	plainAlgos = []string{
		ssh.KeyAlgoED25519,
		ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521,
		ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256,
	}
	certAlgos = []string{
		ssh.CertAlgoED25519v01,
		ssh.CertAlgoECDSA256v01, ssh.CertAlgoECDSA384v01, ssh.CertAlgoECDSA521v01,
		ssh.CertAlgoRSASHA512v01, ssh.CertAlgoRSASHA256v01,
	}
)

// algosForKeyType lists the plain and certificate algorithms that present a
// key of the given type.
func algosForKeyType(keyType string) (plain, cert []string) {
	for i, a := range plainAlgos {
		if a == keyType || (keyType == ssh.KeyAlgoRSA && strings.HasPrefix(a, "rsa-sha2-")) {
			plain = append(plain, a)
			cert = append(cert, certAlgos[i])
		}
	}
	return plain, cert
}

// probeKey is a throwaway key used to ask the known_hosts database which
// keys it holds for an address. It is made on first use: every provider process
// (three per plan) made one at start, most of them never to dial with known_hosts.
var probeKey = sync.OnceValue(func() ssh.PublicKey {
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		panic(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		panic(err)
	}
	return k
})

// algorithms returns the host-key algorithms to offer to addr, so the host
// presents a key the policy can verify: the pinned key's type; the types
// known_hosts holds for the host first (certificates first when known_hosts
// has @cert-authority lines); nil (the library's defaults) when insecure.
func (v *hostKeyVerifier) algorithms(addr string) []string {
	switch {
	case v.insecure:
		return nil
	case v.pinned != nil:
		plain, cert := algosForKeyType(v.pinned.Type())
		return append(plain, cert...)
	case v.db == nil:
		return plainAlgos
	}
	var out []string
	if len(v.caKeys) > 0 {
		out = append(out, certAlgos...)
	}
	var keyErr *knownhosts.KeyError
	if err := v.db(addr, &net.TCPAddr{IP: net.IPv4zero}, probeKey()); errors.As(err, &keyErr) {
		want, _ := v.hostKeys(keyErr.Want)
		for _, w := range want {
			plain, _ := algosForKeyType(w.Key.Type())
			out = appendNew(out, plain...)
		}
	}
	return appendNew(out, plainAlgos...)
}

func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		if !slices.Contains(list, it) {
			list = append(list, it)
		}
	}
	return list
}
