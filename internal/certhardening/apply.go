package certhardening

import (
	"context"
	"path"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/hostids"
	"github.com/hardenops/terraform-provider-ntopng/internal/pembundle"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// ProblemsError is a refusal before anything is written: the Problems say what to fix.
type ProblemsError struct{ Problems []pembundle.Problem }

func (e *ProblemsError) Error() string { return e.Problems[0].Summary + ": " + e.Problems[0].Detail }

// CheckHost resolves owner and group on the host of c (named host) and checks that the
// directory of the certificate file p exists. err is the failure to read the host's users
// and groups; everything else is a Problem.
func CheckHost(ctx context.Context, c *transport.Conn, host, p, owner, group string) ([]pembundle.Problem, error) {
	files, err := c.ReadFiles(ctx, hostids.Files)
	if err != nil {
		return nil, err
	}
	_, _, problems := ResolveOwner(host, owner, group, hostids.Parse(files[0].Data, files[1].Data))
	info, err := c.Stat(ctx, path.Dir(p))
	return append(problems, CheckDir(host, p, info, err)...), nil
}

// Target is the certificate file an apply writes and how ntopng takes it up.
type Target struct {
	Host, Path, Owner, Group, Mode string
	Bundle                         *pembundle.Bundle
	// Restart is run after the file changed ("" runs nothing).
	Restart string
	// VerifyEndpoint, when set, is checked to serve Bundle's leaf within VerifyTimeout.
	VerifyEndpoint string
	VerifyTimeout  time.Duration
}

// Applied says what Apply did and what the endpoint served after it.
type Applied struct {
	hostchange.Result
	// Verified is true when VerifyEndpoint was checked; Listening, Served and Warning are
	// then the Verifier's.
	Verified, Listening bool
	Served, Warning     string
}

// Apply writes t with hostchange.Apply on the host of c whose users and groups are ids:
// owner and group resolved first (a *ProblemsError when unknown, before anything is
// written), what the endpoint serves recorded, then the file written, ntopng restarted when
// the file changed or serves another certificate, and the new certificate verified.
func Apply(ctx context.Context, c *transport.Conn, ids *hostids.IDs, t Target) (Applied, error) {
	uid, gid, problems := ResolveOwner(t.Host, t.Owner, t.Group, ids)
	if len(problems) > 0 {
		return Applied{}, &ProblemsError{Problems: problems}
	}
	want := pembundle.Fingerprint(t.Bundle.Leaf)
	ch := hostchange.Change{Files: []hostchange.File{File(t.Path, t.Bundle, t.Mode, uid, gid)}, Restart: t.Restart}
	var v *Verifier
	if t.VerifyEndpoint != "" {
		v = NewVerifier(c, t.VerifyEndpoint, want, t.VerifyTimeout)
		v.Before(ctx)
		ch.Verify = v.Verify
		// A server serving another certificate (or failing the handshake) from a correct file
		// gets restarted.
		ch.ForceRestart = v.Listening() && v.Served() != want
	}
	res, err := hostchange.Apply(ctx, c, ch)
	a := Applied{Result: res}
	if v != nil {
		a.Verified, a.Listening, a.Served, a.Warning = true, v.Listening(), v.Served(), v.Warning()
	}
	return a, err
}
