package webusers

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	if got := PasswordHash("admin"); got != DefaultAdminHash {
		t.Fatalf("MD5(admin) = %s, want %s", got, DefaultAdminHash)
	}
	if !IsDefaultAdmin("admin", strings.ToUpper(DefaultAdminHash)) || IsDefaultAdmin("bob", DefaultAdminHash) {
		t.Fatal("IsDefaultAdmin")
	}
	if Key("admin", FieldPassword) != "ntopng.user.admin.password" {
		t.Fatal(Key("admin", FieldPassword))
	}
}

func TestValidateUsername(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"admin", true}, {"ops.team-1_x@corp", true}, {"9lives", true},
		{"", false}, {"a b", false}, {"-x", false}, {".x", false}, {"x'y", false}, {`x"y`, false},
		{"x*y", false}, {"ünï", false}, {"a\nb", false}, {strings.Repeat("a", 31), true}, {strings.Repeat("a", 32), false},
	} {
		if err := ValidateUsername(tc.in); (err == nil) != tc.ok {
			t.Errorf("ValidateUsername(%q) = %v, want ok %v", tc.in, err, tc.ok)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"", false}, {"short", false}, {strings.Repeat("x", 11), false}, {strings.Repeat("x", 12), true},
		{strings.Repeat("x", 31), true}, {strings.Repeat("x", 32), false}, {"with space inside!", false},
		{"tab\tinsidepassword", false}, {"ascii!#$%&()*+,-./:;<=>?@[]^_{|}~", false}, {"Sym!#$%&()*+-./:", true},
		{"pässwörd-long-enough", false},
	} {
		if err := ValidatePassword(tc.in); (err == nil) != tc.ok {
			t.Errorf("ValidatePassword(%q) = %v, want ok %v", tc.in, err, tc.ok)
		}
	}
}

func TestValidateGroup(t *testing.T) {
	for _, g := range Groups() {
		if err := ValidateGroup(g); err != nil {
			t.Error(err)
		}
	}
	for _, g := range []string{"", "admin", "Administrator", "root"} {
		if ValidateGroup(g) == nil {
			t.Errorf("group %q accepted", g)
		}
	}
}

