package provider

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestAccRedisDistroDefaults: with config_path, unixsocket and restart_command unset, the plan
// takes them from the host's /etc/os-release: a Rocky Linux 8 host (the test sshd's /etc is a
// private copy) with RHEL 8's /etc/redis.conf, then the same host as Debian.
func TestAccRedisDistroDefaults(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	etc := filepath.Join(s.Dir, "etc")
	setRelease := func(content string) {
		_ = os.Remove(filepath.Join(etc, "os-release")) // a symlink into /usr/lib on Debian
		if err := os.WriteFile(filepath.Join(etc, "os-release"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	setRelease("NAME=\"Rocky Linux\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"8.10\"\n")
	// RHEL 8: /etc/redis.conf only (the copy of this machine's /etc may hold /etc/redis/).
	if err := os.RemoveAll(filepath.Join(etc, "redis")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(etc, "redis.conf"), []byte("port 6379\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	cfg := providerConfig(s, s.Root) + `
variable "pw" {
  type      = string
  ephemeral = true
}
resource "ntopng_redis" "cache" {
  host           = "127.0.0.1"
  requirepass_wo = var.pw
}
`
	const addr = "ntopng_redis.cache"
	planned := func(configPath, socket, restart string) []plancheck.PlanCheck {
		return []plancheck.PlanCheck{
			plancheck.ExpectKnownValue(addr, tfjsonpath.New("config_path"), knownvalue.StringExact(configPath)),
			plancheck.ExpectKnownValue(addr, tfjsonpath.New("unixsocket"), knownvalue.StringExact(socket)),
			plancheck.ExpectKnownValue(addr, tfjsonpath.New("restart_command"), knownvalue.StringExact(restart)),
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config: cfg, ConfigVariables: redisVars(redisPwA), PlanOnly: true, ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh: planned("/etc/redis.conf", "/run/redis/redis.sock", "systemctl restart redis"),
				},
			},
			{
				PreConfig: func() {
					setRelease("ID=debian\nVERSION_ID=\"12\"\n")
					if err := os.MkdirAll(filepath.Join(etc, "redis"), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(etc, "redis", "redis.conf"), []byte("port 6379\n"), 0o640); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg, ConfigVariables: redisVars(redisPwA), PlanOnly: true, ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh: planned("/etc/redis/redis.conf", "/run/redis/redis-server.sock", "systemctl restart redis-server"),
				},
			},
		},
	})
}
