package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestImportIDRoundTrip(t *testing.T) {
	cases := []struct {
		id, host string
		port     int64 // 0: none
		path     string
	}{
		{"probe-1.example.net:/etc/redis/redis.conf", "probe-1.example.net", 0, "/etc/redis/redis.conf"},
		{"10.0.0.1:2222:/etc/ntopng/ntopng.conf", "10.0.0.1", 2222, "/etc/ntopng/ntopng.conf"},
		{"[2001:db8::1]:/etc/x", "2001:db8::1", 0, "/etc/x"},
		{"[2001:db8::1]:2200:/etc/x", "2001:db8::1", 2200, "/etc/x"},
	}
	for _, c := range cases {
		host, port, p, err := parseImportID(c.id)
		if err != nil {
			t.Fatalf("parseImportID(%q): %v", c.id, err)
		}
		if host != c.host || p != c.path || (c.port == 0) != port.IsNull() || (c.port != 0 && port.ValueInt64() != c.port) {
			t.Errorf("parseImportID(%q) = %q %v %q", c.id, host, port, p)
		}
		if back := hostID(host, port, p); back != c.id {
			t.Errorf("hostID round trip: %q != %q", back, c.id)
		}
	}
	for _, bad := range []string{"nohost", ":/etc/x", "h:99999:/x", "h:abc:/x"} {
		if _, _, _, err := parseImportID(bad); err == nil {
			t.Errorf("parseImportID(%q) accepted", bad)
		}
	}
	if got := hostID("h", types.Int64Value(22), "/p"); got != "h:/p" {
		t.Errorf("port 22 must not appear in the id, got %q", got)
	}
}
