package transport

import "strings"

// Quote returns s quoted for a POSIX shell: unchanged when it is made only of
// characters no shell treats specially in any position, otherwise inside single
// quotes, each
// single quote in s written as quote, backslash, quote, quote. The empty
// string becomes a pair of single quotes. (A NUL byte cannot be passed on a
// command line at all.)
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	if isShellSafe(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Join quotes each argument with Quote and joins them with spaces, giving a
// command line that a POSIX shell splits back into exactly argv.
func Join(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = Quote(a)
	}
	return strings.Join(q, " ")
}

func isShellSafe(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		// No "=": a leading NAME=value word would be read as an assignment.
		case strings.ContainsRune("_@%+:,./-", r):
		default:
			return false
		}
	}
	return true
}
