package ntopngconf

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ListenDisabled is the listen value that turns a web server off.
const ListenDisabled = "disabled"

// Listen is where one of ntopng's web servers (HTTP or HTTPS) listens.
type Listen struct {
	// Disabled is true for "disabled" (ntopng value 0).
	Disabled bool
	// Loopback is true for ":PORT", which ntopng binds to 127.0.0.1.
	Loopback bool
	// Address is "" for every IPv4 address (and for Loopback), an IPv4
	// address, or an IPv6 address in brackets ("[::1]").
	Address string
	// Port is 1..65535, or 0 when Disabled.
	Port int
}

// ParseListen parses the provider's listen syntax: "disabled", "PORT" (every
// IPv4 address), ":PORT" (127.0.0.1 only), "IPv4:PORT" or "[IPv6]:PORT".
func ParseListen(s string) (Listen, error) {
	if s == ListenDisabled {
		return Listen{Disabled: true}, nil
	}
	if s == "" {
		return Listen{}, fmt.Errorf("the listen value is empty: write %q, \"PORT\", \":PORT\", \"IPv4:PORT\" or \"[IPv6]:PORT\"", ListenDisabled)
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f || s[i] == '"' || s[i] == '\'' {
			return Listen{}, fmt.Errorf("listen value %q contains %q at byte %d: write only \"PORT\", \":PORT\", \"IPv4:PORT\" or \"[IPv6]:PORT\", without spaces or quotes", s, s[i:i+1], i)
		}
	}
	if strings.HasPrefix(s, "[") {
		j := strings.Index(s, "]:")
		if j < 0 {
			return Listen{}, fmt.Errorf("listen value %q: write an IPv6 address in brackets followed by a port, for example \"[::1]:3000\"", s)
		}
		port, err := parsePort(s, s[j+2:])
		if err != nil {
			return Listen{}, err
		}
		return parseIPv6Listen(s, s[1:j], port)
	}
	i := strings.LastIndexByte(s, ':')
	switch {
	case i < 0 && strings.Trim(s, "0123456789") != "":
		return Listen{}, fmt.Errorf("listen value %q is neither a port nor ADDRESS:PORT; ntopng's web server refuses hostnames and exits: use an IP address, for example \"127.0.0.1:3000\"", s)
	case i < 0:
		port, err := parsePort(s, s)
		return Listen{Port: port}, err
	case i == 0:
		port, err := parsePort(s, s[1:])
		return Listen{Loopback: true, Port: port}, err
	}
	host := s[:i]
	port, err := parsePort(s, s[i+1:])
	if err != nil {
		return Listen{}, err
	}
	addr, err := netip.ParseAddr(host)
	switch {
	case err == nil && addr.Is4():
		return Listen{Address: host, Port: port}, nil
	case err == nil:
		return Listen{}, fmt.Errorf("listen value %q has an IPv6 address without brackets: write it as \"[IPv6]:PORT\", for example \"[::1]:%d\"", s, port)
	case strings.Contains(host, ":"):
		return Listen{}, fmt.Errorf("listen value %q is none of \"PORT\", \":PORT\", \"IPv4:PORT\" or \"[IPv6]:PORT\": ntopng takes one address and one port", s)
	}
	return Listen{}, fmt.Errorf("listen value %q names the host %q: ntopng's web server refuses hostnames and exits; use an IP address, for example \"127.0.0.1:%d\", or \":%d\" for 127.0.0.1 only", s, host, port, port)
}

func parseIPv6Listen(s, text string, port int) (Listen, error) {
	addr, err := netip.ParseAddr(text)
	if err != nil || !addr.Is6() {
		return Listen{}, fmt.Errorf("listen value %q: %q between the brackets is not an IPv6 address; ntopng's web server refuses hostnames, use an IP address", s, text)
	}
	if addr.Zone() != "" {
		return Listen{}, fmt.Errorf("listen value %q has an IPv6 zone (%%%s): ntopng cannot bind to it; remove the zone", s, addr.Zone())
	}
	if addr.String() != text {
		return Listen{}, fmt.Errorf("listen value %q: write the IPv6 address in its canonical form, \"[%s]:%d\", so that the value read back from ntopng.conf matches", s, addr, port)
	}
	return Listen{Address: "[" + text + "]", Port: port}, nil
}

// parsePort accepts 1..65535 written in plain decimal digits.
func parsePort(s, text string) (int, error) {
	bad := text == "" || (len(text) > 1 && text[0] == '0')
	for i := 0; i < len(text); i++ {
		bad = bad || text[i] < '0' || text[i] > '9'
	}
	if bad {
		return 0, fmt.Errorf("listen value %q: the port %q is not a decimal number without leading zeros; write a port from 1 to 65535", s, text)
	}
	n, err := strconv.Atoi(text)
	switch {
	case err != nil || n > 65535:
		return 0, fmt.Errorf("listen value %q: port %s is out of range; write a port from 1 to 65535", s, text)
	case n == 0:
		return 0, fmt.Errorf("listen value %q: port 0 turns the web server off; write %q to say so", s, ListenDisabled)
	}
	return n, nil
}

// Render returns the value to write after --http-port= or --https-port=.
func (l Listen) Render() string {
	p := strconv.Itoa(l.Port)
	switch {
	case l.Disabled:
		return "0"
	case l.Loopback:
		return ":" + p
	case l.Address == "":
		return p
	}
	return l.Address + ":" + p
}

// String returns l in the provider's listen syntax.
func (l Listen) String() string {
	if l.Disabled {
		return ListenDisabled
	}
	return l.Render()
}

// AllAddresses reports whether the server listens on every address of a
// family ("PORT", "0.0.0.0:PORT" or "[::]:PORT"). It is false when Disabled,
// although ntopng with HTTP disabled and HTTPS not started falls back to an
// HTTP listener on every IPv4 address: callers must check that case.
func (l Listen) AllAddresses() bool {
	if l.Disabled || l.Loopback {
		return false
	}
	return l.Address == "" || l.Address == "0.0.0.0" || l.Address == "[::]"
}
