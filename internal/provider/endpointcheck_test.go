package provider

import (
	"strings"
	"testing"
)

func TestServesEndpoint(t *testing.T) {
	cases := []struct {
		listen, ep string
		want       bool
	}{
		{"192.0.2.10:443", "192.0.2.10:443", true},
		{"192.0.2.10:443", "127.0.0.1:443", false}, // the old per-resource examples
		{"192.0.2.10:443", "192.0.2.10:8443", false},
		{"443", "127.0.0.1:443", true},
		{"443", "192.0.2.10:443", true},
		{"443", "[::1]:443", false},
		{":443", "127.0.0.1:443", true},
		{":443", "192.0.2.10:443", false},
		{"[::]:443", "127.0.0.1:443", true},
		{"[2001:db8::1]:443", "[2001:db8::1]:443", true},
		{"[2001:db8::1]:443", "[2001:db8::2]:443", false},
		{"0.0.0.0:443", "10.0.0.1:443", true},
		{"disabled", "127.0.0.1:443", false},
		{"192.0.2.10:443", "probe-1.example.net:443", true}, // a name cannot be judged
	}
	for _, c := range cases {
		if got := servesEndpoint(c.listen, c.ep); got != c.want {
			t.Errorf("servesEndpoint(%q, %q) = %t, want %t", c.listen, c.ep, got, c.want)
		}
	}
}

// TestEndpointNotes: whichever of the two resources is planned second warns, once per
// mismatch, and only for the same host.
func TestEndpointNotes(t *testing.T) {
	var n endpointNotes
	if w := n.noteVerifyEndpoint("probe-1", "127.0.0.1:443"); w != "" {
		t.Errorf("no instance known yet: want no warning, got %q", w)
	}
	if w := n.noteHTTPSListen("probe-2", "192.0.2.10:443"); len(w) != 0 {
		t.Errorf("another host's instance: want no warning, got %q", w)
	}
	w := n.noteHTTPSListen("probe-1", "192.0.2.10:443")
	if len(w) != 1 || !strings.Contains(w[0], `verify_endpoint = "127.0.0.1:443" on probe-1`) || !strings.Contains(w[0], `"192.0.2.10:443"`) {
		t.Errorf("instance planned after the certificate: want one warning naming both, got %q", w)
	}
	if w := n.noteVerifyEndpoint("probe-2", "192.0.2.10:443"); w != "" {
		t.Errorf("matching endpoint: want no warning, got %q", w)
	}
	if w := n.noteVerifyEndpoint("probe-2", "192.0.2.11:443"); w == "" {
		t.Error("certificate planned after the instance with another address: want a warning")
	}
}
