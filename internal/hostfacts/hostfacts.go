// Package hostfacts reads what the ntopng_host data source reports about a host: its name, OS,
// the versions of ntopng and Redis, some users and every listening TCP socket, in one shell
// script (facts.sh) run over the SSH connection. Read runs it; Command and Parse are the two halves, plain
// Go without the plugin framework. Nothing on the host is changed.
package hostfacts

import (
	"context"
	_ "embed"
	"regexp"
	"strconv"
	"strings"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostscript"
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

// Read runs the facts script for users on c in one exec channel and parses its output. An
// error from the run itself is returned as it is; unreadable listeners give a
// *ListenersError.
func Read(ctx context.Context, c *transport.Conn, users []string) (Facts, error) {
	res, err := c.Run(ctx, Command(users), nil)
	if err != nil {
		return Facts{}, err
	}
	return Parse(string(res.Stdout))
}

//go:embed facts.sh
var factsSh string

// script is facts.sh, then livecheck's listener script, whose sections come last.
var script = hostscript.New("facts.sh", factsSh).Then(livecheck.ListenersScript)

// Command is the command line that prints every fact about users (by name, one per line of
// the USERS argument, never in the script's text), in sections that start with an "@@"
// marker line; the listeners come last. It holds no secret.
func Command(users []string) []string {
	return script.MustCommand(hostscript.Args{"USERS": strings.Join(users, "\n")})
}

var (
	redisVersionRE  = regexp.MustCompile(`v=([0-9][0-9A-Za-z.\-]*)`)
	ntopngVersionRE = regexp.MustCompile(`v\.?\s*([0-9]+\.[0-9]+(?:\.[0-9A-Za-z\-]+)*)|([0-9]+\.[0-9]+(?:\.[0-9]+)+)`)
)

// Parse reads what Command's script printed. Everything after the "@@listeners" marker is
// the listener check's output; an output without it, or with one the listener check does
// not recognise, gives a *ListenersError.
func Parse(out string) (Facts, error) {
	f := Facts{OSRelease: map[string]string{}, Users: map[string]User{}}
	secs := hostscript.Sections(out, "listeners") // the listener check's output runs to the end
	sections := map[string][]string{}
	for _, sec := range secs {
		key := sec.Name
		if sec.Arg != "" {
			key += " " + sec.Arg
		}
		for _, l := range strings.Split(sec.Body, "\n") {
			if l != "" {
				sections[key] = append(sections[key], l)
			}
		}
	}
	if h := sections["hostname"]; len(h) > 0 {
		f.Hostname = strings.TrimSpace(h[0])
	}
	for _, l := range sections["os-release"] {
		k, v, ok := strings.Cut(l, "=")
		if ok {
			f.OSRelease[k] = strings.Trim(v, `"'`)
		}
	}
	if r := strings.Join(sections["redis"], " "); r != "" {
		if m := redisVersionRE.FindStringSubmatch(r); m != nil {
			f.RedisVersion = m[1]
		}
	}
	if n := strings.Join(sections["ntopng"], " "); n != "" {
		if m := ntopngVersionRE.FindStringSubmatch(n); m != nil {
			f.NtopngVersion = m[1] + m[2]
		} else {
			f.NtopngVersion = strings.TrimSpace(sections["ntopng"][0])
		}
	}
	for _, sec := range secs {
		if sec.Name == "user" {
			f.Users[sec.Arg] = parseUser(sections["user "+sec.Arg])
		}
	}
	listeners, _ := hostscript.Find(secs, "listeners")
	ls, err := livecheck.ParseListenersOutput(listeners.Body)
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
