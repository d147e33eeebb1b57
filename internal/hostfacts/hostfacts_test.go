package hostfacts

import (
	"errors"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostscript"
	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
)

const debianOut = `@@hostname
probe-1
@@os-release
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
ID=debian
@@ntopng
Version:	6.2.241112 [Community Edition]
GIT rev:	6.2-stable:0123456789abcdef
Pro rev:	r6.2
@@redis
Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=c4e7f6bf175a885b
@@user ntopng
ntopng:x:998:998::/var/lib/ntopng:/usr/sbin/nologin
ntopng ntop redis
@@user redis
redis:x:104:111::/var/lib/redis:/usr/sbin/nologin
redis
@@user nobody-here
@@listeners
@@ss
LISTEN 0 511 127.0.0.1:6379 0.0.0.0:* users:(("redis-server",pid=812,fd=6))
LISTEN 0 128 [::]:443 [::]:* users:(("ntopng",pid=900,fd=20))
`

func TestParse(t *testing.T) {
	for _, c := range []struct {
		name string
		out  string
		want Facts
	}{
		{"debian with ntopng and redis", debianOut, Facts{
			Hostname:      "probe-1",
			OSRelease:     map[string]string{"PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)", "NAME": "Debian GNU/Linux", "VERSION_ID": "12", "ID": "debian"},
			NtopngVersion: "6.2.241112",
			RedisVersion:  "7.0.15",
			Users: map[string]User{
				"ntopng":      {Exists: true, UID: 998, GID: 998, Groups: []string{"ntopng", "ntop", "redis"}},
				"redis":       {Exists: true, UID: 104, GID: 111, Groups: []string{"redis"}},
				"nobody-here": {},
			},
			Listeners: []livecheck.Listener{
				{Protocol: "tcp6", Address: "::", Port: 443, Process: "ntopng", PID: 900},
				{Protocol: "tcp", Address: "127.0.0.1", Port: 6379, Process: "redis-server", PID: 812},
			},
		}},
		{"nothing installed, no ss", "@@hostname\nbare\n@@os-release\n@@ntopng\n@@redis\n@@listeners\n@@proc\n", Facts{
			Hostname: "bare", OSRelease: map[string]string{}, Users: map[string]User{},
		}},
		{"ntopng prints a version in another form", "@@ntopng\nntopng v.5.6.230101 (x86_64)\n@@listeners\n@@proc\n", Facts{
			OSRelease: map[string]string{}, Users: map[string]User{}, NtopngVersion: "5.6.230101",
		}},
		{"ntopng prints no version number", "@@ntopng\n  broken install  \nmore\n@@listeners\n@@proc\n", Facts{
			OSRelease: map[string]string{}, Users: map[string]User{}, NtopngVersion: "broken install",
		}},
		{"a listener line that looks like a marker is a listener line", "@@listeners\n@@ss\n@@user x\n", Facts{
			OSRelease: map[string]string{}, Users: map[string]User{},
		}},
		{"an unparseable passwd line is a missing user", "@@user odd\nodd:x\n@@listeners\n@@proc\n", Facts{
			OSRelease: map[string]string{}, Users: map[string]User{"odd": {}},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Parse(c.out)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Parse =\n%+v\nwant\n%+v", got, c.want)
			}
		})
	}
}

func TestParseListenersError(t *testing.T) {
	for _, out := range []string{
		"",                                   // the script did not run to the end
		"@@hostname\nh\n",                    // no listeners section
		"@@hostname\nh\n@@listeners\nwhat\n", // output the listener check does not know
	} {
		_, err := Parse(out)
		var lerr *ListenersError
		if !errors.As(err, &lerr) {
			t.Errorf("Parse(%q): want a *ListenersError, got %v", out, err)
		}
	}
}

// TestScript: the user names are the USERS argument (by name, one per line, never in the
// script's text), and the listeners come last (their output runs to the end).
func TestScript(t *testing.T) {
	argv := Command([]string{"ntopng", "o'brien"})
	if n := len(argv); n != 5 || argv[4] != "USERS=ntopng\no'brien" {
		t.Errorf("arguments %q, want the users in USERS", argv[3:])
	}
	if s := argv[2]; strings.Contains(s, "brien") || !strings.HasSuffix(s, strings.TrimPrefix(livecheck.ListenersScript.Text(), hostscript.New("x", "# args:\n").Text())) {
		t.Errorf("the script holds a user name, or does not end with the listeners:\n%s", s)
	}
}

// TestScriptOnThisMachine runs the script with this machine's sh and parses what it printed:
// the two halves agree on the sections.
func TestScriptOnThisMachine(t *testing.T) {
	out, err := exec.Command("/bin/sh", Command([]string{"root", "no-such-user-hostfacts", "o'brien"})[1:]...).Output()
	if err != nil {
		t.Fatalf("sh: %v", err)
	}
	f, err := Parse(string(out))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, out)
	}
	if h, _ := os.ReadFile("/proc/sys/kernel/hostname"); f.Hostname != strings.TrimSpace(string(h)) {
		t.Errorf("Hostname = %q, want %q", f.Hostname, strings.TrimSpace(string(h)))
	}
	if r := f.Users["root"]; !r.Exists || r.UID != 0 || r.GID != 0 || len(r.Groups) == 0 || r.Groups[0] != "root" {
		t.Errorf("root = %+v", r)
	}
	if u, ok := f.Users["o'brien"]; !ok || u.Exists {
		t.Errorf("missing user o'brien = %+v, %t; want reported as not existing", u, ok)
	}
	if u, ok := f.Users["no-such-user-hostfacts"]; !ok || u.Exists {
		t.Errorf("missing user = %+v, %t; want reported as not existing", u, ok)
	}
	if _, err := os.Stat("/etc/os-release"); err == nil && f.OSRelease["ID"] == "" {
		t.Errorf("OSRelease has no ID: %v", f.OSRelease)
	}
}
