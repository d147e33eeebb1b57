package provider

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestAccRoundTrip applies the three resources on one host with their optional attributes
// unset, then written out at their defaults, then at other valid values, and back to unset:
// every apply must succeed, and terraform-plugin-testing's plan after each apply must be
// empty. Combining the attributes keeps it at four applies.
//
// Attributes tied to this test host are set in every step (their defaults name the real
// Debian paths and services, which this harness does not have): config_path, path,
// cert_path, unixsocket, restart_command, data_dir (its default lives in the machine's
// /var/lib), https_listen (its default listens on every address of the machine).
// web_allowed_networks is left to its own tests.
func TestAccRoundTrip(t *testing.T) {
	f := newInstanceFixture(t)
	f.s.Exec(t, "getent group ntop >/dev/null || groupadd --system ntop; getent group tfrt >/dev/null || groupadd tfrt")
	dir := testhost.TempDir(t)
	redisTCP := testhost.FreePort(t)
	r := testhost.StartRedis(t, testhost.RedisBaseConf(dir, redisTCP))
	sock := filepath.Join(dir, "redis.sock")
	pki := newTestPKI(t)
	cert, key := pki.leaf(t, leafOpts{})
	endpoint := fmt.Sprintf("127.0.0.1:%d", f.httpsPort)
	otherTCP := testhost.FreePort(t)

	render := func(redisExtra, certExtra, instExtra string) string {
		return providerConfig(f.s, f.s.Root) + fmt.Sprintf(`
variable "pw" {
  type      = string
  ephemeral = true
}
variable "key" {
  type      = string
  ephemeral = true
}
resource "ntopng_redis" "r" {
  host            = "127.0.0.1"
  config_path     = %s
  unixsocket      = %s
  restart_command = %s
  requirepass_wo  = var.pw
%s
}
resource "ntopng_tls_cert" "c" {
  host               = "127.0.0.1"
  certificate_pem    = %s
  private_key_pem_wo = var.key
  path               = %s
  restart_command    = %s
  # ntopng, restarted here, reaches Redis: not while ntopng_redis restarts it.
  depends_on = [ntopng_redis.r]
%s
}
resource "ntopng_instance" "i" {
  host            = "127.0.0.1"
  config_path     = %s
  cert_path       = ntopng_tls_cert.c.path
  data_dir        = %s
  restart_command = %s
  https_listen    = %s
%s
}
`, hcl(r.ConfPath), hcl(sock), hcl(r.RestartScript), redisExtra,
			hcl(cert), hcl(f.certPath), hcl(f.n.RestartScript), certExtra,
			hcl(f.n.ConfPath), hcl(f.dataDir), hcl(f.n.RestartScript), hcl(endpoint), instExtra)
	}
	unset := render("", "", "")
	defaults := render(fmt.Sprintf(`
  ssh_port               = %d
  port                   = 0
  bind                   = ["127.0.0.1", "-::1"]
  unixsocketperm         = "770"
  protected_mode         = true
  rename_commands        = {}
  verify_live            = true
  on_destroy             = "keep"
  requirepass_wo_version = 1`, f.s.Port), fmt.Sprintf(`
  ssh_port           = %d
  owner              = "root"
  group              = "ntop"
  mode               = "0640"
  verify_timeout     = "60s"
  min_days_remaining = 30
  on_destroy         = "keep"`, f.s.Port), fmt.Sprintf(`
  ssh_port                  = %d
  http_listen               = "disabled"
  user                      = "ntopng"
  manage_user               = true
  user_groups               = []
  redis_password_wo_version = 1
  verify_listeners          = true
  verify_timeout            = "60s"
  on_destroy                = "keep"`, f.s.Port))
	otherWith := func(redis string) string {
		return render(fmt.Sprintf(`
  port                   = %d
  bind                   = ["127.0.0.1"]
  unixsocketperm         = "0770"
  protected_mode         = false
  rename_commands        = { FLUSHALL = "", DEBUG = "nodebug" }
  verify_live            = false
  on_destroy             = "restore"
  requirepass_wo_version = 2`, otherTCP), fmt.Sprintf(`
  ca_chain_pem       = %s
  group              = "tfrt"
  mode               = "0600"
  verify_endpoint    = %s
  verify_timeout     = "20s"
  min_days_remaining = 0
  on_destroy         = "remove"`, hcl(pki.chainPEM()), hcl(endpoint)), fmt.Sprintf(`
  http_listen      = "127.0.0.1:%d"
  user_groups      = ["tfrt"]
  %s
  interfaces       = ["lo"]
  local_networks   = ["192.168.0.0/16", "10.0.0.0/8"]
  extra_options    = { "max-num-flows" = "200000", "no-promisc" = "" }
  verify_timeout   = "20s"
  on_destroy       = "restore"`, f.httpPort, redis))
	}
	other := otherWith(fmt.Sprintf("redis = { socket = %s, db = 1 }\n  redis_password_wo = var.pw", hcl(sock)))
	// The case of issue 12 item 11, redis = { host, port = 6379 } written out, needs a Redis on
	// 6379, which this machine cannot promise (the stand-in exits when no Redis answers there):
	// TestRedisObjectKeepsTheDefaultPortAsWritten covers that read-back.
	vars := redisVars(redisPwA)
	vars["key"] = keyVar(key)["key"]
	step := func(cfg string) resource.TestStep {
		return resource.TestStep{Config: cfg, ConfigVariables: vars}
	}
	empty := func(cfg string) resource.TestStep {
		return resource.TestStep{Config: cfg, ConfigVariables: vars, ConfigPlanChecks: resource.ConfigPlanChecks{
			PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		// Each step's apply is followed by a plan that must be empty (the framework checks it).
		Steps: []resource.TestStep{step(unset), step(defaults), step(other), empty(other), step(unset)},
	})
}
