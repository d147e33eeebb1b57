package livecheck

import (
	"bufio"
	"context"
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostscript"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// RedisTarget is one Redis database as a client (ntopng) reaches it.
type RedisTarget struct {
	// Network is "unix" (Addr is the socket path) or "tcp" (Addr is host:port).
	Network, Addr string
	// Password is sent with AUTH inside the tunnel ("" sends none). Never logged.
	Password string
	DB       int
}

// RedisReply is one reply: an error, nil, a string (simple, bulk or integer as text).
type RedisReply struct {
	Err string // without the leading "-"
	Nil bool
	Str string
}

// RedisDo runs commands against t through the SSH connection in one write (one round trip):
// AUTH and SELECT first when needed, then cmds, and returns one reply per command. Only
// commands with a single-line or bulk reply (GET, SET, DEL, EXISTS...) are supported.
//
// A Unix socket the SSH user may not open is reached, with sudo = true, through
// `sudo -n redis-cli -s PATH`, the commands (and the password) on its stdin, never on the
// command line. A refused AUTH or SELECT is an error that names the reply, not the password.
func RedisDo(ctx context.Context, c *transport.Conn, t RedisTarget, cmds ...[]string) ([]RedisReply, error) {
	nc, err := c.Dial(ctx, t.Network, t.Addr)
	if err != nil {
		if t.Network == "unix" && c.Sudo() {
			return redisDoCLI(ctx, c, t, cmds)
		}
		return nil, fmt.Errorf("cannot reach Redis at %s:%s: %w", t.Network, t.Addr, err)
	}
	defer nc.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	} else {
		_ = nc.SetDeadline(time.Now().Add(15 * time.Second))
	}
	pre := t.prelude()
	var req strings.Builder
	for _, cmd := range append(pre, cmds...) {
		writeCommand(&req, cmd...)
	}
	if _, err := io.WriteString(nc, req.String()); err != nil {
		return nil, fmt.Errorf("talking to Redis at %s: %w", t.Addr, err)
	}
	r := bufio.NewReader(nc)
	replies := make([]RedisReply, 0, len(pre)+len(cmds))
	for range len(pre) + len(cmds) {
		rep, err := readReply(r)
		if err != nil {
			return nil, fmt.Errorf("talking to Redis at %s: %w", t.Addr, err)
		}
		replies = append(replies, rep)
	}
	return t.checkPrelude(replies, len(pre))
}

// prelude is AUTH and SELECT as needed.
func (t RedisTarget) prelude() [][]string {
	var pre [][]string
	if t.Password != "" {
		pre = append(pre, []string{"AUTH", t.Password})
	}
	if t.DB != 0 {
		pre = append(pre, []string{"SELECT", strconv.Itoa(t.DB)})
	}
	return pre
}

func (t RedisTarget) checkPrelude(replies []RedisReply, n int) ([]RedisReply, error) {
	for i, rep := range replies[:n] {
		if rep.Err != "" {
			what := "AUTH with ntopng's Redis password"
			if i == n-1 && t.DB != 0 {
				what = "SELECT " + strconv.Itoa(t.DB)
			}
			return nil, fmt.Errorf("Redis at %s refused %s: %s", t.Addr, what, rep.Err)
		}
	}
	for _, rep := range replies[n:] {
		if strings.HasPrefix(rep.Err, "NOAUTH") {
			return nil, fmt.Errorf("Redis at %s requires a password and ntopng's configuration gives none: %s", t.Addr, rep.Err)
		}
	}
	return replies[n:], nil
}

// readReply reads one RESP reply of the kinds RedisDo supports.
func readReply(r *bufio.Reader) (RedisReply, error) {
	line, err := readLine(r)
	if err != nil {
		return RedisReply{}, err
	}
	if line == "" {
		return RedisReply{}, fmt.Errorf("empty reply line")
	}
	switch line[0] {
	case '+', ':':
		return RedisReply{Str: line[1:]}, nil
	case '-':
		return RedisReply{Err: line[1:]}, nil
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n > 1<<20 {
			return RedisReply{}, fmt.Errorf("bad bulk length %q", line)
		}
		if n < 0 {
			return RedisReply{Nil: true}, nil
		}
		body := make([]byte, n+2)
		if _, err := io.ReadFull(r, body); err != nil {
			return RedisReply{}, err
		}
		return RedisReply{Str: string(body[:n])}, nil
	}
	return RedisReply{}, fmt.Errorf("unsupported reply %q", line)
}

// redisDoCLI is RedisDo through `sudo -n redis-cli --no-raw -s PATH`: every argument
// double-quoted with \xHH escapes on stdin (redis-cli splits lines as Redis does), one
// formatted reply per line back.
func redisDoCLI(ctx context.Context, c *transport.Conn, t RedisTarget, cmds [][]string) ([]RedisReply, error) {
	pre := t.prelude()
	var in strings.Builder
	for _, cmd := range append(pre, cmds...) {
		for i, a := range cmd {
			if i > 0 {
				in.WriteByte(' ')
			}
			in.WriteString(cliQuote(a))
		}
		in.WriteByte('\n')
	}
	res, err := runCLI(ctx, c, []string{"--no-raw", "-s", t.Addr}, []byte(in.String()))
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimRight(string(res.Stdout), "\n"), "\n")
	if res.ExitCode != 0 || len(lines) != len(pre)+len(cmds) {
		return nil, fmt.Errorf("redis-cli -s %s failed (exit %d, %d replies for %d commands): %s (the host needs redis-cli or valkey-cli, or an SSH user that may open the socket)",
			t.Addr, res.ExitCode, len(lines), len(pre)+len(cmds), strings.TrimSpace(string(res.Stderr)))
	}
	replies := make([]RedisReply, len(lines))
	for i, l := range lines {
		replies[i] = cliFormatted(l)
	}
	return t.checkPrelude(replies, len(pre))
}

// cliQuote quotes one argument for redis-cli's line splitting (sdssplitargs): printable
// ASCII other than quotes and backslash as is, everything else as \xHH.
func cliQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\' && ch != '\'' {
			b.WriteByte(ch)
		} else {
			fmt.Fprintf(&b, "\\x%02x", ch)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// cliFormatted reads one line of redis-cli --no-raw output: OK, "string" (Redis's escapes,
// which Go's unquoting reads), (nil), (integer) N, (error) TEXT.
func cliFormatted(l string) RedisReply {
	l = strings.TrimSpace(l)
	switch {
	case l == "(nil)":
		return RedisReply{Nil: true}
	case strings.HasPrefix(l, "(error) "):
		return RedisReply{Err: strings.TrimPrefix(l, "(error) ")}
	case strings.HasPrefix(l, "(integer) "):
		return RedisReply{Str: strings.TrimPrefix(l, "(integer) ")}
	case strings.HasPrefix(l, `"`):
		if s, err := strconv.Unquote(l); err == nil {
			return RedisReply{Str: s}
		}
		return RedisReply{Str: strings.Trim(l, `"`)}
	}
	return RedisReply{Str: l}
}

//go:embed rediscli.sh
var redisCLISh string

// cliScript runs redis-cli, or valkey-cli where there is no redis-cli (rediscli.sh), with
// the arguments given after its named ones, and keeps no history.
var cliScript = hostscript.New("rediscli.sh", redisCLISh)

// runCLI runs the host's Redis command-line client with args (never a secret: those go on
// stdin).
func runCLI(ctx context.Context, c *transport.Conn, args []string, stdin []byte) (transport.Result, error) {
	return c.Run(ctx, cliScript.MustCommand(nil, args...), stdin)
}
