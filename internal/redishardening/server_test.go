package redishardening

import (
	"slices"
	"strings"
	"testing"

	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
)

func TestCapsOf(t *testing.T) {
	cases := []struct {
		s    Server
		want Caps
	}{
		// Debian 11, Ubuntu 22.04.
		{Server{ServerRedis, "6.0.16"}, Caps{BindDisablesProtectedMode: true}},
		{Server{ServerRedis, "6.2.6"}, Caps{OptionalBind: true, BindDisablesProtectedMode: true}},
		// Debian 12, Ubuntu 24.04.
		{Server{ServerRedis, "7.0.15"}, Caps{OptionalBind: true, EnableDirectives: true, IncludeGlobs: true}},
		// Debian 13.
		{Server{ServerRedis, "8.0.2"}, Caps{OptionalBind: true, EnableDirectives: true, IncludeGlobs: true}},
		{Server{ServerRedis, "10.1.0"}, Caps{OptionalBind: true, EnableDirectives: true, IncludeGlobs: true}},
		{Server{ServerValkey, "8.1.1"}, Caps{OptionalBind: true, EnableDirectives: true, IncludeGlobs: true, UnixSocketGroup: true}},
		{Server{ServerValkey, "7.2.5"}, Caps{OptionalBind: true, EnableDirectives: true, IncludeGlobs: true}},
		// Not known: the historic assumption (Redis 7).
		{Server{}, Caps{OptionalBind: true, EnableDirectives: true, IncludeGlobs: true}},
		{Server{ServerRedis, "garbage"}, Caps{BindDisablesProtectedMode: true}},
	}
	for _, c := range cases {
		if got := CapsOf(c.s); got != c.want {
			t.Errorf("CapsOf(%+v) = %+v, want %+v", c.s, got, c.want)
		}
	}
}

func TestDefaultBindFor(t *testing.T) {
	for _, c := range []struct {
		version string
		want    []string
	}{
		{"6.0.16", []string{"127.0.0.1"}},
		{"6.2.0", []string{"127.0.0.1", "-::1"}},
		{"7.0.15", []string{"127.0.0.1", "-::1"}},
	} {
		if got := DefaultBindFor(CapsOf(Server{ServerRedis, c.version})); !slices.Equal(got, c.want) {
			t.Errorf("DefaultBindFor(Redis %s) = %q, want %q", c.version, got, c.want)
		}
	}
}

func TestParseVersionAndServers(t *testing.T) {
	cases := []struct {
		out  string
		want Server
	}{
		{"Redis server v=6.0.16 sha=00000000:0 malloc=jemalloc-5.2.1 bits=64 build=a3fdef44459b3ad6\n", Server{ServerRedis, "6.0.16"}},
		{"Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d7c971a948f0\n", Server{ServerRedis, "7.0.15"}},
		{"Redis server v=8.0.2 sha=00000000:1 malloc=jemalloc-5.3.0 bits=64 build=1c4a0d9e4a3bd0d1", Server{ServerRedis, "8.0.2"}},
		{"Valkey server v=8.1.1 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=5f4d7c5e3e4c9a1b", Server{ServerValkey, "8.1.1"}},
		{"sh: 1: redis-server: not found", Server{}},
		{"", Server{}},
	}
	for _, c := range cases {
		if got := ParseVersion(c.out); got != c.want {
			t.Errorf("ParseVersion(%q) = %+v, want %+v", c.out, got, c.want)
		}
	}
	// Debian 13 with Valkey and valkey-redis-compat: redis-server is Valkey.
	out := "@@redis-server\nValkey server v=8.1.1 sha=0\n@@valkey-server\nValkey server v=8.1.1 sha=0\n"
	got := ParseServers(out)
	if want := []Server{{ServerValkey, "8.1.1"}, {ServerValkey, "8.1.1"}}; !slices.Equal(got, want) {
		t.Fatalf("ParseServers = %+v, want %+v", got, want)
	}
	if p := Pick(got, ""); p != (Server{ServerValkey, "8.1.1"}) {
		t.Errorf("Pick(valkey only) = %+v", p)
	}
	both := ParseServers("@@redis-server\nRedis server v=8.0.2 sha=0\n@@valkey-server\nValkey server v=8.1.1 sha=0\n")
	for _, c := range []struct {
		path string
		want Server
	}{
		{"", Server{ServerRedis, "8.0.2"}},
		{"/etc/redis/redis.conf", Server{ServerRedis, "8.0.2"}},
		{"/etc/valkey/valkey.conf", Server{ServerValkey, "8.1.1"}},
	} {
		if p := Pick(both, c.path); p != c.want {
			t.Errorf("Pick(both, %q) = %+v, want %+v", c.path, p, c.want)
		}
	}
	if p := Pick(nil, ""); p.Known() {
		t.Errorf("Pick(nothing installed) = %+v, want unknown", p)
	}
}

func TestServerOfInfo(t *testing.T) {
	cases := []struct {
		info livecheck.RedisServerInfo
		want Server
	}{
		{livecheck.RedisServerInfo{RedisVersion: "7.0.15"}, Server{ServerRedis, "7.0.15"}},
		{livecheck.RedisServerInfo{RedisVersion: "7.2.4", ServerName: "valkey", ValkeyVersion: "8.1.1"}, Server{ServerValkey, "8.1.1"}},
		{livecheck.RedisServerInfo{}, Server{}},
	}
	for _, c := range cases {
		if got := ServerOfInfo(c.info); got != c.want {
			t.Errorf("ServerOfInfo(%+v) = %+v, want %+v", c.info, got, c.want)
		}
	}
}

