// Package hostfacts reads what the ntopng_host data source reports about a host: its name, OS,
// the versions of ntopng and Redis, some users and every listening TCP socket, in one shell
// script run over the SSH connection. Read runs it; Script and Parse are the two halves, plain
// Go without the plugin framework. Nothing on the host is changed.
package hostfacts

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// Facts is what the script found.
type Facts struct {
	Hostname string
	// OSRelease holds the KEY=value lines of /etc/os-release, quotes removed.
	OSRelease map[string]string
	// NtopngVersion and RedisVersion are empty when the program is not installed.
	NtopngVersion, RedisVersion string
	// Users holds every user the script was asked about, by name.
	Users     map[string]User
	Listeners []livecheck.Listener
}

// User is one user's entry in the host's user database.
type User struct {
	Exists   bool
	UID, GID int
	// Groups are the names of all the user's groups, primary first.
	Groups []string
}

// ListenersError is returned when the listening sockets could not be read from the output.
type ListenersError struct{ Err error }

func (e *ListenersError) Error() string { return e.Err.Error() }
func (e *ListenersError) Unwrap() error { return e.Err }

// Read runs Script(users) on c in one exec channel and parses its output. An error from the
// run itself is returned as it is; unreadable listeners give a *ListenersError.
func Read(ctx context.Context, c *transport.Conn, users []string) (Facts, error) {
	res, err := c.RunShell(ctx, Script(users), nil)
	if err != nil {
		return Facts{}, err
	}
	return Parse(string(res.Stdout))
}

// Script prints every fact in sections that start with an "@@" marker line; the listeners come
// last (livecheck.ListenersScript prints marker lines of its own). User names are quoted; the
// caller should still refuse odd ones. The script holds no secret.
func Script(users []string) string {
	var b strings.Builder
	b.WriteString(`echo '@@hostname'; cat /proc/sys/kernel/hostname 2>/dev/null || hostname
echo '@@os-release'; cat /etc/os-release 2>/dev/null
echo '@@ntopng'; if command -v ntopng >/dev/null 2>&1; then timeout 10 ntopng --version 2>&1 | head -n 3; fi
echo '@@redis'; if command -v redis-server >/dev/null 2>&1; then redis-server --version 2>&1 | head -n 1; elif command -v valkey-server >/dev/null 2>&1; then valkey-server --version 2>&1 | head -n 1; fi
`)
	for _, u := range users {
		q := transport.Quote(u)
		fmt.Fprintf(&b, "echo '@@user '%s; if getent passwd %s; then id -Gn %s; fi\n", q, q, q)
	}
	b.WriteString("echo '@@listeners'\n" + livecheck.ListenersScript + "\n")
	return b.String()
}

var (
	redisVersionRE  = regexp.MustCompile(`v=([0-9][0-9A-Za-z.\-]*)`)
	ntopngVersionRE = regexp.MustCompile(`v\.?\s*([0-9]+\.[0-9]+(?:\.[0-9A-Za-z\-]+)*)|([0-9]+\.[0-9]+(?:\.[0-9]+)+)`)
)

// Parse reads what Script printed. Everything after the "@@listeners" marker is the listener
// check's output; an output without it, or with one the listener check does not recognise,
// gives a *ListenersError.
func Parse(out string) (Facts, error) {
	f := Facts{OSRelease: map[string]string{}, Users: map[string]User{}}
	sections := map[string][]string{}
	var order []string
	cur := ""
	var listeners strings.Builder
	for _, line := range strings.SplitAfter(out, "\n") {
		trimmed := strings.TrimRight(line, "\n")
		if strings.HasPrefix(trimmed, "@@") && cur != "@@listeners" {
			cur = trimmed
			order = append(order, cur)
			continue
		}
		if cur == "@@listeners" {
			listeners.WriteString(line)
			continue
		}
		if trimmed != "" {
			sections[cur] = append(sections[cur], trimmed)
		}
	}
	if h := sections["@@hostname"]; len(h) > 0 {
		f.Hostname = strings.TrimSpace(h[0])
	}
	for _, l := range sections["@@os-release"] {
		k, v, ok := strings.Cut(l, "=")
		if ok {
			f.OSRelease[k] = strings.Trim(v, `"'`)
		}
	}
	if r := strings.Join(sections["@@redis"], " "); r != "" {
		if m := redisVersionRE.FindStringSubmatch(r); m != nil {
			f.RedisVersion = m[1]
		}
	}
	if n := strings.Join(sections["@@ntopng"], " "); n != "" {
		if m := ntopngVersionRE.FindStringSubmatch(n); m != nil {
			f.NtopngVersion = m[1] + m[2]
		} else {
			f.NtopngVersion = strings.TrimSpace(sections["@@ntopng"][0])
		}
	}
	for _, sec := range order {
		name, ok := strings.CutPrefix(sec, "@@user ")
		if !ok {
			continue
		}
		f.Users[name] = parseUser(sections[sec])
	}
	ls, err := livecheck.ParseListenersOutput(listeners.String())
	if err != nil {
		return Facts{}, &ListenersError{Err: err}
	}
	f.Listeners = ls
	return f, nil
}

// parseUser reads a user's section: the getent passwd line, then the `id -Gn` line. No line
// (getent found nothing) is a missing user.
func parseUser(lines []string) User {
	u := User{}
	if len(lines) > 0 {
		p := strings.Split(lines[0], ":")
		if len(p) >= 4 {
			u.Exists = true
			u.UID, _ = strconv.Atoi(p[2])
			u.GID, _ = strconv.Atoi(p[3])
		}
		if len(lines) > 1 {
			u.Groups = strings.Fields(lines[1])
		}
	}
	return u
}