func TestAllowedNets(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
		err  string
	}{
		{nil, AllNets, ""},
		{[]string{"10.0.0.0/8", "2001:db8::/32"}, "10.0.0.0/8,2001:db8::/32", ""},
		{[]string{"10.0.0.1"}, "", "no prefix length"},
		{[]string{"10.0.0.1/8"}, "", "host bits"},
		{[]string{"probe.example.net/24"}, "", "not a network"},
		{[]string{"fe80::1%eth0/64"}, "", ""},
	} {
		got, err := RenderAllowedNets(tc.in)
		if tc.err != "" || err != nil {
			if err == nil || (tc.err != "" && !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("RenderAllowedNets(%v) error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("RenderAllowedNets(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := ParseAllowedNets(" 10.0.0.0/8, ::/0 "); !slices.Equal(got, []string{"10.0.0.0/8", "::/0"}) {
		t.Errorf("ParseAllowedNets = %v", got)
	}
	if got := ParseAllowedNets(""); !slices.Equal(got, []string{"0.0.0.0/0", "::/0"}) {
		t.Errorf("ParseAllowedNets(empty) = %v", got)
	}
}

func TestRenderACL(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
		err  string
	}{
		{[]string{"10.0.0.0/8", "192.0.2.10/32"}, "+10.0.0.0/8,+192.0.2.10/32", ""},
		{[]string{"0.0.0.0/0"}, "+0.0.0.0/0", ""},
		{nil, "", "empty"},
		{[]string{"2001:db8::/32"}, "", "IPv6"},
		{[]string{"::ffff:10.0.0.0/104"}, "", "plain"},
		{[]string{"10.0.0.1"}, "", "as one address"},
		{[]string{"mgmt.example.net"}, "", "host names"},
		{[]string{"10.1.2.3/8"}, "", "host bits"},
		{[]string{"+10.0.0.0/8"}, "", "CIDR"},
		{[]string{"10.0.0.0/33"}, "", "CIDR"},
	} {
		got, err := RenderACL(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("RenderACL(%v) = %q, %v; want error with %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("RenderACL(%v) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestACLAllows(t *testing.T) {
	a := func(s string) netip.Addr { return netip.MustParseAddr(s) }
	for _, tc := range []struct {
		acl              string
		allowed, refused []string
		open             bool
	}{
		{"", []string{"8.8.8.8", "10.1.1.1"}, nil, true},
		{"+10.0.0.0/8", []string{"10.1.2.3"}, []string{"192.0.2.1", "127.0.0.1"}, false},
		// Last match wins.
		{"+10.0.0.0/8,-10.1.0.0/16", []string{"10.2.0.1"}, []string{"10.1.0.1"}, false},
		{"-10.1.0.0/16,+10.0.0.0/8", []string{"10.1.0.1", "10.2.0.1"}, []string{"192.0.2.1"}, false},
		{"+0.0.0.0/0,-10.0.0.0/8", []string{"8.8.8.8"}, []string{"10.0.0.1"}, true},
		{"+0.0.0.0/0,-0.0.0.0/0", nil, []string{"8.8.8.8"}, false},
		// No /bits: one address.
		{"+192.0.2.10", []string{"192.0.2.10"}, []string{"192.0.2.11"}, false},
		// Host bits set: matches nobody.
		{"+10.1.2.3/8", nil, []string{"10.1.2.3", "10.9.9.9"}, false},
		// No sign: the server refuses everyone.
		{"10.0.0.0/8", nil, []string{"10.0.0.1"}, false},
		{"+10.0.0.0/8,+::1/128", nil, []string{"10.0.0.1"}, false},
	} {
		acl := ParseACL(tc.acl)
		for _, s := range tc.allowed {
			if !acl.Allows(a(s)) {
				t.Errorf("ACL %q refuses %s", tc.acl, s)
			}
		}
		for _, s := range tc.refused {
			if acl.Allows(a(s)) {
				t.Errorf("ACL %q allows %s", tc.acl, s)
			}
		}
		if acl.OpenToEveryone() != tc.open {
			t.Errorf("ACL %q OpenToEveryone = %v", tc.acl, !tc.open)
		}
	}
}

func TestACLNetworks(t *testing.T) {
	if n, ok := ParseACL("+10.0.0.0/8,+192.0.2.0/24").Networks(); !ok || !slices.Equal(n, []string{"10.0.0.0/8", "192.0.2.0/24"}) {
		t.Errorf("Networks = %v %v", n, ok)
	}
	for _, v := range []string{"+10.0.0.0/8,-10.1.0.0/16", "+10.1.2.3/8", "x"} {
		if _, ok := ParseACL(v).Networks(); ok {
			t.Errorf("Networks(%q) ok", v)
		}
	}
}

// FuzzACL: whatever the stored value, parsing never panics, and whatever RenderACL accepts
// parses back to the same networks, allowing exactly them.
func FuzzACL(f *testing.F) {
	for _, s := range []string{"", "+10.0.0.0/8", "+0.0.0.0/0,-10.0.0.0/8", "10.0.0.1", "+1.2.3.4/33", "+,-", "+10.0.0.0/8,192.0.2.0/24"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		acl := ParseACL(s)
		_ = acl.OpenToEveryone()
		_ = acl.Allows(netip.MustParseAddr("192.0.2.1"))
		nets := strings.Split(s, ",")
		out, err := RenderACL(nets)
		if err != nil {
			return
		}
		back, ok := ParseACL(out).Networks()
		if !ok || !slices.Equal(back, nets) {
			t.Fatalf("RenderACL(%q) = %q parses back to %v, %v", nets, out, back, ok)
		}
		for _, n := range nets {
			p := netip.MustParsePrefix(n)
			if !ParseACL(out).Allows(p.Addr()) {
				t.Fatalf("%q does not allow %s", out, p.Addr())
			}
		}
	})
}

func TestValidateFullName(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{{"", true}, {"Operations Team (NOC)", true}, {"Zoë Müller", true}, {"<script>", false}, {"a\nb", false}, {"O'Brien", false}, {strings.Repeat("x", 129), false}} {
		if err := ValidateFullName(tc.in); (err == nil) != tc.ok {
			t.Errorf("ValidateFullName(%q) = %v", tc.in, err)
		}
	}
}
