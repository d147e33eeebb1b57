// Package livecheck asks the running services on a host what they really do, through the SSH
// connection: which sockets listen (ss, or /proc/net/tcp when ss is absent), whether Redis
// demands a password, and which certificate an HTTPS server presents.
package livecheck

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

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

// ListenersScript prints every listening TCP socket: `ss -Htlnp` when ss exists, otherwise the
// raw /proc/net/tcp and tcp6 tables after a marker line. It takes no input and holds no secret.
const ListenersScript = `if command -v ss >/dev/null 2>&1; then echo '@@ss'; ss -Htlnp; else echo '@@proc'; cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; fi`

// Listeners runs ListenersScript on one exec channel and parses its output.
func Listeners(ctx context.Context, c *transport.Conn) ([]Listener, error) {
	res, err := c.RunShell(ctx, ListenersScript, nil)
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("listing listening sockets failed (exit %d): %s", res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	return ParseListenersOutput(string(res.Stdout))
}

// ParseListenersOutput parses what ListenersScript printed.
func ParseListenersOutput(out string) ([]Listener, error) {
	switch {
	case strings.HasPrefix(out, "@@ss\n"):
		return ParseSS(strings.TrimPrefix(out, "@@ss\n")), nil
	case strings.HasPrefix(out, "@@proc\n"):
		return ParseProcNetTCP(strings.TrimPrefix(out, "@@proc\n")), nil
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

// processListenersScript prints, for every process whose name is $1, its socket descriptors
// as "/proc/PID/fd socket:[INODE]", then the kernel's TCP tables. Unlike `ss -p` it looks
// only at those processes' descriptors, not at every process on the host. One grep finds
// the processes by their /proc/PID/comm (measured ~10 % cheaper than a shell loop reading
// each file), and the descriptors of every matching process are read by ONE GNU find (a
// readlink per descriptor cost a process start each: with a busy ntopng that was most of a
// plan's server-side CPU, see make bench). Where find has no -printf (busybox) it falls back to
// readlink per descriptor. With no such process the tables are not read; a host without
// IPv6 has no tcp6 table, which is no error.
const processListenersScript = `name=$1
fds=
for c in $(grep -lxF -e "$name" /proc/[0-9]*/comm 2>/dev/null); do
  fds="$fds ${c%/comm}/fd"
done
echo '@@sockets'
if [ -n "$fds" ]; then
  if out=$(find $fds -mindepth 1 -maxdepth 1 -lname 'socket:*' -printf '%h %l\n' 2>/dev/null) || [ -n "$out" ]; then
    [ -z "$out" ] || printf '%s\n' "$out"
  else
    for d in $fds; do
      for fd in "$d"/*; do
        l=$(readlink "$fd" 2>/dev/null) || continue
        case $l in socket:*) echo "$d $l";; esac
      done
    done
  fi
fi
echo '@@tcp'
if [ -n "$fds" ]; then cat /proc/net/tcp /proc/net/tcp6 2>/dev/null || :; fi`

// ProcessListeners returns the listening TCP sockets of the processes named name, with one
// command that reads only those processes' descriptors.
func ProcessListeners(ctx context.Context, c *transport.Conn, name string) ([]Listener, error) {
	res, err := c.Run(ctx, []string{"sh", "-c", processListenersScript, "sh", name}, nil)
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("listing the sockets of %s failed (exit %d): %s", name, res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	return ParseProcessListeners(string(res.Stdout), name)
}

// ParseProcessListeners parses processListenersScript's output.
func ParseProcessListeners(out, name string) ([]Listener, error) {
	sockets, tables, ok := strings.Cut(strings.TrimPrefix(out, "@@sockets\n"), "@@tcp\n")
	if !ok || !strings.HasPrefix(out, "@@sockets\n") {
		return nil, fmt.Errorf("unexpected output from the socket listing: %.80q", out)
	}
	owner := map[string]int{}
	for _, line := range strings.Split(sockets, "\n") {
		// "/proc/812/fd socket:[4242]"
		dir, link, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		pid, ok := strings.CutSuffix(strings.TrimPrefix(dir, "/proc/"), "/fd")
		inode, ok2 := strings.CutPrefix(link, "socket:[")
		inode, ok3 := strings.CutSuffix(inode, "]")
		if !ok || !ok2 || !ok3 {
			continue
		}
		if p, err := strconv.Atoi(pid); err == nil {
			owner[inode] = p
		}
	}
	var ls []Listener
	if len(owner) == 0 {
		return ls, nil
	}
	// The tables hold every socket of the host (thousands on a busy one): look at a line's
	// state and inode in place and parse only the listeners of the processes asked for.
	for rest := tables; rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		if nthField(line, 3) != "0A" {
			continue
		}
		pid, mine := owner[nthField(line, 9)]
		if !mine {
			continue
		}
		for _, l := range ParseProcNetTCP(line) {
			l.Process, l.PID = name, pid
			ls = append(ls, l)
		}
	}
	sortListeners(ls)
	return ls, nil
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
