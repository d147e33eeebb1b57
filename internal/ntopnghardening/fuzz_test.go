package ntopnghardening

import (
	"io/fs"
	"strings"
	"testing"
)

func fsMode(m uint32) fs.FileMode { return fs.FileMode(m) }

// FuzzCollectorPorts: any interface list parses; every port found is a "c" endpoint's.
func FuzzCollectorPorts(f *testing.F) {
	f.Add("tcp://*:5556c,tcp://127.0.0.1:5557")
	f.Add("tcp://[::1]:5559c")
	f.Add("eth0")
	f.Add("tcp://c")
	f.Fuzz(func(t *testing.T, iface string) {
		for p := range CollectorPorts([]string{iface}) {
			if !strings.Contains(iface, "c") || !strings.Contains(iface, "tcp://") {
				t.Fatalf("port %d from %q, which has no collector endpoint", p, iface)
			}
		}
	})
}

// FuzzMask: the password of a --redis value never shows, and masking is stable.
func FuzzMask(f *testing.F) {
	f.Add("127.0.0.1:6379:s3cretPassw0rd@2")
	f.Add("/run/redis.sock:0:pa@ss:w@rd")
	f.Add("localhost")
	f.Fuzz(func(t *testing.T, v string) {
		got := Mask("redis", v)
		if Mask("redis", got) != got {
			t.Fatalf("Mask(Mask(%q)) = %q, not %q", v, Mask("redis", got), got)
		}
		if g := strings.SplitN(got, ":", 3); len(g) == 3 && g[2] != "" && !strings.HasPrefix(g[2], Masked) && !strings.HasPrefix(g[2], "@") {
			t.Fatalf("Mask(redis, %q) = %q shows the password", v, got)
		}
	})
}

// FuzzManagedBlockOptions: any file parses; no name an attribute owns is returned.
func FuzzManagedBlockOptions(f *testing.F) {
	f.Add("--user=ntopng\n# managed\n--max-num-flows=5\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		for _, n := range ManagedBlockOptions(text) {
			if _, taken := AttributeOptions[n]; taken || n == "" {
				t.Fatalf("ManagedBlockOptions(%q) gives %q", text, n)
			}
		}
	})
}
