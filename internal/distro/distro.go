// Package distro picks the defaults that differ between Linux distributions (where Redis keeps
// its configuration, what its systemd unit is called, where its socket goes) from a host's
// /etc/os-release, and between Redis and Valkey (Debian 13). It is pure: the caller reads the
// files and says which server is installed.
package distro

import "strings"

// Family is a group of distributions that package Redis the same way.
type Family string

const (
	// Debian is Debian, Ubuntu and their derivatives (ID or ID_LIKE "debian" or "ubuntu"), and
	// the fallback for any other or unknown host: the provider's historic defaults.
	Debian Family = "debian"
	// RHEL is Red Hat Enterprise Linux, CentOS Stream, Rocky, AlmaLinux, Oracle Linux and Fedora
	// (ID or ID_LIKE "rhel", "centos" or "fedora").
	RHEL Family = "rhel"
)

// OSRelease parses os-release content (KEY=value lines, values optionally quoted).
func OSRelease(content []byte) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(string(content), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		m[k] = v
	}
	return m
}

// FamilyOf returns the family of the host whose /etc/os-release is content (Debian when
// content is empty or names neither family).
func FamilyOf(content []byte) Family {
	osr := OSRelease(content)
	ids := append([]string{strings.ToLower(osr["ID"])}, strings.Fields(strings.ToLower(osr["ID_LIKE"]))...)
	for _, id := range ids {
		switch id {
		case "debian", "ubuntu":
			return Debian
		case "rhel", "centos", "fedora":
			return RHEL
		}
	}
	return Debian
}

// Redis is where a family's Redis package keeps things.
type Redis struct {
	// ConfigPath is redis.conf.
	ConfigPath string
	// RestartCommand restarts the server (its systemd unit).
	RestartCommand string
	// Socket is the Unix socket to configure, in the folder the unit creates for Redis.
	Socket string
	// User is the account the server runs as: the owner and group of a new config file,
	// and the group a client joins to reach a socket of mode 770.
	User string
	// Unit is the systemd unit of the server.
	Unit string
}

// Server names, as internal/redishardening reports them.
const (
	ServerRedis  = "redis"
	ServerValkey = "valkey"
)

// Valkey is where Debian 13's valkey-server package keeps things (its socket line is
// commented out in the shipped valkey.conf; the unit creates /run/valkey).
var Valkey = Redis{ConfigPath: "/etc/valkey/valkey.conf", RestartCommand: "systemctl restart valkey-server",
	Socket: "/run/valkey/valkey-server.sock", User: "valkey", Unit: "valkey-server"}

// ServerDefaults are the defaults of the server a host runs: Valkey's when server is
// ServerValkey (a host with valkey-server and no redis-server), else RedisDefaults.
func ServerDefaults(family Family, server string, exists func(path string) bool) Redis {
	if server == ServerValkey {
		return Valkey
	}
	return RedisDefaults(family, exists)
}

// RHEL's Redis packages moved redis.conf into /etc/redis/ with Redis 6.2 (RHEL 9, Fedora);
// RHEL 8's Redis 5 and 6.0 packages keep /etc/redis.conf.
const (
	rhelConfigPath    = "/etc/redis/redis.conf"
	rhelOldConfigPath = "/etc/redis.conf"
)

// ConfigCandidates are the files RedisDefaults may ask about, for a caller that reads them
// together with os-release.
var ConfigCandidates = []string{rhelConfigPath, rhelOldConfigPath}

// RedisDefaults returns the Redis defaults of family. exists reports whether a file exists on
// the host: on the RHEL family it picks /etc/redis/redis.conf when that exists, else
// /etc/redis.conf when that exists, else /etc/redis/redis.conf.
func RedisDefaults(family Family, exists func(path string) bool) Redis {
	if family != RHEL {
		return Redis{ConfigPath: "/etc/redis/redis.conf", RestartCommand: "systemctl restart redis-server",
			Socket: "/run/redis/redis-server.sock", User: "redis", Unit: "redis-server"}
	}
	r := Redis{ConfigPath: rhelConfigPath, RestartCommand: "systemctl restart redis", Socket: "/run/redis/redis.sock",
		User: "redis", Unit: "redis"}
	if !exists(rhelConfigPath) && exists(rhelOldConfigPath) {
		r.ConfigPath = rhelOldConfigPath
	}
	return r
}
