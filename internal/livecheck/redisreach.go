package livecheck

// Whether ntopng's Redis lets ntopng in: asked through an SSH tunnel, or, as its fallback,
// with redis-cli on the host (redisreach.sh, in the unit check).

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// RedisReach is whether a client configured as ntopng is reaches its Redis.
type RedisReach struct {
	// Checked is false when the host has no redis-cli to ask with (Detail says so).
	Checked bool
	// OK is true when PING answered PONG after AUTH and SELECT.
	OK bool
	// Detail is Redis's or redis-cli's own words when not OK, with the password masked.
	Detail string
}

// NotChecked starts the Detail of a RedisReach that could not be asked (Checked false).
const NotChecked = "not checked: "

// maxReachDetail bounds Redis's words in RedisReach.Detail (they end up in the state).
const maxReachDetail = 200

// reachThroughTunnel asks t, as a client configured as ntopng is, through an SSH tunnel
// (direct-tcpip or direct-streamlocal: the host connects, as redis-cli on the host does): AUTH
// and SELECT as needed, then PING, in one write. ok is false when the tunnel gave no complete
// answer: it could not be opened (sshd forwards nothing, the socket is not the login's to
// open, nothing listens there: sshd's words for that are poorer than redis-cli's), or the
// answer was cut short or is not Redis's. Each reply is read as redis-cli shows it, so the
// reach is the one ParseRedisReach would have made of redis-cli's words.
func reachThroughTunnel(ctx context.Context, c *transport.Conn, t RedisTarget) (_ RedisReach, ok bool) {
	nc, err := c.Dial(ctx, t.Network, t.Addr)
	if err != nil {
		return RedisReach{}, false
	}
	defer nc.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	} else {
		_ = nc.SetDeadline(time.Now().Add(15 * time.Second))
	}
	var req strings.Builder
	cmds := append(t.prelude(), []string{"PING"})
	for _, cmd := range cmds {
		writeCommand(&req, cmd...)
	}
	if _, err := io.WriteString(nc, req.String()); err != nil {
		return RedisReach{}, false
	}
	r := bufio.NewReader(io.LimitReader(nc, maxReachAnswer))
	why, last := "", RedisReply{}
	for range cmds {
		if last, err = readReply(r); err != nil {
			return RedisReach{}, false
		}
		if last.Err != "" && why == "" {
			why = last.Err
		}
	}
	if last.Err == "" && !last.Nil && last.Str == "PONG" {
		// As ParseRedisReach: PING's answer decides, whatever AUTH and SELECT answered.
		return RedisReach{Checked: true, OK: true}, true
	}
	if why == "" {
		return RedisReach{}, false // no error and no PONG: not Redis, let redis-cli say what it is
	}
	return reachFailed(why, t), true
}

// maxReachAnswer bounds what the tunnel reads of a Redis's answers (the unit check's cut
// redis-cli's at 4 KiB): the file may name a server another account runs.
const maxReachAnswer = 4096

// reachFailed is the RedisReach of a Redis that said why (or of redis-cli saying why not):
// the password masked, Redis's words cut at maxReachDetail, the target named.
func reachFailed(why string, t RedisTarget) RedisReach {
	where := t.Network + ":" + t.Addr
	if t.Password != "" {
		why = strings.ReplaceAll(why, t.Password, "********")
	}
	if len(why) > maxReachDetail {
		why = strings.ToValidUTF8(why[:maxReachDetail], "") + "..."
	}
	return RedisReach{Checked: true, Detail: why + " (" + where + ")"}
}

// ParseRedisReach reads the Redis section of the unit check: one redis-cli line per command
// of t's prelude and the PING, or the lines redis-cli printed when it could not connect.
func ParseRedisReach(out string, t RedisTarget) RedisReach {
	where := t.Network + ":" + t.Addr
	out = strings.TrimSpace(out)
	if out == "@@nocli" {
		return RedisReach{Detail: NotChecked + "the host has no redis-cli to ask Redis at " + where + " with"}
	}
	lines := strings.Split(out, "\n")
	r := RedisReach{Checked: true}
	if cliFormatted(lines[len(lines)-1]).Str == "PONG" && len(lines) == len(t.prelude())+1 {
		r.OK = true
		return r
	}
	why := ""
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if rep := cliFormatted(l); rep.Err != "" {
			why = rep.Err
			break
		}
		if strings.HasPrefix(l, "Could not connect") {
			why = l
			break
		}
	}
	if why == "" {
		why = fmt.Sprintf("unexpected answer %.120q", out)
	}
	return reachFailed(why, t)
}
