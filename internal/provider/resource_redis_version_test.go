package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/hardenops/terraform-provider-ntopng/internal/redishardening"
)

// fakeRedis60 answers `redis-server --version` as Debian 11's Redis 6.0.16 and runs the
// machine's real redis-server (7.0) for everything else. It goes first on the test sshd's
// PATH (the namespace's /usr/local/sbin), so only the provider's question is fooled.
const fakeRedis60 = `#!/bin/sh
# TEST-ONLY: written by TestAccRedisFollowsServerVersion.
if [ "$1" = --version ]; then echo "Redis server v=6.0.16 sha=00000000:0 malloc=jemalloc-5.2.1 bits=64 build=a3fdef44459b3ad6"; exit 0; fi
exec /usr/bin/redis-server "$@"
`

// TestAccRedisFollowsServerVersion: on a host whose redis-server says 6.0.16, a "-" bind
// address and enable_debug_command = "yes" are plan-time errors naming the version, and the
// defaults write what 6.0 parses (bind 127.0.0.1, no enable-* line). The running server is
// really 7.0, as after an upgrade: the refresh reads server_version 7.0.x from INFO and the
// plan stays empty (an upgraded Redis under a managed file is not drift).
func TestAccRedisFollowsServerVersion(t *testing.T) {
	f := startRedisFixture(t)
	if err := os.WriteFile(filepath.Join(f.s.Dir, "ns", "sbin", "redis-server"), []byte(fakeRedis60), 0o755); err != nil {
		t.Fatal(err)
	}
	vars := redisVars(redisPwA)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config: f.config(`bind = ["127.0.0.1", "-::1"]`), ConfigVariables: vars, PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)bind Address Not Supported by This Redis.*bind = \["127.0.0.1", "-::1"\].*exists from Redis\s+6\.2.*this host runs\s+Redis\s+6\.0\.16`),
			},
			{
				Config: f.config(`enable_debug_command = "yes"`), ConfigVariables: vars, PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)enable_debug_command Not Supported by This Redis.*exists from\s+Redis\s+7\.0.*this host\s+runs\s+Redis\s+6\.0\.16`),
			},
			{
				Config: f.config(""), ConfigVariables: vars,
				Check: func(*terraform.State) error {
					got := f.conf(t)
					if !strings.Contains(got, "\nbind 127.0.0.1\n") || strings.Contains(got, "enable-") {
						t.Errorf("the file for Redis 6.0 must bind 127.0.0.1 only and have no enable-* line:\n%s", got)
					}
					return nil
				},
				// After the refresh (INFO: the real 7.0), the plan is empty: checked by the framework.
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ntopng_redis.test", tfjsonpath.New("server"), knownvalue.StringExact("redis")),
					statecheck.ExpectKnownValue("ntopng_redis.test", tfjsonpath.New("enable_debug_command"), knownvalue.StringExact("no")),
				},
			},
			{
				// Refreshed: the running server's own version.
				Config: f.config(""), ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ntopng_redis.test", tfjsonpath.New("server_version"), knownvalue.StringRegexp(regexp.MustCompile(`^7\.`))),
					statecheck.ExpectKnownValue("ntopng_redis.test", tfjsonpath.New("bind"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("127.0.0.1")})),
				},
			},
		},
	})
}

// TestAccRedisFailedRestartQuotesTheLog: a restart command that prints nothing still fails
// with Redis's own reason, read from the logfile redis.conf names, when the account that owns
// redis.conf owns that log too; a log it does not own (it could name /etc/shadow there) is not
// quoted.
func TestAccRedisFailedRestartQuotesTheLog(t *testing.T) {
	f := startRedisFixture(t)
	vars := redisVars(redisPwA)
	missing := filepath.Join(filepath.Dir(f.sock), "missing", "redis.sock")
	quiet := f.r.RestartScript + " >/dev/null 2>&1"
	cfg := strings.Replace(f.config(""), hcl(f.r.RestartScript), hcl(quiet), 1)
	m := regexp.MustCompile(`(?m)^logfile "?([^"\n]+)"?$`).FindStringSubmatch(f.orig)
	if m == nil {
		t.Fatal("the test redis.conf names no logfile")
	}
	logfile := m[1]
	// redis.conf and its log owned by an account that is not root, as Debian's redis:redis
	// and redis:adm; the test's Redis (root) appends to the log as it is.
	const owner = 65534
	chown := func(uid int, paths ...string) func() {
		return func() {
			for _, p := range paths {
				if err := os.Chown(p, uid, -1); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{Config: cfg, ConfigVariables: vars, PreConfig: chown(owner, f.r.ConfPath, logfile)},
			{
				Config:          strings.Replace(cfg, hcl(f.sock), hcl(missing), 1),
				ConfigVariables: vars,
				ExpectError:     regexp.MustCompile(`(?s)exited with status 1.*The last lines of \S*redis\.log:.*Failed opening Unix\s+socket.*put\s+back`),
			},
			{ // the log now root's: not quoted, the rollback still said
				Config:          strings.Replace(cfg, hcl(f.sock), hcl(missing), 1),
				ConfigVariables: vars,
				PreConfig:       chown(0, logfile),
				ExpectError:     regexp.MustCompile(`exited with status 1:\s+On \S+, the previous`), // nothing quoted between
			},
		},
	})
	if b, err := os.ReadFile(f.r.ConfPath); err != nil || strings.Contains(string(b), missing) {
		t.Errorf("after the failed restarts redis.conf names %s (err %v): it was not put back", missing, err)
	}
}

// TestAccRedisImportPlansTheDefaultSocket: adopting a stock redis.conf, which configures no
// socket, plans the default socket as a new resource would (the configuration leaves
// unixsocket unset), instead of keeping the host's "" and leaving ntopng no way in.
func TestAccRedisImportPlansTheDefaultSocket(t *testing.T) {
	f := startRedisFixture(t)
	vars := redisVars(redisPwA)
	cfg := strings.Replace(f.config(""), "  unixsocket      = "+hcl(f.sock)+"\n", "", 1)
	if strings.Contains(cfg, "unixsocket") {
		t.Fatal("the fixture's configuration changed shape: unixsocket still set")
	}
	if strings.Contains(f.orig, "\nunixsocket ") {
		t.Fatal("the fixture's redis.conf configures a socket: this test needs one without")
	}
	const addr = "ntopng_redis.test"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				ResourceName: addr, ImportState: true, ImportStatePersist: true,
				ImportStateId: "127.0.0.1:" + f.r.ConfPath, Config: cfg, ConfigVariables: vars,
				ImportStateCheck: func(s []*terraform.InstanceState) error {
					if len(s) != 1 || s[0].Attributes["unixsocket"] != "" {
						return fmt.Errorf("imported unixsocket = %q, want the host's \"\" (no socket)", s[0].Attributes["unixsocket"])
					}
					return nil
				},
			},
			{
				Config: cfg, ConfigVariables: vars, PlanOnly: true, ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("unixsocket"), knownvalue.StringExact(redishardening.DefaultSocket)),
				}},
			},
		},
	})
}
