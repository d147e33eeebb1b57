package distro

import "testing"

// The os-release files of the distributions in the README's table, trimmed to what matters.
var releases = map[string]string{
	"debian 12":    "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
	"ubuntu 24.04": "NAME=\"Ubuntu\"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"24.04\"\n",
	"rhel 9":       "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"9.4\"\n",
	"rocky 8":      "NAME=\"Rocky Linux\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"8.10\"\n",
	"almalinux 9":  "ID=\"almalinux\"\nID_LIKE=\"rhel centos fedora\"\n",
	"centos 9":     "ID=\"centos\"\nID_LIKE=\"rhel fedora\"\n",
	"fedora 40":    "ID=fedora\nVERSION_ID=40\n",
	"oracle 9":     "ID=\"ol\"\nID_LIKE=\"fedora\"\n",
	"arch":         "ID=arch\n",
	"empty":        "",
}

func TestRedisDefaults(t *testing.T) {
	debian := Redis{"/etc/redis/redis.conf", "systemctl restart redis-server", "/run/redis/redis-server.sock", "redis", "redis-server"}
	rhelNew := Redis{"/etc/redis/redis.conf", "systemctl restart redis", "/run/redis/redis.sock", "redis", "redis"}
	rhelOld := Redis{"/etc/redis.conf", "systemctl restart redis", "/run/redis/redis.sock", "redis", "redis"}
	cases := []struct {
		release string
		files   []string // files that exist on the host
		want    Redis
	}{
		{"debian 12", []string{"/etc/redis/redis.conf"}, debian},
		{"ubuntu 24.04", nil, debian},
		{"rhel 9", []string{"/etc/redis/redis.conf"}, rhelNew},
		{"rhel 9", []string{"/etc/redis/redis.conf", "/etc/redis.conf"}, rhelNew},
		{"rocky 8", []string{"/etc/redis.conf"}, rhelOld},
		{"rocky 8", nil, rhelNew}, // Redis not installed yet: the current packages' place
		{"almalinux 9", []string{"/etc/redis/redis.conf"}, rhelNew},
		{"centos 9", []string{"/etc/redis.conf"}, rhelOld},
		{"fedora 40", []string{"/etc/redis/redis.conf"}, rhelNew},
		{"oracle 9", []string{"/etc/redis/redis.conf"}, rhelNew},
		{"arch", []string{"/etc/redis/redis.conf"}, debian},
		{"empty", nil, debian},
	}
	for _, c := range cases {
		exists := func(p string) bool {
			for _, f := range c.files {
				if f == p {
					return true
				}
			}
			return false
		}
		if got := RedisDefaults(FamilyOf([]byte(releases[c.release])), exists); got != c.want {
			t.Errorf("%s with %v: %+v, want %+v", c.release, c.files, got, c.want)
		}
	}
}

func TestOSRelease(t *testing.T) {
	m := OSRelease([]byte("# comment\nID=\"rocky\"\nID_LIKE='rhel centos fedora'\nVERSION_ID=8.10\nbroken line\n"))
	if m["ID"] != "rocky" || m["ID_LIKE"] != "rhel centos fedora" || m["VERSION_ID"] != "8.10" || len(m) != 3 {
		t.Errorf("OSRelease = %v", m)
	}
}

func TestServerDefaults(t *testing.T) {
	exists := func(string) bool { return false }
	cases := []struct {
		family Family
		server string
		want   Redis
	}{
		{Debian, ServerValkey, Redis{"/etc/valkey/valkey.conf", "systemctl restart valkey-server", "/run/valkey/valkey-server.sock", "valkey", "valkey-server"}},
		{Debian, ServerRedis, RedisDefaults(Debian, exists)},
		{Debian, "", RedisDefaults(Debian, exists)},
		{RHEL, ServerRedis, RedisDefaults(RHEL, exists)},
	}
	for _, c := range cases {
		if got := ServerDefaults(c.family, c.server, exists); got != c.want {
			t.Errorf("ServerDefaults(%s, %q) = %+v, want %+v", c.family, c.server, got, c.want)
		}
	}
}
