// Package livecheck asks the running services on a host what they really do, through the SSH
// connection: which sockets listen (ss, or /proc/net/tcp when ss is absent), whether Redis
// demands a password, and which certificate an HTTPS server presents.
package livecheck

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/hex"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostscript"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// Listener is one listening TCP socket.
type Listener struct {
	Protocol string // "tcp" or "tcp6"
	Address  string // IP address as the kernel reports it ("0.0.0.0", "::", "127.0.0.1")
	Port     int
	Process  string // process name, "" when unknown (no ss, or not allowed to see it)
	PID      int
}

// HostPort renders the listener as ADDRESS:PORT, with brackets for IPv6.
func (l Listener) HostPort() string {
	return net.JoinHostPort(l.Address, strconv.Itoa(l.Port))
}

//go:embed listeners.sh
var listenersSh string

// ListenersScript prints every listening TCP socket (listeners.sh): `ss -Htlnp` when ss
// exists, otherwise the raw /proc/net/tcp and tcp6 tables, each in its section. It takes no
// argument and no input, and holds no secret.
var ListenersScript = hostscript.New("listeners.sh", listenersSh)

// Listeners runs ListenersScript on one exec channel and parses its output.
func Listeners(ctx context.Context, c *transport.Conn) ([]Listener, error) {
	res, err := c.Run(ctx, ListenersScript.MustCommand(nil), nil)
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("listing listening sockets failed (exit %d): %s", res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	return ParseListenersOutput(string(res.Stdout))
}

// ParseListenersOutput parses what ListenersScript printed: one "ss" or "proc" section,
// which runs to the end, and nothing before it.
func ParseListenersOutput(out string) ([]Listener, error) {
	if secs := hostscript.Sections(out, "ss", "proc"); len(secs) == 2 && secs[0].Body == "" {
		switch secs[1].Name {
		case "ss":
			return ParseSS(secs[1].Body), nil
		case "proc":
			return ParseProcNetTCP(secs[1].Body), nil
		}
	}
	return nil, fmt.Errorf("unexpected output from the listener check: %.80q", out)
}

// ParseSS parses `ss -Htlnp` lines such as
// `LISTEN 0 511 127.0.0.1:6379 0.0.0.0:* users:(("redis-server",pid=812,fd=6))`.
func ParseSS(out string) []Listener {
	var ls []Listener
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || f[0] != "LISTEN" {
			continue
		}
		local := f[3]
		i := strings.LastIndexByte(local, ':')
		if i < 0 {
			continue
		}
		port, err := strconv.Atoi(local[i+1:])
		if err != nil {
			continue
		}
		addr := strings.Trim(local[:i], "[]")
		if j := strings.IndexByte(addr, '%'); j >= 0 { // 0.0.0.0%lo: bound to a device
			addr = addr[:j]
		}
		if addr == "*" {
			addr = "::"
		}
		l := Listener{Protocol: "tcp", Address: addr, Port: port}
		if strings.Contains(addr, ":") {
			l.Protocol = "tcp6"
		}
		if len(f) > 5 {
			l.Process, l.PID = parseSSUsers(strings.Join(f[5:], " "))
		}
		ls = append(ls, l)
	}
	sortListeners(ls)
	return ls
}

// ntopngMainThread is the name ntopng gives its main thread once it runs.
const ntopngMainThread = "ntopng-main"

// parseSSUsers takes the first process of `users:(("name",pid=1,fd=3),...)`.
func parseSSUsers(s string) (string, int) {
	i := strings.Index(s, `(("`)
	if i < 0 {
		return "", 0
	}
	s = s[i+3:]
	j := strings.IndexByte(s, '"')
	if j < 0 {
		return "", 0
	}
	name := s[:j]
	if name == ntopngMainThread {
		// ntopng renames its main thread a few seconds after it starts (Utils::setThreadName):
		// one name for one program, so that a report does not change with the moment it is read.
		name = "ntopng"
	}
	pid := 0
	if k := strings.Index(s, "pid="); k >= 0 {
		rest := s[k+4:]
		end := strings.IndexAny(rest, ",)")
		if end > 0 {
			pid, _ = strconv.Atoi(rest[:end])
		}
	}
	return name, pid
}

// ParseProcNetTCP parses /proc/net/tcp and /proc/net/tcp6 tables (state 0A = LISTEN).
// Process names are not known from these tables.
func ParseProcNetTCP(out string) []Listener {
	var ls []Listener
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || f[3] != "0A" {
			continue
		}
		hexAddr, hexPort, ok := strings.Cut(f[1], ":")
		if !ok {
			continue
		}
		port, err := strconv.ParseUint(hexPort, 16, 16)
		if err != nil {
			continue
		}
		raw, err := hex.DecodeString(hexAddr)
		if err != nil || (len(raw) != 4 && len(raw) != 16) {
			continue
		}
		// The kernel prints each 32-bit word in host (little-endian) order.
		for w := 0; w < len(raw); w += 4 {
			raw[w], raw[w+1], raw[w+2], raw[w+3] = raw[w+3], raw[w+2], raw[w+1], raw[w]
		}
		ip := net.IP(raw)
		l := Listener{Protocol: "tcp", Address: ip.String(), Port: int(port)}
		if len(raw) == 16 {
			l.Protocol = "tcp6"
		}
		ls = append(ls, l)
	}
	sortListeners(ls)
	return ls
}

func sortListeners(ls []Listener) {
	sort.Slice(ls, func(i, j int) bool {
		if ls[i].Port != ls[j].Port {
			return ls[i].Port < ls[j].Port
		}
		if ls[i].Address != ls[j].Address {
			return ls[i].Address < ls[j].Address
		}
		return ls[i].Process < ls[j].Process
	})
}

// nthField returns the n-th (from 0) space-separated field of line without allocating.
func nthField(line string, n int) string {
	for i := 0; ; i++ {
		line = strings.TrimLeft(line, " \t")
		if line == "" {
			return ""
		}
		end := strings.IndexAny(line, " \t")
		if end < 0 {
			end = len(line)
		}
		if i == n {
			return line[:end]
		}
		line = line[end:]
	}
}
