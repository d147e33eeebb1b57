package hostfacts

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics, reports an error only as a *ListenersError, and reports only
// what the output holds: every user has its "@@user NAME" line before the listeners, and no
// value spans lines.
func FuzzParse(f *testing.F) {
	f.Add(debianOut)
	f.Add("@@hostname\nbare\n@@listeners\n@@proc\n")
	f.Add("@@user a\na:x:1:2::/:/bin/sh\n\n@@user a\n@@listeners\n@@ss\nLISTEN 0 1 *:22 *:*\n")
	f.Add("@@ntopng\nv.\n@@redis\nv=\n@@os-release\n=\nK='v\"\n@@listeners\n@@proc\n")
	f.Fuzz(func(t *testing.T, out string) {
		facts, err := Parse(out)
		if err != nil {
			var lerr *ListenersError
			if !errors.As(err, &lerr) {
				t.Fatalf("Parse(%q): error %v is not a *ListenersError", out, err)
			}
			return
		}
		head, _, _ := strings.Cut(out, "\n@@listeners\n")
		for name := range facts.Users {
			if !strings.Contains("\n"+head+"\n", "\n@@user "+name+"\n") {
				t.Errorf("user %q reported without its section in %q", name, out)
			}
		}
		for _, v := range []string{facts.Hostname, facts.NtopngVersion, facts.RedisVersion} {
			if strings.Contains(v, "\n") {
				t.Errorf("value %q spans lines", v)
			}
		}
		for k, v := range facts.OSRelease {
			if strings.Contains(k+v, "\n") {
				t.Errorf("os-release %q=%q spans lines", k, v)
			}
		}
	})
}
