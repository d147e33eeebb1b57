package provider

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

func TestAccHostDataSource(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	// The namespace's /etc starts as a copy of the machine's: a machine that happens to have
	// a user ntopng must not turn the "missing user" case below into a present one.
	s.Exec(t, "sed -i '/^ntopng:/d' /etc/passwd /etc/shadow")
	cfg := providerConfig(s, s.Root) + `
data "ntopng_host" "a" {
  host        = "127.0.0.1"
  check_users = ["root", "deploy", "ntopng"]
}
data "ntopng_host" "b" {
  host = "127.0.0.1"
}
data "ntopng_host" "c" {
  host = "127.0.0.1"
}
`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.ntopng_host.a", tfjsonpath.New("host_key_fingerprint"), knownvalue.StringExact(s.HostKeyFingerprint)),
				statecheck.ExpectKnownValue("data.ntopng_host.a", tfjsonpath.New("os_id"), knownvalue.StringExact("debian")),
				statecheck.ExpectKnownValue("data.ntopng_host.a", tfjsonpath.New("users").AtMapKey("root").AtMapKey("uid"), knownvalue.Int64Exact(0)),
				statecheck.ExpectKnownValue("data.ntopng_host.a", tfjsonpath.New("users").AtMapKey("deploy").AtMapKey("exists"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.ntopng_host.a", tfjsonpath.New("users").AtMapKey("ntopng").AtMapKey("exists"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.ntopng_host.a", tfjsonpath.New("users").AtMapKey("ntopng").AtMapKey("uid"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.ntopng_host.a", tfjsonpath.New("redis_version"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9]+\.[0-9]+`))),
				statecheck.ExpectKnownValue("data.ntopng_host.a", tfjsonpath.New("listeners"), knownvalue.ListPartial(map[int]knownvalue.Check{})),
				// The default users: ntopng's account and both cache servers' (Redis or Valkey).
				statecheck.ExpectKnownValue("data.ntopng_host.b", tfjsonpath.New("users"), knownvalue.MapPartial(map[string]knownvalue.Check{
					"ntopng": knownvalue.NotNull(), "redis": knownvalue.NotNull(), "valkey": knownvalue.NotNull(),
				})),
				statecheck.ExpectKnownValue("data.ntopng_host.b", tfjsonpath.New("users"), knownvalue.MapSizeExact(3)),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				// The test sshd itself listens on 127.0.0.1:PORT, seen as process sshd.
				resource.TestCheckTypeSetElemNestedAttrs("data.ntopng_host.a", "listeners.*", map[string]string{
					"protocol": "tcp", "address": "127.0.0.1", "port": strconv.Itoa(s.Port), "process": "sshd",
				}),
				resource.TestCheckResourceAttr("data.ntopng_host.b", "id", "127.0.0.1"),
			),
		}},
	})
}
