package redishardening

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/hardenops/terraform-provider-ntopng/internal/redisconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// Bounds of what a failed restart's explanation quotes.
const (
	explainLines   = 15
	explainLineLen = 300
)

var unitRE = regexp.MustCompile(`^[A-Za-z0-9:_.@-]+$`)

// UnitOf is the systemd unit a restart command restarts ("systemctl restart
// redis-server" -> "redis-server"), else fallback.
func UnitOf(restart, fallback string) string {
	f := strings.Fields(restart)
	if len(f) == 3 && path.Base(f[0]) == "systemctl" && strings.HasSuffix(f[1], "restart") && unitRE.MatchString(f[2]) {
		return f[2]
	}
	return fallback
}

// Tail is the last explainLines non-empty lines of text, each cut at explainLineLen bytes,
// without any line that holds secret (Redis does not log the password; a line that does
// anyway is dropped) or is journalctl's "-- No entries --" kind of remark.
func Tail(text, secret string) string {
	var keep []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimRight(l, "\r")
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "-- ") || (secret != "" && strings.Contains(l, secret)) {
			continue
		}
		if len(l) > explainLineLen {
			l = l[:explainLineLen] + "..."
		}
		keep = append(keep, strings.Map(func(r rune) rune {
			if r < 0x20 && r != '\t' {
				return '?'
			}
			return r
		}, l))
	}
	if len(keep) > explainLines {
		keep = keep[len(keep)-explainLines:]
	}
	return strings.Join(keep, "\n")
}

// Explain is the server's own reason for a failed restart: the end of the logfile that cfg
// (the file Redis failed with) names, where Redis writes its reasons (Debian's packages set
// one), or, when there is none, of the unit's journal (Redis logs to standard output then).
// "" when neither says anything. secret is dropped from every line.
//
// The logfile is read only when logOwner (the account that owns redis.conf, never root) owns
// it: that account can write redis.conf, and so could name any file there, /etc/shadow for one,
// for root to quote in an error. A file it owns holds nothing it could not read anyway.
func Explain(ctx context.Context, c *transport.Conn, unit string, cfg *redisconf.Config, secret string, logOwner int) string {
	if cfg != nil && logOwner > 0 {
		if logfile := lastArg(cfg, "logfile", ""); path.IsAbs(logfile) {
			data, info, err := c.ReadFile(ctx, logfile)
			if err == nil && info.Exists && info.UID == logOwner {
				if t := Tail(string(data), secret); t != "" {
					return fmt.Sprintf("The last lines of %s:\n%s", logfile, t)
				}
			}
		}
	}
	if unit != "" {
		res, err := c.Run(ctx, []string{"journalctl", "-u", unit, "-n", fmt.Sprint(explainLines), "--no-pager", "-o", "cat"}, nil)
		if err == nil && res.ExitCode == 0 {
			if t := Tail(string(res.Stdout), secret); t != "" {
				return fmt.Sprintf("The last lines of the journal of %s:\n%s", unit, t)
			}
		}
	}
	return ""
}
