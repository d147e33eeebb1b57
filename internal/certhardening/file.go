// Package certhardening is ntopng's HTTPS certificate file as the provider hardens it: what
// the file on the host must be (the bundle of key, leaf and chain, path, owner and mode),
// what a host really has (the file read back as a plain struct), and whether ntopng serves
// the certificate (Verifier). It is plain Go: the Terraform resource ntopng_tls_cert
// (internal/provider) is its adapter and turns the Problems here into diagnostics.
package certhardening

import (
	"net"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/hostids"
	"github.com/hardenops/terraform-provider-ntopng/internal/pembundle"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// Defaults of the certificate file, as the ntop packages lay ntopng out.
const (
	// DefaultPath is where ntop's packages make ntopng read its HTTPS certificate.
	DefaultPath          = "/usr/share/ntopng/httpdocs/ssl/ntopng-cert.pem"
	DefaultOwner         = "root"
	DefaultGroup         = "ntop"
	DefaultMode          = "0640"
	DefaultRestart       = "systemctl restart ntopng"
	DefaultVerifyTimeout = "60s"
	DefaultMinDaysLeft   = 30
)

// Attribute names a Problem of this package points at, besides pembundle's fields.
const (
	FieldPath           = "path"
	FieldOwner          = "owner"
	FieldGroup          = "group"
	FieldMode           = "mode"
	FieldVerifyEndpoint = "verify_endpoint"
	FieldVerifyTimeout  = "verify_timeout"
)

// ModeRE is the form of the file's mode: four octal digits.
var ModeRE = regexp.MustCompile(`^0[0-7]{3}$`)

// Settings are the settings of the file that can be checked without a host. A nil field is
// not known yet (or not set) and is not checked.
type Settings struct {
	Path, Mode, VerifyEndpoint, VerifyTimeout *string
}

// Check returns what is wrong with the settings, each Problem on the attribute at fault.
func (s Settings) Check() []pembundle.Problem {
	var out []pembundle.Problem
	fail := func(field, summary, detail string) {
		out = append(out, pembundle.Problem{Field: field, Summary: summary, Detail: detail})
	}
	if s.Mode != nil && ModeRE.MatchString(*s.Mode) && FileMode(*s.Mode)&0o007 != 0 {
		fail(FieldMode, "Certificate File Readable by Everyone",
			"mode = "+strconv.Quote(*s.Mode)+" gives other users access to the file, which holds the private key. "+
				"Use \"0640\" (with group ntop) or \"0600\".")
	}
	if v := s.VerifyTimeout; v != nil && *v != "" {
		if d, err := time.ParseDuration(*v); err != nil || d <= 0 {
			fail(FieldVerifyTimeout, "Invalid Verify Timeout",
				"verify_timeout = "+strconv.Quote(*v)+" is not a positive Go duration; write it like \"60s\" or \"2m\".")
		}
	}
	if v := s.VerifyEndpoint; v != nil {
		if h, p, err := net.SplitHostPort(*v); err != nil || h == "" || p == "" {
			fail(FieldVerifyEndpoint, "Invalid Verify Endpoint",
				"verify_endpoint = "+strconv.Quote(*v)+" is not HOST:PORT; write it like \"127.0.0.1:443\" or \"[::1]:443\".")
		}
	}
	if v := s.Path; v != nil && path.Clean(*v) != *v {
		fail(FieldPath, "Path Not Clean", "path = "+strconv.Quote(*v)+": write it as "+strconv.Quote(path.Clean(*v))+".")
	}
	return out
}

// FileMode is the permission bits of mode (four octal digits); 0 when it is not octal.
func FileMode(mode string) os.FileMode {
	m, _ := strconv.ParseUint(mode, 8, 32)
	return os.FileMode(m)
}

// VerifyTimeout is how long Verifier waits: timeout as a Go duration, DefaultVerifyTimeout
// when it does not parse.
func VerifyTimeout(timeout string) time.Duration {
	d, err := time.ParseDuration(timeout)
	if err != nil {
		d, _ = time.ParseDuration(DefaultVerifyTimeout)
	}
	return d
}

// Desired checks certificate, chain and key for writing them to a host (no expiry warning
// threshold) and returns the bundle, or nil and the errors (warnings are dropped).
func Desired(certPEM, chainPEM, keyPEM string, now time.Time) (*pembundle.Bundle, []pembundle.Problem) {
	b, problems := pembundle.Check(certPEM, chainPEM, keyPEM, now, 0)
	if b != nil {
		return b, nil
	}
	return nil, slices.DeleteFunc(problems, func(p pembundle.Problem) bool { return p.Warning })
}

// File is the certificate file as the host must hold it: the rendered bundle at p with mode,
// owned by uid and gid.
func File(p string, b *pembundle.Bundle, mode string, uid, gid int) hostchange.File {
	return hostchange.File{Path: p, Data: b.Render(), Mode: FileMode(mode), UID: uid, GID: gid}
}

// ChainFingerprints are the SHA-256 fingerprints of b's intermediates, in order.
func ChainFingerprints(b *pembundle.Bundle) []string {
	out := make([]string, 0, len(b.Chain))
	for _, c := range b.Chain {
		out = append(out, pembundle.Fingerprint(c))
	}
	return out
}

// ResolveOwner returns the uid and gid of owner and group on host: a name in the host's ids
// or a numeric id. An unknown one is a Problem on owner or group.
func ResolveOwner(host, owner, group string, ids *hostids.IDs) (uid, gid int, problems []pembundle.Problem) {
	uid, ok := resolveID(owner, ids.UID)
	if !ok {
		problems = append(problems, pembundle.Problem{Field: FieldOwner, Summary: "Unknown Owner",
			Detail: "owner = " + strconv.Quote(owner) + ": there is no such user in /etc/passwd on " + host +
				". Create the user first, or set owner to an existing user (default \"root\")."})
	}
	gid, ok = resolveID(group, ids.GID)
	if !ok {
		hint := "Create the group first, or set group to an existing group."
		if group == DefaultGroup {
			hint = "The ntop packages create group \"ntop\": install ntopng on the host first, or set group to an " +
				"existing group (e.g. \"root\" with mode \"0600\")."
		}
		problems = append(problems, pembundle.Problem{Field: FieldGroup, Summary: "Unknown Group",
			Detail: "group = " + strconv.Quote(group) + ": there is no such group in /etc/group on " + host + ". " + hint})
	}
	return uid, gid, problems
}

// resolveID is the id of name: the host's, else name as a number.
func resolveID(name string, lookup func(string) (int, bool)) (int, bool) {
	if id, ok := lookup(name); ok {
		return id, true
	}
	if n, err := strconv.Atoi(name); err == nil && n >= 0 {
		return n, true
	}
	return 0, false
}

// CheckDir says what is wrong with the directory of the certificate file p on host, given
// what a stat of it returned (info, err): nil when it exists.
func CheckDir(host, p string, info transport.FileInfo, err error) []pembundle.Problem {
	dir := path.Dir(p)
	switch {
	case err != nil:
		return []pembundle.Problem{{Field: FieldPath, Summary: "Cannot Check the Certificate Directory", Detail: err.Error()}}
	case !info.Exists || !info.IsDir:
		return []pembundle.Problem{{Field: FieldPath, Summary: "Certificate Directory Missing",
			Detail: dir + " does not exist on " + host + ", so the certificate cannot be written there. Install ntopng " +
				"first (the package creates " + path.Dir(DefaultPath) + "), or set path to <httpdocs>/ssl/ntopng-cert.pem " +
				"of this ntopng (--httpdocs-dir)."}}
	}
	return nil
}
