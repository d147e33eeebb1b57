package redisconf

import (
	"errors"
	"slices"
	"testing"
)

// Cases derived from sdssplitargs in redis/redis src/sds.c.
func TestSplitArgs(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
		bad  bool
	}{
		{name: "empty", in: "", want: nil},
		{name: "only blanks", in: " \t\v\f\r\n ", want: nil},
		{name: "two words", in: "foo bar", want: []string{"foo", "bar"}},
		{name: "extra blanks", in: "  foo \t  bar  ", want: []string{"foo", "bar"}},
		{name: "sds.c example newline", in: `"newline are supported\n"`, want: []string{"newline are supported\n"}},
		{name: "sds.c example hex", in: `"\xff\x00otherstuff"`, want: []string{"\xff\x00otherstuff"}},
		{name: "hex upper and lower", in: `"\x4A\x4a"`, want: []string{"JJ"}},
		{name: "x without two hex digits", in: `"\xZZ" "\x4" "a\x4g"`, want: []string{"xZZ", "x4", "ax4g"}},
		{name: "capital X is not hex", in: `"\X41"`, want: []string{"X41"}},
		{name: "named escapes", in: `"\n\r\t\b\a"`, want: []string{"\n\r\t\b\a"}},
		{name: "other escapes are the char", in: `"\q\\\"\'"`, want: []string{`q\"'`}},
		{name: "single quote escape", in: `'single \' quote'`, want: []string{"single ' quote"}},
		{name: "single quotes keep backslashes", in: `'no \n escape \\ '`, want: []string{`no \n escape \\ `}},
		{name: "backslash before closing single quote escapes it", in: `'ends \\'`, bad: true},
		{name: "double quote inside single", in: `'a"b'`, want: []string{`a"b`}},
		{name: "single quote inside double", in: `"a'b"`, want: []string{`a'b`}},
		{name: "quote starts mid word", in: `ab"cd ef" x`, want: []string{"abcd ef", "x"}},
		{name: "single quote mid word", in: `ab'cd'`, want: []string{"abcd"}},
		{name: "empty double", in: `""`, want: []string{""}},
		{name: "empty both", in: `'' ""`, want: []string{"", ""}},
		{name: "tab after quote", in: "\"a\"\tb", want: []string{"a", "b"}},
		{name: "vertical tab after quote is a blank", in: "\"a\"\vb", want: []string{"a", "b"}},
		{name: "vertical tab inside bare word is kept", in: "a\vb c", want: []string{"a\vb", "c"}},
		{name: "form feed inside bare word is kept", in: "a\fb", want: []string{"a\fb"}},
		{name: "leading vertical tab skipped", in: "\va", want: []string{"a"}},
		{name: "carriage return splits", in: "a\rb", want: []string{"a", "b"}},
		{name: "bare backslash literal", in: `foo\bar \`, want: []string{`foo\bar`, `\`}},
		{name: "bare backslash does not escape a quote", in: `a\"b c"`, want: []string{`a\b c`}},
		{name: "NUL ends the line", in: "a\x00b c", want: []string{"a"}},
		{name: "non-ASCII passes through", in: "\"\xc3\xa9\" \xff", want: []string{"\xc3\xa9", "\xff"}},
		{name: "hash is not a comment here", in: "a #b", want: []string{"a", "#b"}},
		{name: "closing double quote followed by text", in: `"foo"bar`, bad: true},
		{name: "closing single quote followed by text", in: `'foo'bar`, bad: true},
		{name: "empty quotes inside a word", in: `a""b`, bad: true},
		{name: "unterminated double", in: `"foo`, bad: true},
		{name: "unterminated single", in: `'foo`, bad: true},
		{name: "escaped closing quote", in: `"foo\"`, bad: true},
		{name: "trailing backslash in quotes", in: `"foo\`, bad: true},
		{name: "escaped single quote at end", in: `'foo\'`, bad: true},
		{name: "non-breaking space is not a blank", in: "\"a\"\xa0b", bad: true},
		{name: "NUL right after closing quote ends the line", in: "\"a\"\x00b", want: []string{"a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SplitArgs(tc.in)
			if tc.bad {
				if !errors.Is(err, ErrUnbalancedQuotes) {
					t.Fatalf("SplitArgs(%q) = %q, %v; want ErrUnbalancedQuotes", tc.in, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("SplitArgs(%q): %v", tc.in, err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("SplitArgs(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"abc", "abc"},
		{"/run/redis/redis-server.sock", "/run/redis/redis-server.sock"},
		{"127.0.0.1", "127.0.0.1"},
		{"-::1", "-::1"},
		{"a b", `"a b"`},
		{`a"b`, `"a\"b"`},
		{`a\b`, `"a\\b"`},
		{"a'b", `"a'b"`},
		{"#x", `"#x"`},
		{"\n", `"\x0a"`},
		{"\x00\x7f", `"\x00\x7f"`},
		{"\xc3\xa9", `"\xc3\xa9"`},
		{`\x41`, `"\\x41"`},
		{"`", `"` + "`" + `"`},
	}
	for _, tc := range tests {
		if got := Quote(tc.in); got != tc.want {
			t.Errorf("Quote(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestQuoteRoundTripsEveryByte(t *testing.T) {
	for i := 0; i < 256; i++ {
		for _, s := range []string{string([]byte{byte(i)}), "a" + string([]byte{byte(i)}) + "b", string([]byte{byte(i), 'x', '4', '1'})} {
			got, err := SplitArgs(Quote(s))
			if err != nil || len(got) != 1 || got[0] != s {
				t.Fatalf("SplitArgs(Quote(%q)) = %q, %v", s, got, err)
			}
		}
	}
}
