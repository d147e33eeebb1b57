package livecheck

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// RedisStatus is what a running Redis answered.
type RedisStatus struct {
	// Reachable is false when nothing accepted the connection.
	Reachable bool
	// AuthRequired is true when an unauthenticated PING was refused with NOAUTH.
	AuthRequired bool
	// AuthOK is true when AUTH with the given password answered +OK (false when no password given).
	AuthOK bool
	// PingReply and AuthReply are Redis's own words (AuthReply never holds the password).
	PingReply, AuthReply string
	// TCPPort is the server's own `tcp_port` from INFO server (0: no TCP listener), -1 when
	// it could not be asked (authentication failed or INFO renamed away).
	TCPPort int
	// Detail says why the server was not reachable.
	Detail string
	// Via says how the server was reached ("direct-streamlocal unix:/run/redis/redis-server.sock").
	Via string
	// Server is what INFO server said about the server itself (empty when not asked).
	Server RedisServerInfo
}

// RedisServerInfo is the server's own name and version from INFO server. Valkey answers
// redis_version:7.2.4 (for clients) and adds server_name:valkey and valkey_version.
type RedisServerInfo struct {
	RedisVersion, ServerName, ValkeyVersion string
}

// parseInfoLine takes one "key:value" line of INFO server; it returns the TCP port when the
// line is tcp_port (-1 otherwise).
func (s *RedisServerInfo) parseInfoLine(line string) (port int) {
	k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
	if !ok {
		return -1
	}
	switch k {
	case "redis_version":
		s.RedisVersion = v
	case "server_name":
		s.ServerName = v
	case "valkey_version":
		s.ValkeyVersion = v
	case "tcp_port":
		if p, err := strconv.Atoi(v); err == nil && p >= 0 {
			return p
		}
	}
	return -1
}

// ProbeRedis opens the Redis socket ("unix", path) or port ("tcp", "127.0.0.1:6379") through the
// SSH connection itself (nothing needs installing on the host), sends an unauthenticated PING,
// then AUTH with password when one is given. The password travels only inside the tunnel.
//
// A unix socket the SSH user may not open (mode 770 for group redis, with sudo = true) is asked
// through `sudo -n redis-cli -s PATH` instead, with the commands on stdin, never on the command line.
func ProbeRedis(ctx context.Context, c *transport.Conn, network, addr, password string) (RedisStatus, error) {
	nc, err := c.Dial(ctx, network, addr)
	if err != nil {
		if network == "unix" && c.Sudo() {
			return probeRedisCLI(ctx, c, addr, password)
		}
		return RedisStatus{Via: network + ":" + addr, Detail: err.Error()}, nil
	}
	defer nc.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	} else {
		_ = nc.SetDeadline(time.Now().Add(15 * time.Second))
	}
	st := RedisStatus{Reachable: true, Via: network + ":" + addr, TCPPort: -1}
	// PING, AUTH and INFO go in one write and their replies are read in order: one round
	// trip through the tunnel instead of three. INFO after a refused AUTH is refused too,
	// which reads as "TCP port unknown".
	var req strings.Builder
	writeCommand(&req, "PING")
	if password != "" {
		writeCommand(&req, "AUTH", password)
	}
	writeCommand(&req, "INFO", "server")
	// The tunnel honours the deadline and ctx (transport.Conn.Dial): a server that accepts
	// and never answers ends the check with an error naming the host and the step.
	fail := func(step string, err error) (RedisStatus, error) {
		return st, fmt.Errorf("live check of Redis at %s on %s: %s: %w", addr, c.Addr(), step, err)
	}
	if _, err := io.WriteString(nc, req.String()); err != nil {
		return fail("sending PING", err)
	}
	r := bufio.NewReader(nc)
	st.PingReply, err = readLine(r)
	if err != nil {
		return fail("waiting for the reply to PING", err)
	}
	st.AuthRequired = strings.HasPrefix(st.PingReply, "-NOAUTH")
	if password != "" {
		st.AuthReply, err = readLine(r)
		if err != nil {
			return fail("waiting for the reply to AUTH", err)
		}
		st.AuthOK = st.AuthReply == "+OK"
	}
	if port, info := readInfo(r); !st.AuthRequired || st.AuthOK {
		st.TCPPort, st.Server = port, info
	}
	return st, nil
}

// readInfo reads the reply to INFO server and returns its tcp_port (-1 when the reply is
// not usable: an error reply, a renamed INFO) and the server's name and version.
func readInfo(r *bufio.Reader) (int, RedisServerInfo) {
	var info RedisServerInfo
	head, err := readLine(r)
	if err != nil || !strings.HasPrefix(head, "$") {
		return -1, info
	}
	n, err := strconv.Atoi(head[1:])
	if err != nil || n < 0 || n > 1<<20 {
		return -1, info
	}
	body := make([]byte, n+2)
	if _, err := io.ReadFull(r, body); err != nil {
		return -1, info
	}
	port := -1
	for _, line := range strings.Split(string(body), "\r\n") {
		if p := info.parseInfoLine(line); p >= 0 {
			port = p
		}
	}
	return port, info
}

// writeCommand appends one command as a RESP array.
func writeCommand(b *strings.Builder, args ...string) {
	fmt.Fprintf(b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(b, "$%d\r\n%s\r\n", len(a), a)
	}
}

// readLine reads one reply line without its CRLF.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// probeRedisCLI asks through redis-cli run with sudo; replies come back one per line.
func probeRedisCLI(ctx context.Context, c *transport.Conn, socket, password string) (RedisStatus, error) {
	st := RedisStatus{Via: "sudo redis-cli -s " + socket, TCPPort: -1}
	in := "PING\n"
	if password != "" {
		in += "AUTH " + password + "\n"
	}
	in += "INFO server\n"
	res, err := runCLI(ctx, c, []string{"-s", socket}, []byte(in))
	if err != nil {
		return st, err
	}
	// redis-cli prints an empty line after an error reply when its output is not a terminal.
	var out []string
	for _, line := range strings.Split(string(res.Stdout), "\n") {
		if strings.TrimSpace(line) != "" {
			out = append(out, line)
		}
	}
	errText := strings.TrimSpace(string(res.Stderr))
	if res.ExitCode != 0 || len(out) == 0 {
		all := errText + " " + strings.Join(out, " ")
		if strings.Contains(all, "No such file") || strings.Contains(all, "Connection refused") {
			st.Detail = strings.TrimSpace(all)
			return st, nil
		}
		return st, fmt.Errorf("redis-cli -s %s failed (exit %d): %s (the host needs redis-cli or valkey-cli, or an SSH user that may open the socket)", socket, res.ExitCode, errText)
	}
	st.Reachable = true
	st.PingReply = cliReply(out[0])
	st.AuthRequired = strings.HasPrefix(st.PingReply, "-NOAUTH")
	if password != "" && len(out) > 1 {
		st.AuthReply = cliReply(out[1])
		st.AuthOK = st.AuthReply == "+OK"
	}
	if !st.AuthRequired || st.AuthOK {
		for _, line := range out {
			if p := st.Server.parseInfoLine(line); p >= 0 {
				st.TCPPort = p
			}
		}
	}
	return st, nil
}

// cliReply turns redis-cli's raw output back into RESP's first line form.
func cliReply(s string) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "OK" || s == "PONG":
		return "+" + s
	case strings.HasPrefix(s, "(error) "):
		return "-" + strings.TrimPrefix(s, "(error) ")
	case strings.HasPrefix(s, "NOAUTH") || strings.HasPrefix(s, "WRONGPASS") || strings.HasPrefix(s, "ERR"):
		return "-" + s
	}
	return s
}
