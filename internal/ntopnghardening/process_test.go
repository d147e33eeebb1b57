package ntopnghardening

import (
	"testing"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostids"
)

func TestProcessUsers(t *testing.T) {
	ids := hostids.Parse([]byte("root:x:0:0::/root:/bin/sh\nntopng:x:105:110::/var/lib/ntopng:/usr/sbin/nologin\n"),
		[]byte("root:x:0:\nntopng:x:110:\n"))
	cases := []struct {
		out     string
		running bool
		user    string
	}{
		{"", false, ""},
		{"\n", false, ""},
		{"garbage\n", false, ""},
		{"105\n", true, "ntopng"},
		{"0\n", true, "root"},
		{"4242\n", true, "uid 4242"},
		{"105\n105\n", true, "ntopng"},
		{"0\n105\n", true, "root,ntopng"},
		{"105\nx\n0\n", true, "ntopng,root"},
	}
	for _, c := range cases {
		running, user := processUsers(c.out, ids)
		if running != c.running || user != c.user {
			t.Errorf("processUsers(%q) = %v %q; want %v %q", c.out, running, user, c.running, c.user)
		}
	}
}
