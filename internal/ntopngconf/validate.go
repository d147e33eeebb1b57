package ntopngconf

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on values the provider renders.
const (
	// MaxRedisValueLen is the longest --redis value ntopng reads whole: it
	// copies the value into a 128-byte buffer and cuts the rest silently.
	MaxRedisValueLen = 127
	// MinRedisPasswordLen is the provider's policy for Redis passwords.
	MinRedisPasswordLen = 32
	// MaxRedisPasswordLen keeps the --redis value short enough.
	MaxRedisPasswordLen = 64
)

// ValidateValue checks a value the provider will render as "--name=value"
// (or "--name" for a flag, whose value must be empty), so that ntopng reads
// back exactly that value.
func ValidateValue(name, value string) error {
	o := lookup(name)
	if o == nil {
		return unknownOptionError(name)
	}
	if !o.TakesValue {
		if value != "" {
			return fmt.Errorf("option --%s is a flag and takes no value, but the value is %q: leave the value empty", o.Long, value)
		}
		return nil
	}
	if value == "" {
		return fmt.Errorf("option --%s needs a value: ntopng skips the line when the value is empty; set a value or remove the option", o.Long)
	}
	if err := checkValueText("option --"+o.Long, value); err != nil {
		return err
	}
	if limit := MaxValueLen(o.Long); len(value) > limit {
		return fmt.Errorf("the value of option --%s is %d bytes long, so the line \"--%s=...\" would be %d bytes: ntopng reads its configuration file with fgets into a %d-byte buffer, takes at most %d bytes of a line at once and reads the rest as a line of its own, so the value would be cut; keep the value at most %d bytes",
			o.Long, len(value), o.Long, len(value)+MaxLineLen-limit, lineBufferSize, MaxLineLen, limit)
	}
	if o.key == 'r' && len(value) > MaxRedisValueLen {
		return fmt.Errorf("the value of option --redis is %d bytes long: ntopng copies it into a 128-byte buffer and silently cuts everything past %d bytes; use a shorter host, socket path or password", len(value), MaxRedisValueLen)
	}
	return nil
}

// MaxValueLen is the longest value of the option long (a long name) that the
// provider renders: "--long=value" must fit in the MaxLineLen bytes ntopng reads
// of a line at once.
func MaxValueLen(long string) int {
	return MaxLineLen - len("--"+long+"=")
}

// unknownOptionError says why name, which no option of the table has, would have no effect.
func unknownOptionError(name string) error {
	long, short := strings.TrimPrefix(name, "--"), byte(0)
	if n := strings.TrimPrefix(name, "-"); len(n) == 1 {
		long, short = "", n[0]
	}
	if why, ok := ignoredReason(long, short); ok {
		return fmt.Errorf("%q would have no effect: %s; remove it", name, why)
	}
	if lookupLetterOnly(short) != nil {
		return fmt.Errorf("%q has no long name in ntopng (only a \"-%c\" line sets it), and the provider writes only \"--name=value\" lines; put \"-%c\" in a drop-in written outside Terraform", name, short, short)
	}
	return fmt.Errorf("%q is not an ntopng option: ntopng ignores unknown options without a warning, so the setting would have no effect; use one of the known long names (the pid file option is \"pid\", not \"pid-path\")", name)
}

// checkValueText refuses text that ntopng would not read back unchanged.
func checkValueText(what, value string) error {
	if !utf8.ValidString(value) {
		return fmt.Errorf("the value of %s is not valid UTF-8: write it as UTF-8 text", what)
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < ' ' || c == 0x7f {
			return fmt.Errorf("the value of %s contains the control character %q at byte %d: ntopng.conf holds one option per line and has no escape syntax; remove it", what, value[i:i+1], i)
		}
	}
	first, last := value[0], value[len(value)-1]
	switch {
	case first == ' ' || last == ' ':
		return fmt.Errorf("the value of %s (%q) starts or ends with a space, which ntopng trims away: remove the surrounding spaces", what, value)
	case first == '"' || first == '\'' || last == '"' || last == '\'':
		return fmt.Errorf("the value of %s (%q) starts or ends with a quote: ntopng strips \" and ' at both ends of a value, so it would read something else; remove the quotes (ntopng.conf never needs them)", what, value)
	case first == '=':
		return fmt.Errorf("the value of %s (%q) starts with '=': this is the \"--name = value\" mistake, where ntopng reads the '=' as part of the value; remove the leading '='", what, value)
	}
	return nil
}

