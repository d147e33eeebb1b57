package redisconf

import (
	"strings"
	"testing"
)

func TestValidatePassword(t *testing.T) {
	good := strings.Repeat("a", 32)
	tests := []struct {
		name string
		pw   string
		want string // substring of the error; "" means valid
	}{
		{name: "32 letters", pw: good},
		{name: "64 chars", pw: strings.Repeat("Z9", 32)},
		{name: "all allowed specials", pw: "Aa0" + PasswordSpecials + "bcd"},
		{name: "hex from openssl", pw: "3f1c0a9be47d2c55a1e0f8b6c7d9e2a14b5c6d7e8f90a1b2c3d4e5f60718293a"},
		{name: "too short", pw: strings.Repeat("a", 31), want: "shorter than 32"},
		{name: "empty", pw: "", want: "shorter than 32"},
		{name: "too long", pw: strings.Repeat("a", 65), want: "longer than 64"},
		{name: "space", pw: good + " x", want: "whitespace"},
		{name: "tab", pw: good + "\t", want: "whitespace"},
		{name: "newline", pw: good + "\n", want: "whitespace"},
		{name: "single quote", pw: good + "'", want: "quote"},
		{name: "double quote", pw: "\"" + good, want: "quote"},
		{name: "backslash", pw: good + `\`, want: "backslash"},
		{name: "backtick", pw: good + "`", want: "backtick"},
		{name: "control", pw: good + "\x01", want: "control"},
		{name: "NUL", pw: good + "\x00", want: "control"},
		{name: "DEL", pw: good + "\x7f", want: "control"},
		{name: "non-ASCII", pw: good + "é", want: "non-ASCII"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidatePassword(tc.pw)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("ValidatePassword: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidatePassword accepted %q", tc.pw)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, "32 to 64") || !strings.Contains(msg, PasswordSpecials) {
				t.Fatalf("error %q should name the problem %q, the rule and the fix", msg, tc.want)
			}
			if len(tc.pw) >= 8 && strings.Contains(msg, tc.pw) {
				t.Fatalf("error repeats the password: %q", msg)
			}
		})
	}
}

func TestValidateArg(t *testing.T) {
	for _, ok := range []string{"", "plain", "with\nnewline", "\xff", `"'\`} {
		if err := ValidateArg(ok); err != nil {
			t.Errorf("ValidateArg(%q): %v", ok, err)
		}
	}
	err := ValidateArg("secret\x00tail")
	if err == nil || !strings.Contains(err.Error(), "NUL") || strings.Contains(err.Error(), "secret") {
		t.Fatalf("ValidateArg with NUL = %v", err)
	}
}

func TestPasswordSHA256(t *testing.T) {
	// printf foobared | sha256sum
	if got, want := PasswordSHA256("foobared"), "1b58ee375b42e41f0e48ef2ff27d10a5b1f6924a9acdcdba7cae868e7adce6bf"; got != want {
		t.Fatalf("PasswordSHA256 = %s, want %s", got, want)
	}
	if got, want := PasswordSHA256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"; got != want {
		t.Fatalf("PasswordSHA256(\"\") = %s, want %s", got, want)
	}
}
