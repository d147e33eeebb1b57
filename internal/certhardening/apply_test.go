package certhardening

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostids"
	"github.com/hardenops/terraform-provider-ntopng/internal/pembundle"
	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// An unknown owner or group refuses the apply before the host is touched (c is nil here).
func TestApplyRefusesUnknownOwner(t *testing.T) {
	ca := newTestCA(t)
	cert, key := ca.leaf(t, "probe.example.net")
	b, _ := Desired(cert, "", key, time.Now())
	ids := hostids.Parse([]byte("root:x:0:0::/root:/bin/sh\n"), []byte("root:x:0:\n"))
	_, err := Apply(context.Background(), nil, ids, Target{Host: "probe", Path: "/x/cert.pem", Owner: "root",
		Group: DefaultGroup, Mode: DefaultMode, Bundle: b})
	var refused *ProblemsError
	if !errors.As(err, &refused) || len(refused.Problems) != 1 || refused.Problems[0].Summary != "Unknown Group" ||
		!strings.HasPrefix(err.Error(), "Unknown Group: group = \"ntop\"") {
		t.Fatalf("got %v", err)
	}
}

// TestApplyAndReadThroughSSH writes, reads back and checks a certificate file on a real sshd.
func TestApplyAndReadThroughSSH(t *testing.T) {
	ctx, c := sshRoot(t)
	ca := newTestCA(t)
	cert, key := ca.leaf(t, "probe.example.net")
	b, _ := Desired(cert, pemCert(ca.cert), key, time.Now())
	p := filepath.Join(testhost.TempDir(t), "cert.pem")

	problems, err := CheckHost(ctx, c, "probe", filepath.Join(filepath.Dir(p), "ssl", "cert.pem"), "root", "no-such-group")
	if got := summaries(problems); err != nil || strings.Join(got, ",") != "group: Unknown Group,path: Certificate Directory Missing" {
		t.Fatalf("CheckHost of a missing directory and group: %q, %v", got, err)
	}
	if problems, err := CheckHost(ctx, c, "probe", p, "root", "0"); err != nil || len(problems) != 0 {
		t.Fatalf("CheckHost of a good target: %+v, %v", problems, err)
	}
	if _, found, _, err := Read(ctx, c, p, "", time.Second); found || err != nil {
		t.Fatalf("Read before the apply: found %v, %v", found, err)
	}

	files, err := c.ReadFiles(ctx, hostids.Files)
	if err != nil {
		t.Fatal(err)
	}
	ids := hostids.Parse(files[0].Data, files[1].Data)
	target := Target{Host: "probe", Path: p, Owner: "root", Group: "root", Mode: "0600", Bundle: b}
	if a, err := Apply(ctx, c, ids, target); err != nil || !a.Written || a.Verified {
		t.Fatalf("first Apply: %+v, %v", a, err)
	}
	got, err := os.ReadFile(p)
	if fi, _ := os.Stat(p); err != nil || string(got) != string(b.Render()) || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the file on the host is not the bundle, 0600: %v", err)
	}
	o, found, served, err := Read(ctx, c, p, "", time.Second)
	if !found || err != nil || served != nil || o.Owner != "root" || o.Mode != "0600" || o.NotPEM != nil ||
		o.LeafFingerprint != pembundle.Fingerprint(b.Leaf) || o.KeyPublicFingerprint != pembundle.PublicKeyFingerprint(b.Leaf.PublicKey) ||
		strings.Join(o.ChainFingerprints, ",") != pembundle.Fingerprint(ca.cert) || o.Certificates == nil || o.Certificates.CertificatePEM != cert {
		t.Fatalf("Read after the apply: %+v found %v served %v %v", o, found, served, err)
	}
	if a, err := Apply(ctx, c, ids, target); err != nil || a.Written {
		t.Fatalf("Apply of the same file wrote it again: %+v, %v", a, err)
	}

	// Nothing listens at the endpoint, before or after: the apply goes on with a warning.
	free := fmt.Sprintf("127.0.0.1:%d", testhost.FreePort(t))
	target.Mode, target.VerifyEndpoint, target.VerifyTimeout = "0640", free, 500*time.Millisecond
	a, err := Apply(ctx, c, ids, target)
	if err != nil || !a.Written || !a.Verified || a.Listening || !strings.Contains(a.Warning, "Nothing listens at "+free) {
		t.Fatalf("Apply with nothing listening: %+v, %v", a, err)
	}
	if o, _, served, _ := Read(ctx, c, p, free, time.Second); o.Mode != "0640" || served == nil || served.Listening {
		t.Fatalf("Read with the endpoint: %+v, served %+v", o, served)
	}
}

// TestApplyBoundedByVerifyTimeout: an endpoint that accepts and never answers holds the
// apply no longer than verify_timeout as a whole (it held it 47 s with "5s": every check
// waited 15 s for the handshake). The apply fails saying the timeout, the file is put back,
// and the connections made are few: Before once, then each poll within the timeout.
func TestApplyBoundedByVerifyTimeout(t *testing.T) {
	ctx, c := sshRoot(t)
	ca := newTestCA(t)
	cert, key := ca.leaf(t, "probe.example.net")
	b, _ := Desired(cert, "", key, time.Now())
	p := filepath.Join(testhost.TempDir(t), "cert.pem")
	files, err := c.ReadFiles(ctx, hostids.Files)
	if err != nil {
		t.Fatal(err)
	}
	ids := hostids.Parse(files[0].Data, files[1].Data)

	addr, accepted := testhost.SilentListener(t)
	const timeout = 1500 * time.Millisecond
	target := Target{Host: "probe", Path: p, Owner: "root", Group: "root", Mode: "0600", Bundle: b,
		VerifyEndpoint: addr, VerifyTimeout: timeout, Restart: "true"}
	// A deadline far beyond the timeout: the apply must end on its own, by the timeout.
	ctx, cancel := context.WithTimeout(ctx, 20*timeout)
	defer cancel()
	_, err = Apply(ctx, c, ids, target)
	if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "after "+timeout.String()) {
		t.Fatalf("Apply against an endpoint that never answers: %v (context: %v), want the %s timeout", err, ctx.Err(), timeout)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("the failed apply left %s behind (%v)", p, err)
	}
	// Before's check, then Poll's: 250 ms, 500 ms, 1 s apart; each bounded by what is left.
	if n := accepted(); n < 2 || n > 5 {
		t.Errorf("the apply connected %d times to the endpoint, want 2 to 5", n)
	}
	t.Logf("%v after %d connections", err, accepted())
}
