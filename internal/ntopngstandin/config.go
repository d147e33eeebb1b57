package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// config holds the few ntopng options the stand-in acts on.
type config struct {
	HTTPPort       string // -w / --http-port, raw value
	HTTPSPort      string // -W / --https-port, raw value
	User           string // -U / --user
	DontChangeUser bool   // -s / --dont-change-user
	HTTPDocs       string // -1 / --httpdocs-dir
	Redis          string // -r / --redis
	DataDir        string // -d / --data-dir
	PIDFile        string // -G / --pid
	CiphersList    string // --ciphers-list ("" ntopng's default)
}

// optionNames maps every spelling the stand-in knows to its long name.
var optionNames = map[string]string{
	"-w": "http-port", "--http-port": "http-port",
	"-W": "https-port", "--https-port": "https-port",
	"-U": "user", "--user": "user",
	"-s": "dont-change-user", "--dont-change-user": "dont-change-user",
	"-1": "httpdocs-dir", "--httpdocs-dir": "httpdocs-dir",
	"-r": "redis", "--redis": "redis",
	"-d": "data-dir", "--data-dir": "data-dir",
	"-G": "pid", "--pid": "pid",
	"--ciphers-list": "ciphers-list",
}

// defaultConfig returns ntopng's built-in defaults.
func defaultConfig() config {
	return config{
		HTTPPort:  "3000",
		HTTPSPort: "0",
		User:      "ntopng",
		HTTPDocs:  "/usr/share/ntopng/httpdocs",
		DataDir:   "/var/lib/ntopng",
	}
}

// parseConfig reads an ntopng.conf the way ntopng does: one option per
// line, "#" lines and lines shorter than 2 characters skipped, the name
// ends at the first "=" or blank, the value is trimmed and loses quotes at
// both ends, and the last occurrence wins. Unknown options are ignored,
// as ntopng ignores unknown long options.
func parseConfig(text string) config {
	c := defaultConfig()
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if len(line) < 2 || line[0] == '#' || line[0] != '-' {
			continue
		}
		name, value := line, ""
		if i := strings.IndexAny(line, "= \t"); i >= 0 {
			name, value = line[:i], line[i+1:]
		}
		value = strings.Trim(strings.TrimSpace(value), `"'`)
		switch optionNames[name] {
		case "http-port":
			c.HTTPPort = value
		case "https-port":
			c.HTTPSPort = value
		case "user":
			c.User = value
		case "dont-change-user":
			c.DontChangeUser = true
		case "httpdocs-dir":
			c.HTTPDocs = value
		case "redis":
			c.Redis = value
		case "data-dir":
			c.DataDir = value
		case "pid":
			c.PIDFile = value
		case "ciphers-list":
			c.CiphersList = value
		}
	}
	return c
}

// parseListen turns a --http-port / --https-port value into a listen
// address: "3000" is every IPv4 address, ":3000" is 127.0.0.1,
// "192.0.2.1:3000" and "[2001:db8::1]:3000" name the address. A port that
// does not parse counts as 0, like atoi in ntopng. Port 0 means "off" and
// returns "". Host names are refused, as ntopng's web server refuses them.
func parseListen(value string) (string, error) {
	host, port := "0.0.0.0", value
	if i := strings.LastIndex(value, ":"); i >= 0 {
		host, port = value[:i], value[i+1:]
		if host == "" {
			host = "127.0.0.1"
		}
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	}
	n := atoi(port)
	if n == 0 {
		return "", nil
	}
	if net.ParseIP(host) == nil {
		return "", fmt.Errorf("invalid web server address %q: use an IP address, not a host name", value)
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}

// atoi parses leading decimal digits like C's atoi; anything else is 0.
func atoi(s string) int {
	n := 0
	for _, r := range strings.TrimSpace(s) {
		if r < '0' || r > '9' || n > 65535 {
			break
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// redisTarget is a parsed --redis value.
type redisTarget struct {
	Network, Address, Password string
}

// parseRedis parses "[host[:port[:password]]][@db]" or
// "/path/to.sock[:port[:password]][@db]". The password is everything after
// the second ":" up to the last "@".
func parseRedis(value string) redisTarget {
	if i := strings.LastIndex(value, "@"); i >= 0 {
		value = value[:i]
	}
	host, rest, _ := strings.Cut(value, ":")
	port, password, _ := strings.Cut(rest, ":")
	if strings.HasPrefix(host, "/") {
		return redisTarget{Network: "unix", Address: host, Password: password}
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if port == "" {
		port = "6379"
	}
	return redisTarget{Network: "tcp", Address: net.JoinHostPort(host, port), Password: password}
}

// readConfig reads and parses the file at path.
func readConfig(path string) (config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return config{}, fmt.Errorf("read configuration: %w", err)
	}
	return parseConfig(string(b)), nil
}
