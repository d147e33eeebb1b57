// Package redisconf reads and edits redis.conf the way redis-server itself
// reads it: the sdssplitargs tokenizer, quoting that the tokenizer reads back
// exactly, include resolution over a small file-system interface, last-wins
// lookups, conflict detection for requirepass, and an editor that owns the
// managed directives while keeping every other byte of the file.
//
// The package is pure: it imports neither Terraform nor SSH, so it can be
// fuzzed and read alone.
package redisconf

import (
	"errors"
	"strings"
)

// ErrUnbalancedQuotes is returned by SplitArgs (and wrapped by Load) when a line has an
// unterminated quote or a closing quote followed by something other than a
// space. Redis refuses to start on such a line.
var ErrUnbalancedQuotes = errors.New("unbalanced quotes (or a closing quote not followed by a space)")

// SplitArgs splits one configuration line into arguments exactly as Redis's
// sdssplitargs (src/sds.c) does:
//
//   - arguments are separated by blanks (space, \t, \n, \r, \v, \f before an
//     argument; an unquoted argument ends at space, \t, \n or \r only, so \v
//     and \f inside a bare word are kept);
//   - "double quotes" understand \xHH (two hex digits), \n \r \t \b \a, and
//     \c for any other c (so \\ and \" are a backslash and a quote);
//   - 'single quotes' understand only \' ;
//   - a quote may start in the middle of a word (ab"c d" is one argument
//     "abc d"), but a closing quote must be followed by a blank or the end of
//     the line;
//   - like the C code, the line ends at the first NUL byte.
//
// An unterminated quote or a closing quote followed by a non-blank returns
// ErrUnbalancedQuotes (the line is not quoted in the error: it may hold a
// secret). A blank line gives no arguments.
func SplitArgs(line string) ([]string, error) {
	if i := strings.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	at := func(i int) byte {
		if i < len(line) {
			return line[i]
		}
		return 0
	}
	var args []string
	p := 0
	for {
		for p < len(line) && isSpace(line[p]) {
			p++
		}
		if p >= len(line) {
			return args, nil
		}
		var cur []byte
		inq, insq, done := false, false, false
		for !done {
			c := at(p)
			switch {
			case inq:
				switch {
				case c == '\\' && at(p+1) == 'x' && isHex(at(p+2)) && isHex(at(p+3)):
					cur = append(cur, unhex(at(p+2))<<4|unhex(at(p+3)))
					p += 3
				case c == '\\' && at(p+1) != 0:
					p++
					cur = append(cur, unescape(at(p)))
				case c == '"':
					if at(p+1) != 0 && !isSpace(at(p+1)) {
						return nil, ErrUnbalancedQuotes
					}
					done = true
				case c == 0:
					return nil, ErrUnbalancedQuotes
				default:
					cur = append(cur, c)
				}
			case insq:
				switch {
				case c == '\\' && at(p+1) == '\'':
					p++
					cur = append(cur, '\'')
				case c == '\'':
					if at(p+1) != 0 && !isSpace(at(p+1)) {
						return nil, ErrUnbalancedQuotes
					}
					done = true
				case c == 0:
					return nil, ErrUnbalancedQuotes
				default:
					cur = append(cur, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					cur = append(cur, c)
				}
			}
			if at(p) != 0 {
				p++
			}
		}
		args = append(args, string(cur))
	}
}

// isSpace is C's isspace() in the "C" locale, which Redis keeps for LC_CTYPE.
func isSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'a':
		return '\a'
	default:
		return c
	}
}

// Quote renders one argument so that SplitArgs(Quote(a)) == []string{a} for
// every string a. A non-empty argument made only of letters, digits and
// harmless punctuation (see isBare) is written bare; anything else is
// double-quoted, with \ and " escaped by a backslash and every byte outside
// printable ASCII (controls, DEL, bytes >= 0x80, NUL) written as \xHH. The
// empty string is "".
func Quote(a string) string {
	if a != "" && isBare(a) {
		return a
	}
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(a); i++ {
		c := a[i]
		switch {
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c >= 0x20 && c <= 0x7e:
			b.WriteByte(c)
		default:
			b.WriteString(`\x`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
	}
	b.WriteByte('"')
	return b.String()
}

// isBare reports whether a can be written without quotes. The set leaves out
// blanks, quotes, the backslash, '#' (a comment when first on a line) and
// every non-printable or non-ASCII byte.
func isBare(a string) bool {
	for i := 0; i < len(a); i++ {
		c := a[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("-_./:@*+,=%!?^~$&()[]{}<>|;", c) >= 0:
		default:
			return false
		}
	}
	return true
}
