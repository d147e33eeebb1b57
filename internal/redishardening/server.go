package redishardening

import (
	"context"
	_ "embed"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostscript"
	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// The servers ntopng_redis manages.
const (
	ServerRedis  = "redis"
	ServerValkey = "valkey"
)

// Server is the Redis-protocol server a host runs: its name (ServerRedis, ServerValkey; ""
// when not known) and its own version ("7.0.15", "8.1.1"; "" when not known).
type Server struct {
	Name    string
	Version string
}

// String is "Redis 7.0.15", "Valkey 8.1.1", or "an unknown Redis".
func (s Server) String() string {
	name := "Redis"
	if s.Name == ServerValkey {
		name = "Valkey"
	}
	if s.Version == "" {
		return "an unknown " + name + " version"
	}
	return name + " " + s.Version
}

// Known reports whether the version is known.
func (s Server) Known() bool { return s.Version != "" }

// Caps are what a server's redis.conf parser takes and enforces.
type Caps struct {
	// OptionalBind: a "-" before a bind address makes it optional (Redis 6.2). Before it,
	// Redis reads "-::1" as a host name and does not start.
	OptionalBind bool
	// EnableDirectives: enable-debug-command, enable-module-command and
	// enable-protected-configs exist (Redis 7.0, every Valkey). An older Redis does not
	// start with them.
	EnableDirectives bool
	// IncludeGlobs: include takes a glob (Redis 7.0); before it a glob is a literal path.
	IncludeGlobs bool
	// UnixSocketGroup: unixsocketgroup exists (Valkey 8.0; no Redis).
	UnixSocketGroup bool
	// BindDisablesProtectedMode: a bind line turns protected mode off (Redis before 7.0:
	// protected mode only applies with no bind and no password).
	BindDisablesProtectedMode bool
}

// CapsOf is what server s parses. A server whose version is not known gets the
// capabilities of Redis 7.0, the provider's historic assumption.
func CapsOf(s Server) Caps {
	if s.Name == ServerValkey {
		major, _, ok := versionParts(s.Version)
		return Caps{OptionalBind: true, EnableDirectives: true, IncludeGlobs: true, UnixSocketGroup: ok && major >= 8}
	}
	if !s.Known() {
		return Caps{OptionalBind: true, EnableDirectives: true, IncludeGlobs: true}
	}
	return Caps{
		OptionalBind:              AtLeast(s.Version, 6, 2),
		EnableDirectives:          AtLeast(s.Version, 7, 0),
		IncludeGlobs:              AtLeast(s.Version, 7, 0),
		BindDisablesProtectedMode: !AtLeast(s.Version, 7, 0),
	}
}

// AtLeast reports whether version ("6.0.16", "7.0.15") is major.minor or later; false when
// version is not a version.
func AtLeast(version string, major, minor int) bool {
	ma, mi, ok := versionParts(version)
	return ok && (ma > major || (ma == major && mi >= minor))
}

func versionParts(v string) (major, minor int, ok bool) {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	return ma, mi, err1 == nil && err2 == nil
}

// DefaultBindFor is the bind the provider writes when the configuration sets none: loopback
// IPv4, and IPv6 loopback as optional where the server knows optional addresses.
func DefaultBindFor(c Caps) []string {
	if c.OptionalBind {
		return []string{"127.0.0.1", "-::1"}
	}
	return []string{"127.0.0.1"}
}

// BindDefaults are every bind DefaultBindFor may give: a state holding one of them that the
// server still takes is kept when the server is upgraded (an upgrade is not drift).
func BindDefaults() [][]string {
	return [][]string{DefaultBindFor(Caps{OptionalBind: true}), DefaultBindFor(Caps{})}
}

var versionRE = regexp.MustCompile(`\bv=([0-9]+\.[0-9]+[0-9A-Za-z.\-]*)`)

// ParseVersion reads the first line of `redis-server --version` or `valkey-server
// --version` ("Redis server v=6.0.16 sha=...", "Valkey server v=8.1.1 sha=..."). The name
// comes from the output, not the program: Debian's valkey-redis-compat links redis-server
// to Valkey.
func ParseVersion(out string) Server {
	line, _, _ := strings.Cut(strings.TrimSpace(out), "\n")
	m := versionRE.FindStringSubmatch(line)
	if m == nil {
		return Server{}
	}
	s := Server{Name: ServerRedis, Version: m[1]}
	if strings.HasPrefix(strings.ToLower(line), "valkey") {
		s.Name = ServerValkey
	}
	return s
}

// ServerOfInfo is the server that answered INFO server: Valkey reports redis_version
// 7.2.4 for its clients' sake, and server_name:valkey with valkey_version.
func ServerOfInfo(info livecheck.RedisServerInfo) Server {
	if strings.EqualFold(info.ServerName, ServerValkey) || info.ValkeyVersion != "" {
		return Server{Name: ServerValkey, Version: info.ValkeyVersion}
	}
	if info.RedisVersion == "" {
		return Server{}
	}
	return Server{Name: ServerRedis, Version: info.RedisVersion}
}

//go:embed servers.sh
var serversSh string

// serversScript prints, for each server program on the PATH, its section and the first line
// of its --version (servers.sh).
var serversScript = hostscript.New("servers.sh", serversSh)

// ParseServers reads serversScript's output: the servers installed, redis-server's first.
func ParseServers(out string) []Server {
	var found []Server
	for _, sec := range hostscript.Sections(out)[1:] {
		if s := ParseVersion(sec.Body); s.Name != "" {
			found = append(found, s)
		}
	}
	return found
}

// InstalledServers runs serversScript on the host (one exec channel).
func InstalledServers(ctx context.Context, c *transport.Conn) ([]Server, error) {
	res, err := c.Run(ctx, serversScript.MustCommand(nil), nil)
	if err != nil {
		return nil, fmt.Errorf("asking the host which Redis it runs: %w", err)
	}
	return ParseServers(string(res.Stdout)), nil
}

// Pick is the server among installed that reads configPath: Valkey's when the file is
// under /etc/valkey/, else a real Redis, else Valkey (Server{} when none is installed).
func Pick(installed []Server, configPath string) Server {
	find := func(name string) (Server, bool) {
		for _, s := range installed {
			if s.Name == name {
				return s, true
			}
		}
		return Server{}, false
	}
	if strings.HasPrefix(configPath, "/etc/valkey/") {
		if s, ok := find(ServerValkey); ok {
			return s
		}
	}
	if s, ok := find(ServerRedis); ok {
		return s
	}
	s, _ := find(ServerValkey)
	return s
}
