package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

// TestParseUserImportID: every documented ID form, IPv6 in brackets with and without the SSH
// port (before, "[2001:db8::10]:2222:admin" kept the port inside the host name), and refusals.
func TestParseUserImportID(t *testing.T) {
	for _, c := range []struct {
		id, host string
		port     types.Int64
		conf     string
	}{
		{"probe-1.example.net:admin", "probe-1.example.net", types.Int64Null(), defaultNtopngConf},
		{"probe-1.example.net:2222:admin", "probe-1.example.net", types.Int64Value(2222), defaultNtopngConf},
		{"[2001:db8::10]:admin", "2001:db8::10", types.Int64Null(), defaultNtopngConf},
		{"[2001:db8::10]:2222:admin", "2001:db8::10", types.Int64Value(2222), defaultNtopngConf},
		{"10.0.0.1:/etc/ntopng/ntopng-eth1.conf:admin", "10.0.0.1", types.Int64Null(), "/etc/ntopng/ntopng-eth1.conf"},
		{"[2001:db8::10]:2222:/etc/ntopng/ntopng.conf:admin", "2001:db8::10", types.Int64Value(2222), "/etc/ntopng/ntopng.conf"},
	} {
		host, port, conf, user, err := parseUserImportID(c.id)
		if err != nil || host != c.host || !port.Equal(c.port) || conf != c.conf || user != "admin" {
			t.Errorf("parseUserImportID(%q) = %q %v %q %q %v; want %q %v %q admin", c.id, host, port, conf, user, err, c.host, c.port, c.conf)
		}
	}
	for _, bad := range []string{"admin", ":admin", "2001:db8::10:admin", "[2001:db8::10:admin", "host:0:admin", "host:99999:admin", "host:bad name"} {
		if _, _, _, _, err := parseUserImportID(bad); err == nil {
			t.Errorf("parseUserImportID(%q) accepted", bad)
		}
	}
}
