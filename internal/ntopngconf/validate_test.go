package ntopngconf

import (
	"strings"
	"testing"
)

func TestValidateValue(t *testing.T) {
	tests := []struct {
		name, value string
		errIn       string // "" for no error
	}{
		{"http-port", ":3000", ""},
		{"w", "[::1]:3000", ""},
		{"user", "ntop user # x", ""},
		{"dont-change-user", "", ""},
		{"daemon", "yes", "takes no value"},
		{"pid-path", "/run/x", "not an ntopng option"},
		{"user", "", "needs a value"},
		{"user", "a\nb", "control character"},
		{"user", "a\rb", "control character"},
		{"user", "a\x00", "control character"},
		{"user", "a\tb", "control character"},
		{"user", " a", "space"},
		{"user", "a ", "space"},
		{"user", "\"a\"", "quote"},
		{"user", "a'", "quote"},
		{"http-port", "= 3000", "starts with '='"},
		{"user", "\xff", "UTF-8"},
		{"user", strings.Repeat("a", 16376), ""}, // "--user=" + 16376 bytes: the 16383 bytes fgets reads at once
		{"user", strings.Repeat("a", 16377), "16384-byte buffer"},
		{"ciphers-list", strings.Repeat("a", 16368), ""}, // "--ciphers-list=" is 15 bytes
		{"ciphers-list", strings.Repeat("a", 16369), "keep the value at most 16368 bytes"},
		{"redis", "h:1:" + strings.Repeat("p", 124), "128-byte"},
		{"redis", "h:1:" + strings.Repeat("p", 123), ""},
	}
	for _, tt := range tests {
		err := ValidateValue(tt.name, tt.value)
		switch {
		case tt.errIn == "" && err != nil:
			t.Errorf("ValidateValue(%q, %q) = %v, want nil", tt.name, tt.value, err)
		case tt.errIn != "" && (err == nil || !strings.Contains(err.Error(), tt.errIn)):
			t.Errorf("ValidateValue(%q, %q) = %v, want an error containing %q", tt.name, tt.value, err, tt.errIn)
		}
	}
}

func TestValidateRedisPassword(t *testing.T) {
	good := strings.Repeat("aB3:@", 8) // 40 characters, ':' and '@' are fine
	tests := []struct {
		pw, errIn string
	}{
		{good, ""},
		{strings.Repeat("x", 32), ""},
		{strings.Repeat("x", 64), ""},
		{strings.Repeat("x", 31), "at least 32 characters"},
		{strings.Repeat("x", 65), "at most 64"},
		{good + " x", "white space"},
		{good + "\tx", "white space"},
		{good + "\"", "quote"},
		{good + "'", "quote"},
		{good + "\\", "backslash"},
		{good + "`", "backtick"},
		{good + "é", "printable ASCII"},
	}
	for _, tt := range tests {
		err := ValidateRedisPassword(tt.pw)
		switch {
		case tt.errIn == "" && err != nil:
			t.Errorf("ValidateRedisPassword(%q) = %v, want nil", tt.pw, err)
		case tt.errIn != "" && (err == nil || !strings.Contains(err.Error(), tt.errIn)):
			t.Errorf("ValidateRedisPassword(%q) = %v, want an error containing %q", tt.pw, err, tt.errIn)
		}
	}
}

func TestRenderRedis(t *testing.T) {
	pw := strings.Repeat("s3cr:t@", 5) // 35 characters
	tests := []struct {
		r     Redis
		want  string
		errIn string
	}{
		{r: Redis{Host: "127.0.0.1"}, want: "127.0.0.1:6379@0"},
		{r: Redis{Host: "redis.lan", Port: 6380, DB: 2}, want: "redis.lan:6380@2"},
		{r: Redis{Host: "10.0.0.5", Port: 6380, DB: 3, Password: pw}, want: "10.0.0.5:6380:" + pw + "@3"},
		{r: Redis{Socket: "/run/redis/redis-server.sock", DB: 5}, want: "/run/redis/redis-server.sock@5"},
		{r: Redis{Socket: "/run/redis/redis-server.sock", Password: pw}, want: "/run/redis/redis-server.sock:0:" + pw + "@0"},
		{r: Redis{}, errIn: "neither"},
		{r: Redis{Host: "h", Socket: "/s"}, errIn: "only one"},
		{r: Redis{Socket: "/s", Port: 1}, errIn: "not used with a socket"},
		{r: Redis{Socket: "run/redis.sock"}, errIn: "absolute path"},
		{r: Redis{Socket: "/run/a:b.sock"}, errIn: "':'"},
		{r: Redis{Socket: "/run/a b.sock"}, errIn: "white space"},
		{r: Redis{Host: "::1"}, errIn: "IPv6"},
		{r: Redis{Host: "[fd00::1]"}, errIn: "IPv6"},
		{r: Redis{Host: "h:1"}, errIn: "host name"},
		{r: Redis{Host: "-h"}, errIn: "starts with"},
		{r: Redis{Host: "h", Port: 70000}, errIn: "out of range"},
		{r: Redis{Host: "h", DB: 256}, errIn: "0 to 255"},
		{r: Redis{Host: "h", DB: -1}, errIn: "0 to 255"},
		{r: Redis{Host: "h", Password: "short"}, errIn: "at least 32 characters"},
		{r: Redis{Socket: "/" + strings.Repeat("d", 70) + ".sock", Password: pw + pw[:20]}, errIn: "128-byte buffer"},
	}
	for _, tt := range tests {
		got, err := RenderRedis(tt.r)
		switch {
		case tt.errIn == "" && (err != nil || got != tt.want):
			t.Errorf("RenderRedis(%+v) = %q, %v; want %q", tt.r, got, err, tt.want)
		case tt.errIn != "" && (err == nil || !strings.Contains(err.Error(), tt.errIn)):
			t.Errorf("RenderRedis(%+v) = %q, %v; want an error containing %q", tt.r, got, err, tt.errIn)
		}
		if err != nil {
			continue
		}
		// ntopng must read back exactly what was rendered.
		e := EvaluateText("--redis=" + got + "\n")
		host := tt.r.Host + tt.r.Socket
		port := tt.r.Port
		switch {
		case port == 0 && tt.r.Socket == "":
			port = DefaultRedisPort
		case tt.r.Socket != "" && tt.r.Password == "":
			port = DefaultRedisPort // no port in the value: ntopng keeps its default
		}
		if e.RedisHost != host || e.RedisPort != port || e.RedisDB != tt.r.DB {
			t.Errorf("ntopng reads %q as %s:%d@%d, want %s:%d@%d", got, e.RedisHost, e.RedisPort, e.RedisDB, host, port, tt.r.DB)
		}
		if (tt.r.Password == "") != (e.RedisPassword == nil) || (e.RedisPassword != nil && *e.RedisPassword != tt.r.Password) {
			t.Errorf("ntopng reads the password of %q as %v, want %q", got, e.RedisPassword, tt.r.Password)
		}
	}
}
