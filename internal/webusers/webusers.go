// Package webusers is ntopng's web login as it lives in Redis: the key names of a web user,
// the unsalted MD5 hex that ntopng compares a login against, what ntopng can store as a user
// name, group and allowed networks, the Redis commands that write, read and remove a user and
// what a read-back means (user.go), and the web server's access list
// (ntopng.prefs.http_acl_management_port) rendered and parsed as ntopng's
// HTTPserver::parseACL and its embedded web server read it. Pure: no SSH, no Terraform.
package webusers

import (
	"crypto/md5" //nolint:gosec // ntopng's own password format, not a choice made here
	"encoding/hex"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// Redis keys and values ntopng uses (src/Redis.cpp Redis::setDefaults, src/Ntop.cpp).
const (
	// ACLKey holds the web server's access list, read when the web server starts.
	ACLKey = "ntopng.prefs.http_acl_management_port"
	// AdminPasswordChangedKey is set to "1" by ntopng once admin's hash is not the default.
	AdminPasswordChangedKey = "ntopng.prefs.admin_password_changed"
	// TempAdminPasswordKey, when set, is also accepted as admin's password.
	TempAdminPasswordKey = "ntopng.prefs.temp_admin_password"
	// Admin is the user ntopng creates at start with the password "admin".
	Admin = "admin"
	// DefaultAdminHash is MD5("admin"), what ntopng writes when admin's password key is missing.
	DefaultAdminHash = "21232f297a57a5a743894a0e4a801fc3"
	// AllNets is ntopng's "every network" (CONST_DEFAULT_ALL_NETS).
	AllNets = "0.0.0.0/0,::/0"
	// MinPasswordLength and MaxPasswordLength bound what the provider writes: ntopng reads
	// the login form's password into a 32-byte buffer (src/HTTPserver.cpp authorize), so a
	// longer password could never be typed in.
	MinPasswordLength = 12
	MaxPasswordLength = 31
	// MaxUsernameLength: the login form's user field has the same 32-byte buffer.
	MaxUsernameLength = 31
)

// Group is a web user's role.
type Group string

// The groups ntopng knows.
const (
	Administrator Group = "administrator"
	Unprivileged  Group = "unprivileged"
)

// Groups lists the allowed groups, for validators and descriptions alike.
func Groups() []string { return []string{string(Administrator), string(Unprivileged)} }

// Key is ntopng.user.<name>.<field>.
func Key(user, field string) string { return "ntopng.user." + user + "." + field }

// The per-user fields the provider manages.
const (
	FieldPassword      = "password"
	FieldGroup         = "group"
	FieldFullName      = "full_name"
	FieldAllowedNets   = "allowed_nets"
	FieldAllowedIfname = "allowed_ifname"
)

// Fields lists every per-user key a user removal deletes (what ntopng's deleteUser removes
// and the optional ones the UI adds).
var Fields = []string{
	FieldPassword, FieldGroup, FieldFullName, FieldAllowedNets, FieldAllowedIfname,
	"capabilities", "language", "allow_pcap", "allow_alerts", "host_pool_id", "user_id",
	"theme", "date_format", "api_token", "allow_historical_flow",
}

// PasswordHash is what ntopng stores and compares: the lowercase hex MD5 of the password.
func PasswordHash(password string) string {
	sum := md5.Sum([]byte(password)) //nolint:gosec // ntopng's format
	return hex.EncodeToString(sum[:])
}

// IsDefaultAdmin reports whether user is admin on its factory password.
func IsDefaultAdmin(user, hash string) bool {
	return user == Admin && strings.EqualFold(hash, DefaultAdminHash)
}

var usernameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]*$`)

// ValidateUsername refuses names ntopng cannot store or a login form cannot carry: the name
// is part of Redis key names and of the login form (a 32-byte buffer), and ntopng's HTTP
// lint refuses white space and quotes. Letters, digits, '.', '_', '@' and '-', starting with
// a letter or digit, at most 31 characters.
func ValidateUsername(u string) error {
	switch {
	case u == "":
		return fmt.Errorf("the user name is empty")
	case len(u) > MaxUsernameLength:
		return fmt.Errorf("the user name has %d characters; ntopng's login form reads at most %d", len(u), MaxUsernameLength)
	case !usernameRE.MatchString(u):
		return fmt.Errorf("the user name %q may hold only letters, digits, '.', '_', '@' and '-', and must start with a letter or digit "+
			"(it becomes part of ntopng's Redis keys ntopng.user.<name>.*)", u)
	}
	return nil
}

// ValidatePassword refuses passwords that are empty, short, or that ntopng's login form
// could not carry.
func ValidatePassword(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("the password is empty")
	case len(p) < MinPasswordLength:
		return fmt.Errorf("the password has %d characters; use at least %d", len(p), MinPasswordLength)
	case len(p) > MaxPasswordLength:
		return fmt.Errorf("the password has %d characters; ntopng's login form reads at most %d, so it could never be typed in "+
			"(use e.g. random_password with length = %d)", len(p), MaxPasswordLength, MaxPasswordLength)
	}
	for _, r := range p {
		if r < 0x21 || r > 0x7e {
			return fmt.Errorf("the password may hold only printable ASCII characters without spaces (found %q)", r)
		}
	}
	return nil
}

// ValidateGroup refuses a group ntopng does not know.
func ValidateGroup(g string) error {
	for _, ok := range Groups() {
		if g == ok {
			return nil
		}
	}
	return fmt.Errorf("unknown group %q: use one of %s", g, strings.Join(Groups(), ", "))
}

// ParseCIDR accepts an IPv4 or IPv6 network in its canonical CIDR form, e.g. "10.0.0.0/8":
// an address without a prefix length, host bits set, or a host name are refused.
func ParseCIDR(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		if _, aerr := netip.ParseAddr(s); aerr == nil {
			return netip.Prefix{}, fmt.Errorf("%q has no prefix length: write %s/%d for one address", s, s, map[bool]int{true: 32, false: 128}[strings.Contains(s, ".")])
		}
		return netip.Prefix{}, fmt.Errorf("%q is not a network in CIDR form such as 10.0.0.0/8 (host names are not allowed)", s)
	}
	if p.Addr().Zone() != "" || p.Addr().Is4In6() {
		return netip.Prefix{}, fmt.Errorf("%q is not a plain IPv4 or IPv6 network", s)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set: write %s", s, p.Masked())
	}
	return p, nil
}

// RenderAllowedNets is a user's allowed_nets value: the networks joined by commas, as
// ntopng's own user form writes them. An empty list means every network.
func RenderAllowedNets(nets []string) (string, error) {
	if len(nets) == 0 {
		return AllNets, nil
	}
	for _, n := range nets {
		if _, err := ParseCIDR(n); err != nil {
			return "", err
		}
	}
	return strings.Join(nets, ","), nil
}

// ParseAllowedNets splits a stored allowed_nets value (empty: every network).
func ParseAllowedNets(v string) []string {
	v = strings.TrimSpace(v)
	if v == "" {
		v = AllNets
	}
	var out []string
	for _, n := range strings.Split(v, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// ValidateFullName refuses what would be markup or control characters in ntopng's pages.
func ValidateFullName(s string) error {
	if len(s) > 128 {
		return fmt.Errorf("the full name has %d characters; use at most 128", len(s))
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`<>"'&\`+"`", r) {
			return fmt.Errorf("the full name may not hold control characters or any of < > \" ' & ` \\ (found %q)", r)
		}
	}
	return nil
}
