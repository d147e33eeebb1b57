package transport

import (
	"sync"

	"golang.org/x/crypto/ssh"
)

// memo computes a value once per key and keeps it for the life of its Pool; concurrent
// callers for one key wait for one computation, other keys do not wait. Errors are not
// kept: the next caller computes again.
type memo[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]*memoEntry[V]
}

type memoEntry[V any] struct {
	mu   sync.Mutex
	done bool
	v    V
}

func (m *memo[K, V]) get(k K, compute func() (V, error)) (V, error) {
	m.mu.Lock()
	if m.m == nil {
		m.m = map[K]*memoEntry[V]{}
	}
	e := m.m[k]
	if e == nil {
		e = &memoEntry[V]{}
		m.m[k] = e
	}
	m.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.done {
		return e.v, nil
	}
	v, err := compute()
	if err == nil {
		e.v, e.done = v, true
	}
	return v, err
}

// signerKey is what a parsed private key depends on.
type signerKey struct{ key, passphrase string }

// parsed holds what every dial of a Pool would otherwise parse again: the known_hosts
// policy (a fleet's known_hosts lists every host, so parsing it per dial grew with the
// square of the fleet) and the private key (an encrypted one costs a bcrypt KDF per parse).
// Agent keys are not kept: the agent is asked on each dial.
type parsed struct {
	verifiers memo[HostKeyPolicy, *hostKeyVerifier]
	signers   memo[signerKey, ssh.Signer]
}

func (p *parsed) verifier(policy HostKeyPolicy) (*hostKeyVerifier, error) {
	if p == nil {
		return newHostKeyVerifier(policy)
	}
	return p.verifiers.get(policy, func() (*hostKeyVerifier, error) { return newHostKeyVerifier(policy) })
}

func (p *parsed) signer(key, passphrase string) (ssh.Signer, error) {
	if p == nil {
		return parseSigner(key, passphrase)
	}
	return p.signers.get(signerKey{key, passphrase}, func() (ssh.Signer, error) { return parseSigner(key, passphrase) })
}