// ValidateRedisPassword checks a password that ntopng will send to Redis.
func ValidateRedisPassword(pw string) error {
	for i := 0; i < len(pw); i++ {
		c := pw[i]
		switch {
		case c <= ' ' || c >= 0x7f:
			return fmt.Errorf("the Redis password contains %q at byte %d: use only printable ASCII characters without white space (ntopng reads one option per line and trims white space)", pw[i:i+1], i)
		case c == '"' || c == '\'':
			return fmt.Errorf("the Redis password contains a quote (%c) at byte %d: ntopng strips quotes and redis.conf needs escaping for them; choose a password without ' or \"", c, i)
		case c == '\\' || c == '`':
			return fmt.Errorf("the Redis password contains %c at byte %d: ntopng does not support backslashes or backticks in Redis passwords; choose a password without them", c, i)
		}
	}
	switch {
	case len(pw) < MinRedisPasswordLen:
		return fmt.Errorf("the Redis password is %d characters long: it must be at least %d characters (for example 48 random letters and digits)", len(pw), MinRedisPasswordLen)
	case len(pw) > MaxRedisPasswordLen:
		return fmt.Errorf("the Redis password is %d characters long: it must be at most %d characters so that the --redis value fits ntopng's 128-byte buffer", len(pw), MaxRedisPasswordLen)
	}
	return nil
}

// Redis is how ntopng reaches Redis: a Unix socket or a TCP host.
type Redis struct {
	// Socket is the absolute path of the Redis Unix socket; set either
	// Socket or Host.
	Socket string
	// Host is an IPv4 address or a host name (not IPv6: ntopng splits the
	// value at ':').
	Host string
	// Port is the TCP port; 0 means 6379. It must be 0 with Socket.
	Port int
	// DB is the database number, 0..255.
	DB int
	// Password is sent with AUTH; "" for none.
	Password string
}

// RenderRedis returns the value of --redis for r: "host:port@db",
// "host:port:password@db", "/socket@db" or "/socket:0:password@db" (ntopng
// needs a dummy port before a password, and uses the socket only when the
// path is a socket).
func RenderRedis(r Redis) (string, error) {
	if r.DB < 0 || r.DB > 255 {
		return "", fmt.Errorf("the Redis database %d is out of range: ntopng accepts 0 to 255", r.DB)
	}
	if r.Password != "" {
		if err := ValidateRedisPassword(r.Password); err != nil {
			return "", err
		}
	}
	target, err := redisTarget(r)
	if err != nil {
		return "", err
	}
	v := target
	if r.Password != "" {
		if r.Socket != "" {
			v += ":0"
		}
		v += ":" + r.Password
	}
	v += "@" + strconv.Itoa(r.DB)
	if len(v) > MaxRedisValueLen {
		return "", fmt.Errorf("the --redis value would be %d bytes long: ntopng copies it into a 128-byte buffer and silently cuts everything past %d bytes; use a shorter socket path, host name or password", len(v), MaxRedisValueLen)
	}
	return v, nil
}

// redisTarget returns "/socket" or "host:port".
func redisTarget(r Redis) (string, error) {
	switch {
	case r.Socket != "" && r.Host != "":
		return "", fmt.Errorf("both a Redis socket (%q) and a Redis host (%q) are set: set only one", r.Socket, r.Host)
	case r.Socket != "":
		if r.Port != 0 {
			return "", fmt.Errorf("a Redis port (%d) is set with the socket %q: a port is not used with a socket; remove it", r.Port, r.Socket)
		}
		return r.Socket, checkSocketPath(r.Socket)
	case r.Host == "":
		return "", fmt.Errorf("neither a Redis socket nor a Redis host is set: set one of them")
	}
	if err := checkRedisHost(r.Host); err != nil {
		return "", err
	}
	port := r.Port
	if port == 0 {
		port = DefaultRedisPort
	}
	if port < 1 || port > 65535 {
		return "", fmt.Errorf("the Redis port %d is out of range: use 1 to 65535", r.Port)
	}
	return r.Host + ":" + strconv.Itoa(port), nil
}

func checkSocketPath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("the Redis socket %q is not an absolute path: write the full path, for example \"/run/redis/redis-server.sock\"", p)
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c <= ' ' || c >= 0x7f || c == '"' || c == '\'':
			return fmt.Errorf("the Redis socket path %q contains %q at byte %d: ntopng trims white space and quotes; choose a path of printable characters without them", p, p[i:i+1], i)
		case c == ':' || c == '@':
			return fmt.Errorf("the Redis socket path %q contains %q: ntopng would read it as a port, password or database separator; choose a path without ':' and '@'", p, c)
		}
	}
	return nil
}

func checkRedisHost(h string) error {
	if addr, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil && addr.Is6() {
		return fmt.Errorf("the Redis host %q is an IPv6 address: ntopng splits the --redis value at ':' and cannot reach Redis over IPv6; use an IPv4 address, a host name or the Unix socket", h)
	}
	if strings.HasPrefix(h, "/") {
		return fmt.Errorf("the Redis host %q is a path: set it as the socket instead", h)
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return fmt.Errorf("the Redis host %q contains %q at byte %d: write an IPv4 address or a host name (letters, digits, '.' and '-')", h, h[i:i+1], i)
		}
	}
	if h[0] == '-' || h[0] == '.' {
		return fmt.Errorf("the Redis host %q starts with %q: write an IPv4 address or a host name", h, h[:1])
	}
	return nil
}
