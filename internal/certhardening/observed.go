package certhardening

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostids"
	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
	"github.com/hardenops/terraform-provider-ntopng/internal/pembundle"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// Observed is the certificate file a host has, read back. The private key itself is never
// part of it: only the fingerprint of its public half.
type Observed struct {
	// Owner and Group are the names of the file's uid and gid on the host (the number when
	// it has no name); Mode is its permissions as four octal digits.
	Owner, Group, Mode string
	// LeafFingerprint, KeyPublicFingerprint and ChainFingerprints are pembundle.ParseFile's
	// facts of the file; empty (ChainFingerprints: no element) when it has no such part.
	LeafFingerprint, KeyPublicFingerprint string
	ChainFingerprints                     []string
	// NotPEM is set when the file holds no PEM block at all (the facts are then empty).
	NotPEM error
	// Certificates are the file's certificates, for an import (nil when it has no
	// certificate, or one that does not parse).
	Certificates *Imported
}

// Observe evaluates the file f read from a host whose users and groups are ids.
func Observe(f transport.File, ids *hostids.IDs) Observed {
	o := Observed{
		Owner:             ids.UserName(f.Info.UID),
		Group:             ids.GroupName(f.Info.GID),
		Mode:              fmt.Sprintf("%04o", f.Info.Mode.Perm()),
		ChainFingerprints: []string{},
	}
	o.Certificates = ImportCertificates(f.Data)
	facts, err := pembundle.ParseFile(f.Data)
	if err != nil {
		o.NotPEM = err
		return o
	}
	o.LeafFingerprint = facts.LeafFingerprintSHA256
	o.KeyPublicFingerprint = facts.KeyPublicFingerprintSHA256
	o.ChainFingerprints = facts.ChainFingerprints
	return o
}

// Imported are the certificates of a file taken over by an import.
type Imported struct {
	// CertificatePEM is the first certificate; ChainPEM the others ("" when none), each
	// re-encoded as plain PEM blocks.
	CertificatePEM, ChainPEM string
	Bundle                   *pembundle.Bundle // Leaf and Chain, no key
}

// ImportCertificates takes the certificates out of a certificate file (the private key
// stays out). It returns nil when the file has no certificate, or one that does not parse.
func ImportCertificates(data []byte) *Imported {
	var certs []*x509.Certificate
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil
	}
	encode := func(cs []*x509.Certificate) string {
		var sb strings.Builder
		for _, c := range cs {
			sb.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
		}
		return sb.String()
	}
	return &Imported{CertificatePEM: encode(certs[:1]), ChainPEM: encode(certs[1:]),
		Bundle: &pembundle.Bundle{Leaf: certs[0], Chain: certs[1:]}}
}

// Served is what a TLS server presents at an endpoint, read once through the SSH connection.
type Served struct {
	// Listening is true when something accepted the connection.
	Listening bool
	// Err is set when something listens but the TLS handshake failed.
	Err error
	// Fingerprint and Subject are of the presented leaf ("" when none was read).
	Fingerprint, Subject string
	// Detail says what the SSH server reported when nothing listens.
	Detail string
}

// ReadServed reads the leaf certificate served at endpoint, as reached from the host.
func ReadServed(ctx context.Context, c *transport.Conn, endpoint string) Served {
	leaf, detail, err := livecheck.ServedCertificate(ctx, c, endpoint)
	s := Served{Listening: leaf != nil || err != nil, Err: err, Detail: detail}
	if leaf != nil && err == nil {
		s.Fingerprint, s.Subject = pembundle.Fingerprint(leaf), leaf.Subject.String()
	}
	return s
}

// Read reads the certificate file at p and the host's users and groups in one SFTP round
// trip and, when endpoint is set, what is served there (asked for while the file is read:
// it does not depend on the file). found is false when the file does not exist; served is
// nil without an endpoint. err is the failure to read the files. The endpoint's answer is
// waited for at most timeout (verify_timeout): an endpoint that accepts and never answers
// reads as a failed handshake then.
func Read(ctx context.Context, c *transport.Conn, p, endpoint string, timeout time.Duration) (o Observed, found bool, served *Served, err error) {
	var ch chan Served
	if endpoint != "" {
		ch = make(chan Served, 1)
		go func() {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			ch <- ReadServed(ctx, c, endpoint)
		}()
	}
	files, err := c.ReadFiles(ctx, append([]string{p}, hostids.Files...))
	if err != nil || !files[0].Info.Exists {
		return Observed{}, false, nil, err
	}
	o = Observe(files[0], hostids.Parse(files[1].Data, files[2].Data))
	if ch != nil {
		s := <-ch
		served = &s
	}
	return o, true, served, nil
}