func TestValidateForServer(t *testing.T) {
	bind := func(a ...string) []*string {
		var out []*string
		for _, s := range a {
			out = append(out, &s)
		}
		return out
	}
	yes, no := "yes", "no"
	cases := []struct {
		name string
		in   Input
		s    Server
		want []string // "field: detail fragment"
	}{
		{"optional ::1 on 6.0", Input{Bind: bind("127.0.0.1", "-::1")}, Server{ServerRedis, "6.0.16"},
			[]string{`bind[1]: "-::1": the "-" prefix (an optional address) exists from Redis 6.2; this host runs Redis 6.0.16`}},
		{"plain ::1 on 6.0", Input{Bind: bind("127.0.0.1", "::1")}, Server{ServerRedis, "6.0.16"}, nil},
		{"optional ::1 on 6.2", Input{Bind: bind("-::1")}, Server{ServerRedis, "6.2.6"}, nil},
		{"version unknown", Input{Bind: bind("-::1")}, Server{}, nil},
		{"enable yes on 6.0", Input{Enable: map[string]*string{EnableDebugCommand: &yes, EnableModuleCommand: &no}}, Server{ServerRedis, "6.0.16"},
			[]string{`enable_debug_command: enable_debug_command = "yes": the enable-debug-command directive exists from Redis 7.0; this host runs Redis 6.0.16`}},
		{"enable yes on 7.0", Input{Enable: map[string]*string{EnableDebugCommand: &yes}}, Server{ServerRedis, "7.0.15"}, nil},
		{"enable yes on Valkey", Input{Enable: map[string]*string{EnableDebugCommand: &yes}}, Server{ServerValkey, "8.1.1"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ValidateForServer(c.in, c.s)
			if len(got) != len(c.want) {
				t.Fatalf("got %d problems %+v, want %d", len(got), got, len(c.want))
			}
			for i, p := range got {
				at := string(p.Field)
				if p.Field == FieldBind {
					at += "[" + string(rune('0'+p.Index)) + "]"
				}
				field, frag, _ := strings.Cut(c.want[i], ": ")
				if at != field || !strings.Contains(p.Detail, frag) {
					t.Errorf("problem %d = %s: %s, want %s containing %q", i, at, p.Detail, field, frag)
				}
			}
		})
	}
}

func TestSettingsFollowTheServer(t *testing.T) {
	orig := []byte("port 6379\nenable-debug-command yes\n")
	d := Desired{Port: 0, Bind: []string{"127.0.0.1"}, Unixsocketperm: "770", ProtectedMode: true}
	d.Caps = CapsOf(Server{ServerRedis, "7.0.15"})
	got := string(d.Edit(orig, "pw"))
	for _, want := range []string{"enable-debug-command no\n", "enable-module-command no\n", "enable-protected-configs no\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("Redis 7 file lacks %q:\n%s", want, got)
		}
	}
	d.Caps = CapsOf(Server{ServerRedis, "6.0.16"})
	got = string(d.Edit(orig, "pw"))
	if strings.Contains(got, "enable-") {
		t.Errorf("Redis 6.0 file has an enable-* directive (Redis 6.0 would not start):\n%s", got)
	}
	// An upgrade from 6.0 to 7: the file without the lines reads as "no", the hardened value.
	cfg, _, err := loadFiles(t, map[string]string{"redis.conf": got})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range EnableDirectiveNames {
		if v := EffectiveOf(cfg).Enable[name]; v != EnableNo {
			t.Errorf("a file without %s reads as %q, want %q", name, v, EnableNo)
		}
	}
}

func TestExplainTailAndUnit(t *testing.T) {
	var log strings.Builder
	for i := range 30 {
		log.WriteString("line " + string(rune('a'+i%26)) + "\n")
	}
	log.WriteString("Could not create server TCP listening socket -::1:6379: Name or service not known\n")
	log.WriteString("AUTH s3cret-password failed\n\n")
	got := Tail(log.String(), "s3cret-password")
	lines := strings.Split(got, "\n")
	if len(lines) != explainLines || lines[len(lines)-1] != "Could not create server TCP listening socket -::1:6379: Name or service not known" {
		t.Errorf("Tail kept %d lines, last %q", len(lines), lines[len(lines)-1])
	}
	if strings.Contains(got, "s3cret") {
		t.Errorf("Tail kept the secret:\n%s", got)
	}
	if got := Tail("-- No entries --\n", ""); got != "" {
		t.Errorf("Tail of an empty journal = %q", got)
	}
	if got := Tail(strings.Repeat("x", 1000)+"\x1b[31m", ""); len(got) != explainLineLen+3 || strings.Contains(got, "\x1b") {
		t.Errorf("Tail did not bound a long line: %d bytes", len(got))
	}
	for _, c := range []struct{ restart, want string }{
		{"systemctl restart redis-server", "redis-server"},
		{"/usr/bin/systemctl try-restart valkey-server.service", "valkey-server.service"},
		{"/opt/restart.sh", "fallback"},
		{"systemctl restart 'a;b'", "fallback"},
	} {
		if got := UnitOf(c.restart, "fallback"); got != c.want {
			t.Errorf("UnitOf(%q) = %q, want %q", c.restart, got, c.want)
		}
	}
}
