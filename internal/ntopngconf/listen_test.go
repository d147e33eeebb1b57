package ntopngconf

import (
	"strings"
	"testing"
)

func TestParseListen(t *testing.T) {
	tests := []struct {
		in, render string
		all        bool
		errIn      string
	}{
		{in: "disabled", render: "0"},
		{in: "3000", render: "3000", all: true},
		{in: ":3000", render: ":3000"},
		{in: "192.0.2.1:443", render: "192.0.2.1:443"},
		{in: "0.0.0.0:3000", render: "0.0.0.0:3000", all: true},
		{in: "[2001:db8::1]:3000", render: "[2001:db8::1]:3000"},
		{in: "[::]:3000", render: "[::]:3000", all: true},
		{in: "65535", render: "65535", all: true},
		{in: "", errIn: "empty"},
		{in: "0", errIn: "write \"disabled\""},
		{in: ":0", errIn: "write \"disabled\""},
		{in: "65536", errIn: "out of range"},
		{in: "03000", errIn: "leading zeros"},
		{in: "-1", errIn: "refuses hostnames"},
		{in: ":", errIn: "not a decimal number"},
		{in: "localhost", errIn: "refuses hostnames"},
		{in: "localhost:3000", errIn: "refuses hostnames and exits; use an IP address"},
		{in: "ntop.example.com:3000", errIn: "refuses hostnames"},
		{in: "::1:3000", errIn: "without brackets"},
		{in: "[::1]", errIn: "in brackets followed by a port"},
		{in: "[10.0.0.1]:3000", errIn: "not an IPv6 address"},
		{in: "[host]:3000", errIn: "not an IPv6 address"},
		{in: "[fe80::1%eth0]:3000", errIn: "zone"},
		{in: "[2001:DB8::1]:3000", errIn: "canonical form, \"[2001:db8::1]:3000\""},
		{in: " 3000", errIn: "without spaces"},
		{in: "3000,3001", errIn: "refuses hostnames"},
		{in: "192.0.2.1:3000:1", errIn: "one address and one port"},
		{in: ":::3000", errIn: "without brackets"},
	}
	for _, tt := range tests {
		l, err := ParseListen(tt.in)
		if tt.errIn != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errIn) {
				t.Errorf("ParseListen(%q) = %+v, %v; want an error containing %q", tt.in, l, err, tt.errIn)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseListen(%q) = %v", tt.in, err)
			continue
		}
		if l.Render() != tt.render || l.AllAddresses() != tt.all || l.String() != tt.in {
			t.Errorf("ParseListen(%q) renders %q (all %v, string %q), want %q (all %v)", tt.in, l.Render(), l.AllAddresses(), l.String(), tt.render, tt.all)
		}
		// What the provider renders, ntopng reads back as the same listener.
		e := EvaluateText("--http-port=" + l.Render() + "\n")
		if got := e.HTTPListen(); got != tt.in && !(tt.in == "0.0.0.0:3000" && got == "0.0.0.0:3000") {
			t.Errorf("ntopng reads %q back as %q, want %q", l.Render(), got, tt.in)
		}
	}
}
