package redisconf

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Password length bounds enforced by ValidatePassword.
const (
	MinPasswordLen = 32
	MaxPasswordLen = 64
)

// PasswordSpecials lists the non-alphanumeric characters ValidatePassword
// accepts: printable ASCII punctuation except ' " \ and `.
const PasswordSpecials = "!#$%&()*+,-./:;<=>?@[]^_{|}~"

const passwordFix = "use 32 to 64 printable ASCII characters: letters, digits and only these specials: " +
	PasswordSpecials + " (for example the output of `openssl rand -hex 32`, or a generator with special characters limited to that list)"

// ValidatePassword checks a Redis password that ntopng must also use. It
// must be 32 to 64 characters of printable ASCII without whitespace, quotes
// (' "), backslash or backtick: ntopng's --redis option (and ntopng.conf,
// which has no escapes and strips quotes at both ends) cannot carry those,
// and ntopng cuts --redis values over 127 characters. A password holding
// '@' needs the rendered --redis value to end with "@db", since ntopng takes
// the password up to the last '@'. The error never repeats the password.
func ValidatePassword(pw string) error {
	switch {
	case len(pw) < MinPasswordLen:
		return fmt.Errorf("redis password is shorter than %d characters: %s", MinPasswordLen, passwordFix)
	case len(pw) > MaxPasswordLen:
		return fmt.Errorf("redis password is longer than %d characters (ntopng's --redis value holds at most 127): %s", MaxPasswordLen, passwordFix)
	}
	for i := 0; i < len(pw); i++ {
		c := pw[i]
		var what string
		switch {
		case c == ' ' || (c >= '\t' && c <= '\r'):
			what = "whitespace"
		case c == '\'' || c == '"':
			what = "a quote (' or \"), which ntopng.conf strips"
		case c == '\\':
			what = "a backslash, which ntopng does not support in --redis"
		case c == '`':
			what = "a backtick, which ntopng does not support in --redis"
		case c < 0x20 || c == 0x7f:
			what = "a control character"
		case c >= 0x80:
			what = "a non-ASCII character"
		default:
			continue
		}
		return fmt.Errorf("redis password contains %s at position %d, which ntopng's --redis option cannot carry: %s", what, i+1, passwordFix)
	}
	return nil
}

// ValidateArg checks any other value written into redis.conf. Quote renders
// every byte (newlines and controls as \xHH), so the only value refused is
// one with a NUL byte: Redis keeps most configuration values as C strings and
// would silently cut the value there. The error does not repeat the value.
func ValidateArg(a string) error {
	if i := strings.IndexByte(a, 0); i >= 0 {
		return fmt.Errorf("value contains a NUL byte at position %d; Redis keeps configuration values as C strings and would cut the value there: remove the NUL byte", i+1)
	}
	return nil
}

// PasswordSHA256 returns the lower-case hex SHA-256 of pw, the form Redis
// ACLs use for password hashes (`#<hash>` in a user rule, ACL GETUSER).
func PasswordSHA256(pw string) string {
	sum := sha256.Sum256([]byte(pw))
	return hex.EncodeToString(sum[:])
}
