// Package audit is ntopng's hardening checklist as data: each check is a function of plain
// facts read from a host (files, the running processes, what Redis answers) that returns one
// finding. Where a setting has both a file and a running service, both are looked at. Pure:
// no SSH, no Terraform; the ntopng_audit data source gathers the facts.
package audit

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
)

// Status of a finding.
const (
	Pass          = "pass"
	Fail          = "fail"
	NotApplicable = "not_applicable"
)

// Severities.
const (
	Critical = "critical"
	High     = "high"
	Medium   = "medium"
)

// Finding is the result of one check.
type Finding struct {
	ID, Status, Severity, Summary, Evidence, Remediation string
}

// File is a file's metadata as read on the host.
type File struct {
	Path     string
	Exists   bool
	Mode     uint32 // permission bits
	UID, GID int
	Owner    string // user name of UID ("" unknown)
}

func (f File) String() string {
	if !f.Exists {
		return f.Path + " (missing)"
	}
	return fmt.Sprintf("%s %s uid=%d mode %04o", f.Path, f.Owner, f.UID, f.Mode)
}

// Listener is one TCP socket a process listens on.
type Listener struct {
	Address string
	Port    int
}

func (l Listener) String() string {
	return netip.AddrPortFrom(netip.MustParseAddr(orAny(l.Address)), uint16(l.Port)).String()
}

func orAny(a string) string {
	if _, err := netip.ParseAddr(a); err != nil {
		return "0.0.0.0"
	}
	return a
}

func (l Listener) loopback() bool {
	a, err := netip.ParseAddr(l.Address)
	return err == nil && a.Unmap().IsLoopback()
}

func (l Listener) wildcard() bool {
	a, err := netip.ParseAddr(l.Address)
	return err != nil || a.IsUnspecified()
}

// Cert is what was found of the HTTPS certificate file.
type Cert struct {
	File File
	// Parsed is false when the file holds no readable certificate.
	Parsed         bool
	Subject        string
	Issuer         string
	SelfSigned     bool
	WeakSignature  bool // signed with SHA-1 or MD5
	NotAfter       time.Time
	KeyMatchesLeaf bool
}

// Redis is what was found of the Redis that ntopng uses.
type Redis struct {
	ConfFile File
	// Conf values after includes (last one wins); RequirePass is the password's presence only.
	RequirePass    bool
	Port           int // 0: no TCP
	Bind           []string
	UnixSocket     string
	UnixSocketPerm uint32
	// Live: the running server. Probed is false when nothing was asked (no server found).
	Probed       bool
	Reachable    bool
	AuthRequired bool   // an unauthenticated PING was refused (NOAUTH)
	PingReply    string // what the unauthenticated PING got
	Listeners    []Listener
}

// Web is ntopng's web login state, read from its Redis.
type Web struct {
	// Read is false when ntopng's Redis could not be read (Error says why).
	Read  bool
	Error string
	// AdminHash is ntopng.user.admin.password ("": missing, which ntopng fills with the default).
	AdminHash string
	// TempAdminPassword: ntopng.prefs.temp_admin_password is set.
	TempAdminPassword bool
	// ACL is ntopng.prefs.http_acl_management_port.
	ACL string
}

// Facts are everything the checks look at.
type Facts struct {
	Now time.Time
	// NtopngConf is the main configuration file, DropIns the ntopng.conf.d/*.conf files.
	NtopngConf File
	DropIns    []File
	// Effective is what ntopng uses (main file + drop-ins); MainOnly what the files
	// ntopng_instance writes give alone (the main file, and its own Redis drop-in).
	Effective, MainOnly ntopngconf.Effective
	// UserExists: the configured run-as user exists (ntopng falls back to nobody otherwise).
	UserExists bool
	// Running: an ntopng process was found; ProcessUser is the user it runs as.
	Running     bool
	ProcessUser string
	Listeners   []Listener
	Cert        Cert
	Redis       Redis
	Web         Web
	// Grants: what ntop's package granted, still on the host (grants.go).
	Grants      PackageGrants
	Confinement Confinement
	Collector   Collector
	// TLS: what ntopng's HTTPS server negotiates (tls.go).
	TLS TLS
}

