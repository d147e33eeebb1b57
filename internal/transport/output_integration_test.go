package transport

import (
	"context"
	"strings"
	"testing"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestIntegrationOutputIsBounded: a command that prints more than MaxOutput (on standard
// output or standard error) is refused, and the provider keeps at most MaxOutput of it; the
// command is drained, not left blocked. Output within the bound comes back whole.
func TestIntegrationOutputIsBounded(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	c := conn(t, newPool(t), config(s, s.Root))
	old := MaxOutput
	MaxOutput = 4096
	t.Cleanup(func() { MaxOutput = old })
	ctx := context.Background()
	if res, err := c.RunShell(ctx, "head -c 4096 /dev/zero", nil); err != nil || len(res.Stdout) != 4096 {
		t.Fatalf("4096 bytes: %d bytes, %v; want all of them", len(res.Stdout), err)
	}
	for _, script := range []string{"head -c 1000000 /dev/zero", "head -c 1000000 /dev/zero >&2"} {
		res, err := c.RunShell(ctx, script, nil)
		if err == nil || !strings.Contains(err.Error(), "printed more than") || !strings.Contains(err.Error(), s.Addr) || len(res.Stdout) != 0 {
			t.Fatalf("%s: %d bytes, %v; want a refusal naming the host", script, len(res.Stdout), err)
		}
	}
	// The connection is still usable afterwards.
	if got := run(t, c, "echo", "ok"); got != "ok\n" {
		t.Fatalf("after the refusals: %q", got)
	}
}

func TestCappedBuffer(t *testing.T) {
	b := cappedBuffer{max: 5}
	for _, p := range []string{"abc", "defg", "hi"} {
		if n, err := b.Write([]byte(p)); n != len(p) || err != nil {
			t.Fatalf("Write(%q) = %d, %v; want all of it taken", p, n, err)
		}
	}
	if string(b.Bytes()) != "abcde" || b.dropped != 4 {
		t.Fatalf("kept %q, dropped %d; want \"abcde\" and 4", b.Bytes(), b.dropped)
	}
}
