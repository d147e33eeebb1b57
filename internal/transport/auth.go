package transport

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// AuthError is returned when the server rejects every offered method. It is
// never retried.
type AuthError struct {
	// User and Addr ("host:port") say who tried to log in where.
	User, Addr string
	// Methods describes what was offered, in order.
	Methods []string
	// Err is the SSH library's error.
	Err error
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("SSH authentication as %q on %s failed; methods tried: %s. "+
		"Check that the key or certificate is authorised for that user (authorized_keys, TrustedUserCAKeys) "+
		"or that the password is right: %v",
		e.User, e.Addr, strings.Join(e.Methods, ", "), e.Err)
}

func (e *AuthError) Unwrap() error { return e.Err }

// authSetup is the ssh.AuthMethod list for one dial attempt plus what it
// needs closed afterwards.
type authSetup struct {
	methods []ssh.AuthMethod
	names   []string
	agent   net.Conn
}

func (a *authSetup) close() {
	if a.agent != nil {
		a.agent.Close()
	}
}

// parseSigner parses a private key, decrypting it with passphrase if needed.
func parseSigner(key, passphrase string) (ssh.Signer, error) {
	s, err := ssh.ParsePrivateKey([]byte(key))
	var missing *ssh.PassphraseMissingError
	switch {
	case err == nil:
		return s, nil
	case errors.As(err, &missing) && passphrase == "":
		return nil, errors.New("private_key is encrypted: set private_key_passphrase")
	case errors.As(err, &missing):
		s, err = ssh.ParsePrivateKeyWithPassphrase([]byte(key), []byte(passphrase))
		if err != nil {
			return nil, fmt.Errorf("cannot decrypt private_key with private_key_passphrase: %w", err)
		}
		return s, nil
	default:
		return nil, fmt.Errorf("private_key is not a PEM or OpenSSH private key: %w", err)
	}
}

// newAuth builds the methods for a, in order: certificate, private key,
// agent, password, keyboard-interactive. The agent socket is connected here
// (a missing one is an error now, not a retry later). The private key is parsed
// through cache (nil parses every time).
func newAuth(a Auth, cache *parsed) (*authSetup, error) {
	out := &authSetup{}
	var signers []ssh.Signer
	var keySigner ssh.Signer
	if a.PrivateKey != "" {
		s, err := cache.signer(a.PrivateKey, a.PrivateKeyPassphrase)
		if err != nil {
			return nil, err
		}
		keySigner = s
	}
	if a.Certificate != "" {
		if keySigner == nil {
			return nil, errors.New("certificate needs the matching private_key")
		}
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(a.Certificate))
		if err != nil {
			return nil, fmt.Errorf("certificate is not an OpenSSH certificate (\"...-cert-v01@openssh.com AAAA...\"): %w", err)
		}
		cert, ok := pub.(*ssh.Certificate)
		if !ok {
			return nil, fmt.Errorf("certificate holds a plain %s public key, not a certificate", pub.Type())
		}
		cs, err := ssh.NewCertSigner(cert, keySigner)
		if err != nil {
			return nil, fmt.Errorf("certificate does not match private_key: %w", err)
		}
		signers = append(signers, cs)
		out.names = append(out.names, fmt.Sprintf("certificate (%s, key ID %q)", ssh.FingerprintSHA256(cert.Key), cert.KeyId))
	}
	if keySigner != nil {
		signers = append(signers, keySigner)
		out.names = append(out.names, fmt.Sprintf("private key (%s)", ssh.FingerprintSHA256(keySigner.PublicKey())))
	}
	if a.Agent {
		sock := a.AgentSocket
		if sock == "" {
			sock = os.Getenv("SSH_AUTH_SOCK")
		}
		if sock == "" {
			return nil, errors.New("agent = true but SSH_AUTH_SOCK is not set: start ssh-agent and add a key (ssh-add) first")
		}
		c, err := net.Dial("unix", sock)
		if err != nil {
			return nil, fmt.Errorf("agent = true but the SSH agent at %s cannot be reached: %w", sock, err)
		}
		out.agent = c
		agentSigners, err := agent.NewClient(c).Signers()
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("cannot list the keys of the SSH agent at %s: %w", sock, err)
		}
		signers = append(signers, agentSigners...)
		out.names = append(out.names, fmt.Sprintf("agent (%d keys)", len(agentSigners)))
	}
	if len(signers) > 0 {
		// One publickey method: the library tries each method name once.
		out.methods = append(out.methods, ssh.PublicKeys(signers...))
	}
	if a.Password != "" {
		pw := a.Password
		out.methods = append(out.methods,
			ssh.Password(pw),
			ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
		out.names = append(out.names, "password", "keyboard-interactive")
	}
	if len(out.methods) == 0 {
		out.close()
		if a.Agent {
			return nil, errors.New("agent = true but the SSH agent holds no keys (add one with ssh-add), and no other method is set")
		}
		return nil, errors.New("no SSH authentication method: set private_key, certificate, password or agent")
	}
	return out, nil
}

// isAuthFailure tells the library's "every method rejected" errors.
func isAuthFailure(err error) bool {
	s := err.Error()
	return strings.Contains(s, "unable to authenticate") ||
		strings.Contains(s, "Too many authentication failures") ||
		strings.Contains(s, "too many authentication attempts")
}
