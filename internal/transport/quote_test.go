package transport

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	cases := map[string]string{
		"":                 "''",
		"plain":            "plain",
		"/etc/ntopng.conf": "/etc/ntopng.conf",
		"a,c:d@e%f+g":      "a,c:d@e%f+g",
		"FOO=bar":          "'FOO=bar'",
		"--opt=value":      "'--opt=value'",
		"-flag":            "-flag",
		"two words":        "'two words'",
		"it's":             `'it'\''s'`,
		"'":                `''\'''`,
		"$HOME":            "'$HOME'",
		"`id`":             "'`id`'",
		"a\nb":             "'a\nb'",
		"*":                "'*'",
		"~root":            "'~root'",
		`back\slash`:       `'back\slash'`,
		"é":                "'é'",
	}
	for in, want := range cases {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJoin(t *testing.T) {
	got := Join([]string{"sudo", "-n", "--", "printf", "%s", "a b", ""})
	want := "sudo -n -- printf %s 'a b' ''"
	if got != want {
		t.Errorf("Join = %q, want %q", got, want)
	}
}

// shellSplit runs `sh -c "printf '%s\0' <Join(argv)>"` and returns what the
// shell passed to printf.
func shellSplit(t testing.TB, argv []string) []string {
	t.Helper()
	out, err := exec.Command("/bin/sh", "-c", `printf '%s\0' `+Join(argv)).Output()
	if err != nil {
		t.Fatalf("sh -c failed for %q: %v", argv, err)
	}
	parts := strings.Split(string(out), "\x00")
	return parts[:len(parts)-1]
}

var quoteSeeds = [][]string{
	{"plain"},
	{""},
	{"", ""},
	{"two words", "it's", "'", "''", `"double"`},
	{"$HOME", "${PATH}", "$(id)", "`id`", "!1", "a;b", "a|b", "a&b", "a>b", "<x"},
	{"*", "?", "[a]", "~", "~root", "#comment", "a#b"},
	{"tab\there", "new\nline", "cr\rx", "\\", `\'`, "é ü 日本"},
	{"-n", "--", "-e", "x=1"},
}

func TestJoinShellRoundTrip(t *testing.T) {
	for _, argv := range quoteSeeds {
		if got := shellSplit(t, argv); !slices.Equal(got, argv) {
			t.Errorf("sh split Join(%q) into %q", argv, got)
		}
	}
}

func FuzzJoinShellRoundTrip(f *testing.F) {
	for _, argv := range quoteSeeds {
		for _, a := range argv {
			f.Add(a, "second arg")
		}
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if strings.ContainsRune(a, 0) || strings.ContainsRune(b, 0) {
			t.Skip("a NUL byte cannot be on a command line")
		}
		argv := []string{a, b}
		if got := shellSplit(t, argv); !slices.Equal(got, argv) {
			t.Errorf("sh split Join(%q) into %q", argv, got)
		}
	})
}

// A leading NAME=value word, quoted, is a command name for the shell, never an assignment.
func TestJoinLeadingAssignmentIsACommand(t *testing.T) {
	out, err := exec.Command("/bin/sh", "-c", Join([]string{"FOO=bar"})+"; echo \"rc=$? FOO=$FOO\"").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "rc=127 FOO=\n") {
		t.Errorf("sh ran Join([FOO=bar]) as %q (%v), want a command not found (rc=127) and FOO unset", out, err)
	}
}
