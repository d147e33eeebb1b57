package webusers

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ACLEntry is one entry of the web server's access list.
type ACLEntry struct {
	Allow bool
	Net   netip.Prefix
}

// String is the entry as ntopng stores it: "+10.0.0.0/8".
func (e ACLEntry) String() string {
	sign := "-"
	if e.Allow {
		sign = "+"
	}
	return sign + e.Net.String()
}

// ValidateACLNetwork refuses what ntopng's web server would misread in its access list: it
// reads only IPv4 ("x.x.x.x/bits"), a missing "/bits" silently means one address, and a
// network with host bits set never matches anything (the server compares the entry with the
// client's address under the mask).
func ValidateACLNetwork(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
			return netip.Prefix{}, fmt.Errorf("%q has no prefix length; ntopng would read it as one address: write %s/32 if that is meant", s, s)
		}
	}
	p, err := ParseCIDR(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("%q is IPv6; ntopng's web access list holds IPv4 networks only", s)
	}
	return p, nil
}

// RenderACL is the access list that allows exactly nets (IPv4 CIDRs) and, because a list
// that is set denies what it does not allow, nothing else: "+NET/BITS,..." in the given order.
func RenderACL(nets []string) (string, error) {
	if len(nets) == 0 {
		return "", fmt.Errorf("the list is empty; ntopng would then allow every address: list the networks, or 0.0.0.0/0 for everyone")
	}
	parts := make([]string, 0, len(nets))
	for _, n := range nets {
		p, err := ValidateACLNetwork(n)
		if err != nil {
			return "", err
		}
		parts = append(parts, ACLEntry{Allow: true, Net: p}.String())
	}
	return strings.Join(parts, ","), nil
}

// ACL is an access list as the web server reads it.
type ACL struct {
	// Set is false when the value is empty: ntopng then uses "+0.0.0.0/0" (everyone).
	Set     bool
	Entries []ACLEntry
	// Invalid lists entries the web server cannot read ("subnet must be [+|-]x.x.x.x[/x]"):
	// with one of them the server refuses every client.
	Invalid []string
}

// ParseACL reads a stored access list the way ntopng's embedded web server does: entries
// separated by commas, each "+" (allow) or "-" (deny) then x.x.x.x with an optional /bits
// (missing: /32).
func ParseACL(v string) ACL {
	var acl ACL
	v = strings.TrimSpace(v)
	if v == "" {
		return acl
	}
	acl.Set = true
	for _, raw := range strings.Split(v, ",") {
		e := strings.TrimSpace(raw)
		if e == "" {
			continue
		}
		if e[0] != '+' && e[0] != '-' {
			acl.Invalid = append(acl.Invalid, e)
			continue
		}
		p, ok := parseNet(e[1:])
		if !ok {
			acl.Invalid = append(acl.Invalid, e)
			continue
		}
		acl.Entries = append(acl.Entries, ACLEntry{Allow: e[0] == '+', Net: p})
	}
	return acl
}

// parseNet is the server's parse_net: four decimal octets, then optionally /bits. The
// network is kept as written (host bits included): the server compares it as is.
func parseNet(s string) (netip.Prefix, bool) {
	addr, bits := s, "32"
	if i := strings.IndexByte(s, '/'); i >= 0 {
		addr, bits = s[:i], s[i+1:]
	}
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Is4() {
		return netip.Prefix{}, false
	}
	n, err := strconv.Atoi(bits)
	if err != nil || n < 0 || n > 32 {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, n), true
}

// Allows says whether a client at addr gets through: nothing gets through a list holding an
// invalid entry; an unset list lets everyone in; otherwise the last matching entry decides
// and a client no entry matches is refused. An entry with host bits set matches nobody.
func (a ACL) Allows(addr netip.Addr) bool {
	if len(a.Invalid) > 0 {
		return false
	}
	if !a.Set {
		return true
	}
	if !addr.Is4() {
		return false
	}
	allowed := false
	for _, e := range a.Entries {
		if e.Net.Masked() == e.Net && e.Net.Contains(addr) {
			allowed = e.Allow
		}
	}
	return allowed
}

// OpenToEveryone reports whether the list lets every address in: unset, or its last entry
// for 0.0.0.0/0 allows (a later narrower deny still leaves it open to almost everyone).
func (a ACL) OpenToEveryone() bool {
	if len(a.Invalid) > 0 {
		return false
	}
	if !a.Set {
		return true
	}
	open := false
	for _, e := range a.Entries {
		if e.Net.Bits() == 0 {
			open = e.Allow
		}
	}
	return open
}

// Networks lists the allowed networks of a list the provider rendered ("+N,+M"): ok is false
// when the list holds anything else (a deny, an invalid entry), so that it reads as drift.
func (a ACL) Networks() (nets []string, ok bool) {
	if len(a.Invalid) > 0 {
		return nil, false
	}
	for _, e := range a.Entries {
		if !e.Allow || e.Net.Masked() != e.Net {
			return nil, false
		}
		nets = append(nets, e.Net.String())
	}
	return nets, true
}
