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

// Explain is the server's own reason for a failed restart: the end of unit's journal, or,
// when that says nothing, of the logfile that cfg (the file Redis failed with) names, read
// through the link-guarded reader. "" when neither says anything. secret is dropped from
// every line.
func Explain(ctx context.Context, c *transport.Conn, unit string, cfg *redisconf.Config, secret string) string {
	if unit != "" {
		res, err := c.Run(ctx, []string{"journalctl", "-u", unit, "-n", fmt.Sprint(explainLines), "--no-pager", "-o", "cat"}, nil)
		if err == nil && res.ExitCode == 0 {
			if t := Tail(string(res.Stdout), secret); t != "" {
				return fmt.Sprintf("The last lines of the journal of %s:\n%s", unit, t)
			}
		}
	}
	if cfg == nil {
		return ""
	}
	logfile := lastArg(cfg, "logfile", "")
	if !path.IsAbs(logfile) {
		return "" // "" logs to standard output (the journal, read above)
	}
	data, info, err := c.ReadFile(ctx, logfile)
	if err != nil || !info.Exists {
		return ""
	}
	if t := Tail(string(data), secret); t != "" {
		return fmt.Sprintf("The last lines of %s:\n%s", logfile, t)
	}
	return ""
}