// Collector is ntopng's ZMQ flow collector channel (collector mode, tcp://ADDRESS:PORTc).
type Collector struct {
	// Remote are the collector endpoints bound beyond loopback.
	Remote []string
	// Encrypted: --zmq-encryption (or --zmq-encryption-key-priv) is in effect. XORPassword:
	// --zmq-encrypt-pwd is set (an XOR, not encryption).
	Encrypted, XORPassword bool
	// PrivateKey is <data dir>/zmq-key.priv (Exists false when absent or not read); RunAs the
	// user ntopng runs as.
	PrivateKey File
	RunAs      string
	// LegacyKeys are the private keys of per-interface key pairs, <data dir>/<id>/key.priv (ntopng
	// before 6.0 kept them there; ntopng 6 uses them instead of zmq-key.* for that interface).
	// KeyOption: --zmq-encryption-key-priv gives ntopng its private key in its configuration.
	LegacyKeys []File
	KeyOption  bool
}

// Confinement is how ntopng's systemd unit confines it (see internal/unithardening), as the
// service manager and the running process say.
type Confinement struct {
	// Checked is false where systemd does not run, or does not report the settings (Why).
	Checked bool
	Why     string
	// Unmet are the settings not in effect (and a running ntopng started without them).
	Unmet []string
	// InEffect is the settings as the unit has them, for the evidence.
	InEffect string
}

// Run runs every check, in the order of Checks.
func Run(f Facts) []Finding {
	out := make([]Finding, 0, len(Checks))
	for _, c := range Checks {
		fd := c.Run(f)
		fd.ID, fd.Severity = c.ID, c.Severity
		if fd.Remediation == "" {
			fd.Remediation = c.Remediation
		}
		if fd.Status == Pass || fd.Status == NotApplicable {
			fd.Remediation = ""
		}
		out = append(out, fd)
	}
	return out
}

// Score is the share of applicable checks that pass, 0 to 100; passed is true when none fails.
func Score(fs []Finding) (score int, passed bool) {
	applicable, ok := 0, 0
	for _, f := range fs {
		switch f.Status {
		case Pass:
			applicable++
			ok++
		case Fail:
			applicable++
		}
	}
	if applicable == 0 {
		return 100, true
	}
	return ok * 100 / applicable, ok == applicable
}

// Check is one item of the checklist.
type Check struct {
	ID, Severity, Title, Remediation string
	Run                              func(Facts) Finding
}

func pass(summary string, ev ...string) Finding {
	return Finding{Status: Pass, Summary: summary, Evidence: strings.Join(ev, "; ")}
}

func fail(summary string, ev ...string) Finding {
	return Finding{Status: Fail, Summary: summary, Evidence: strings.Join(ev, "; ")}
}

func na(summary string, ev ...string) Finding {
	return Finding{Status: NotApplicable, Summary: summary, Evidence: strings.Join(ev, "; ")}
}

func listeners(ls []Listener) string {
	if len(ls) == 0 {
		return "ntopng listens on nothing"
	}
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = l.String()
	}
	sort.Strings(s)
	return "ntopng listens on " + strings.Join(s, ", ")
}

// webListeners are the ntopng sockets on the HTTP or HTTPS port.
func webListeners(f Facts, port int) []Listener {
	var out []Listener
	for _, l := range f.Listeners {
		if port != 0 && l.Port == port {
			out = append(out, l)
		}
	}
	return out
}

func confEvidence(f Facts, names ...string) string {
	var parts []string
	for _, n := range names {
		if v, ok := f.Effective.Options[n]; ok {
			if n == "redis" {
				v = "(set, password masked)"
			}
			parts = append(parts, "--"+n+"="+v)
		} else {
			parts = append(parts, "--"+n+" not set")
		}
	}
	return "configuration: " + strings.Join(parts, ", ")
}
