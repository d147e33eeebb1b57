package redisconf

import (
	"slices"
	"strings"
	"testing"
)

// Seeds live in testdata/fuzz/<FuzzName>/.

func FuzzSplitArgs(f *testing.F) {
	f.Fuzz(func(t *testing.T, line string) {
		args, err := SplitArgs(line)
		if err != nil {
			return
		}
		// What SplitArgs accepts, Quote writes back to the same arguments.
		var b strings.Builder
		for i, a := range args {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(Quote(a))
		}
		again, err := SplitArgs(b.String())
		if err != nil || !slices.Equal(again, args) {
			t.Fatalf("SplitArgs(%q) = %q; re-quoted %q reads %q, %v", line, args, b.String(), again, err)
		}
	})
}

func FuzzQuoteRoundTrip(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		q := Quote(s)
		got, err := SplitArgs(q)
		if err != nil || len(got) != 1 || got[0] != s {
			t.Fatalf("SplitArgs(Quote(%q)) = SplitArgs(%s) = %q, %v", s, q, got, err)
		}
		// Also as an argument in a full configuration line.
		got, err = parseLine("  name " + q + " \r")
		if err != nil || len(got) != 2 || got[1] != s {
			t.Fatalf("parseLine with %s = %q, %v", q, got, err)
		}
	})
}

// editTargets are the directives FuzzEditRoundTrip edits, picked by a byte.
var editTargets = []struct {
	name  string
	multi bool
	nargs int
}{
	{"requirepass", false, 1},
	{"masterauth", false, 1},
	{"bind", false, 2},
	{"unixsocket", false, 1},
	{"rename-command", true, 2},
}

// FuzzEditRoundTrip: for any original file Redis would load (without NUL
// bytes, which Redis's reader turns into merged lines) and any arguments
// ValidateArg accepts, the edited file loads, holds the exact arguments once
// (or not at all after a Remove), keeps the unmanaged lines in order, and a
// second Edit changes nothing.
func FuzzEditRoundTrip(f *testing.F) {
	f.Fuzz(func(t *testing.T, orig string, pick uint8, a, b string) {
		if strings.IndexByte(orig, 0) >= 0 || ValidateArg(a) != nil || ValidateArg(b) != nil {
			t.Skip()
		}
		const main = "/etc/redis/redis.conf"
		if _, err := Load(mapFS{main: orig}, main); err != nil {
			t.Skip()
		}
		target := editTargets[int(pick&0x7f)%len(editTargets)]
		s := Setting{Name: target.name, Args: []string{a, b}[:target.nargs], Multi: target.multi, Remove: pick&0x80 != 0}
		if s.Remove && !s.Multi {
			s.Args = nil
		}
		set := []Setting{s}
		out := Edit([]byte(orig), set)
		if len(out) > 0 && out[len(out)-1] != '\n' {
			t.Fatalf("result does not end with a newline: %q", out)
		}
		c, err := Load(mapFS{main: string(out)}, main)
		if err != nil {
			t.Fatalf("Load after Edit: %v\norig %q\nout  %q", err, orig, out)
		}

		var owned []Directive
		for _, d := range c.All(s.Name) {
			if !s.Multi || (len(d.Args) > 0 && asciiLower(d.Args[0]) == asciiLower(s.Args[0])) {
				owned = append(owned, d)
			}
		}
		switch {
		case s.Remove && len(owned) != 0:
			t.Fatalf("after Remove, %s still there: %+v\nout %q", s.Name, owned, out)
		case !s.Remove && (len(owned) != 1 || !slices.Equal(owned[0].Args, s.Args)):
			t.Fatalf("%s = %+v, want exactly one with %q\norig %q\nout  %q", s.Name, owned, s.Args, orig, out)
		}
		if !s.Remove && !s.Multi {
			if d, _ := c.Last(s.Name); !slices.Equal(d.Args, s.Args) {
				t.Fatalf("Last(%s) = %q, want %q", s.Name, d.Args, s.Args)
			}
		}

		if again := Edit(out, set); string(again) != string(out) {
			t.Fatalf("Edit is not idempotent:\n%q\nthen\n%q", out, again)
		}

		keys := map[string]Setting{}
		k, _ := settingKey(s)
		keys[k] = s
		before := unmanaged(orig, keys)
		after := unmanaged(string(out), keys)
		if len(after) < len(before) || !slices.Equal(after[:len(before)], before) {
			t.Fatalf("unmanaged lines changed:\nbefore %q\nafter  %q", before, after)
		}
		for _, l := range after[len(before):] {
			if l != "" && l != Marker {
				t.Fatalf("unexpected new unmanaged line %q", l)
			}
		}
	})
}

func unmanaged(text string, keys map[string]Setting) []string {
	lines := strings.Split(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	var out []string
	for _, l := range lines {
		if _, owned := owner(l, keys); !owned {
			out = append(out, l)
		}
	}
	return out
}
