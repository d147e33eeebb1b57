package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// expectNoDrift fails when the plan reports a change made outside Terraform (the plan JSON's
// resource_drift, which `terraform plan` prints as "Objects have changed outside of
// Terraform"). Right after an apply nobody touched the hosts, so there must be none.
type expectNoDrift struct{}

func (expectNoDrift) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	var drift []string
	for _, rc := range req.Plan.ResourceDrift {
		drift = append(drift, fmt.Sprintf("%s: %v -> %v", rc.Address, rc.Change.Before, rc.Change.After))
	}
	if len(drift) > 0 {
		resp.Error = fmt.Errorf("the plan right after an apply reports changes outside of Terraform:\n%s", strings.Join(drift, "\n"))
	}
}

// stackFixture is one host with everything the quickstart hardens: sshd, a stock insecure
// redis-server (TCP, no password) and the ntopng stand-in serving plain HTTP.
type stackFixture struct {
	s         *testhost.SSHD
	r         *testhost.Redis
	n         *testhost.Ntopng
	sock      string
	httpsPort int
	dataDir   string
	certPEM   string
	keyPEM    string
}

func newStackFixture(t *testing.T) *stackFixture {
	t.Helper()
	f := &stackFixture{s: testhost.StartSSHD(t, testhost.Options{})}
	dir := testhost.TempDir(t)
	f.r = testhost.StartRedis(t, testhost.RedisBaseConf(dir, testhost.FreePort(t)))
	f.sock = filepath.Join(dir, "redis.sock")
	httpPort := testhost.FreePort(t)
	f.httpsPort = testhost.FreePort(t)
	f.n = testhost.StartNtopng(t, stockNtopngConf(filepath.Join(dir, "httpdocs"), httpPort))
	if err := os.WriteFile(f.n.ConfPath, []byte(stockNtopngConf(f.n.DocsDir, httpPort)), 0o644); err != nil {
		t.Fatal(err)
	}
	f.s.ServeUnit(t, "ntopng.service", f.n.PidFile)
	f.dataDir = filepath.Join(dir, "data")
	f.certPEM, f.keyPEM = selfSignedPEM(t, "probe.test")
	return f
}

func (f *stackFixture) certPath() string { return filepath.Join(f.n.DocsDir, "ssl", "ntopng-cert.pem") }

// config is the quickstart's shape: redis, certificate and instance wired together, and the
// host data source. writeOnly picks the write-only attributes (Terraform >= 1.11, OpenTofu
// >= 1.11) or their sensitive alternatives (older Terraform).
func (f *stackFixture) config(writeOnly bool) string {
	pass, key, ntopPass, webPass, varKind := "requirepass", "private_key_pem", "redis_password", "password", "sensitive"
	if writeOnly {
		pass, key, ntopPass, webPass, varKind = "requirepass_wo", "private_key_pem_wo", "redis_password_wo", "password_wo", "ephemeral"
	}
	return providerConfig(f.s, f.s.Root) + fmt.Sprintf(`
variable "pw" {
  type = string
  %[1]s = true
}
variable "key" {
  type = string
  %[1]s = true
}
variable "webpw" {
  type = string
  %[1]s = true
}
resource "ntopng_redis" "cache" {
  host            = "127.0.0.1"
  config_path     = %[2]q
  unixsocket      = %[3]q
  unixsocketperm  = "777"
  restart_command = %[4]q
  %[5]s = var.pw
}
resource "ntopng_tls_cert" "web" {
  host            = "127.0.0.1"
  path            = %[6]q
  certificate_pem = %[7]s
  %[8]s = var.key
  restart_command = %[9]q
  verify_endpoint = "127.0.0.1:%[10]d"
  verify_timeout  = "15s"
}
resource "ntopng_instance" "probe" {
  host            = "127.0.0.1"
  config_path     = %[11]q
  cert_path       = ntopng_tls_cert.web.path
  data_dir        = %[12]q
  restart_command = %[9]q
  https_listen    = "127.0.0.1:%[10]d"
  verify_timeout  = "15s"
  redis = {
    socket = ntopng_redis.cache.unixsocket
  }
  %[13]s = var.pw
}
resource "ntopng_user" "admin" {
  host        = "127.0.0.1"
  config_path = ntopng_instance.probe.config_path # ntopng's Redis, as the instance configured it
  username    = "admin"
  group       = "administrator"
  %[14]s = var.webpw
}
data "ntopng_host" "h" {
  host = "127.0.0.1"
}
data "ntopng_audit" "probe" {
  host              = "127.0.0.1"
  config_path       = ntopng_instance.probe.config_path
  redis_config_path = ntopng_redis.cache.config_path
}
`, varKind, f.r.ConfPath, f.sock, f.r.RestartScript, pass, f.certPath(), hcl(f.certPEM), key, f.n.RestartScript,
		f.httpsPort, f.n.ConfPath, f.dataDir, ntopPass, webPass)
}

// testStack applies the quickstart's shape through the CLI at TF_ACC_TERRAFORM_PATH: every
// resource and data source, then a plan that must be empty and report no outside change, then
// an import of each resource (ntopng_user's ID names the test host's ntopng.conf, which is not
// at the default path).
func testStack(t *testing.T, writeOnly bool) {
	f := newStackFixture(t)
	cfg := f.config(writeOnly)
	vars := config.Variables{"pw": config.StringVariable(redisPwA), "key": config.StringVariable(f.keyPEM),
		"webpw": config.StringVariable(webPwA)}
	fp := fingerprint(t, f.certPEM)
	https := fmt.Sprintf("127.0.0.1:%d", f.httpsPort)
	importStep := func(addr, id string, ignore ...string) resource.TestStep {
		return resource.TestStep{
			ResourceName: addr, ImportState: true, ImportStateId: id, ImportStateVerify: true,
			ImportStateVerifyIgnore: ignore, Config: cfg, ConfigVariables: vars,
		}
	}
	// Not on the host, so not importable: what restarts the service, how long to wait, what to
	// do on destroy, and the secrets (only their hashes are read back).
	common := []string{"restart_command", "verify_timeout", "on_destroy"}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config: cfg, ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ntopng_redis.cache", tfjsonpath.New("requirepass_sha256"), keyedHashOf{f.s, redisPwA}),
					statecheck.ExpectKnownValue("ntopng_redis.cache", tfjsonpath.New("live_auth_required"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("ntopng_tls_cert.web", tfjsonpath.New("remote_fingerprint_sha256"), knownvalue.StringExact(fp)),
					statecheck.ExpectKnownValue("ntopng_tls_cert.web", tfjsonpath.New("served_fingerprint_sha256"), knownvalue.StringExact(fp)),
					statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("observed_listeners"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(https)})),
					statecheck.ExpectKnownValue("data.ntopng_host.h", tfjsonpath.New("host_key_fingerprint"), knownvalue.StringExact(f.s.HostKeyFingerprint)),
					statecheck.ExpectKnownValue("ntopng_user.admin", tfjsonpath.New("username"), knownvalue.StringExact("admin")),
					statecheck.ExpectKnownValue("data.ntopng_audit.probe", tfjsonpath.New("findings"), knownvalue.NotNull()),
				},
				Check: func(*terraform.State) error {
					conf := readFile(t, f.n.ConfPath)
					for _, want := range []string{"--https-port=" + https + "\n", "--http-port=0\n", "--redis=" + f.sock} {
						if !strings.Contains(conf, want) {
							return fmt.Errorf("ntopng.conf lacks %q:\n%s", want, conf)
						}
					}
					if got := readFile(t, f.certPath()); got != f.keyPEM+f.certPEM {
						return fmt.Errorf("the certificate file is not key then leaf:\n%s", got)
					}
					if got := readFile(t, f.r.ConfPath); !strings.Contains(got, "requirepass ") || !strings.Contains(got, "\nport 0\n") {
						return fmt.Errorf("redis.conf is not hardened:\n%s", got)
					}
					return nil
				},
			},
			{
				// Right after the apply: nothing to do, and nothing "changed outside of Terraform"
				// (the certificate was written before ntopng served HTTPS).
				Config: cfg, ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(), expectNoDrift{},
				}},
			},
			importStep("ntopng_redis.cache", "127.0.0.1:"+f.r.ConfPath, append(common, "requirepass", "requirepass_wo_version")...),
			importStep("ntopng_tls_cert.web", "127.0.0.1:"+f.certPath(), append(common, "private_key_pem", "private_key_pem_wo_version", "verify_endpoint", "served_fingerprint_sha256")...),
			importStep("ntopng_instance.probe", "127.0.0.1:"+f.n.ConfPath, append(common, "redis_password", "redis_password_wo_version")...),
			importStep("ntopng_user.admin", "127.0.0.1:"+f.n.ConfPath+":admin", "password", "password_wo_version"),
		},
	})
}

// TestAccStack runs the quickstart's shape through the default terraform (make test: 1.11).
func TestAccStack(t *testing.T) { testStack(t, true) }

// otherCLI points the acceptance tests at another CLI, named by env (make test builds them with
// scripts/build-cli.sh and sets the variables). Without it the test skips, saying how to run it.
func otherCLI(t *testing.T, env string) {
	p := os.Getenv(env)
	if p == "" {
		t.Skipf("%s is not set: `make test` builds the CLI and sets it", env)
	}
	t.Setenv("TF_ACC_TERRAFORM_PATH", p)
	// A TF_CLI_CONFIG_FILE naming no file makes OpenTofu 1.12 print a warning on standard
	// output, even for `tofu version`, which the test framework then cannot parse.
	if f := os.Getenv("TF_CLI_CONFIG_FILE"); f != "" {
		if _, err := os.Stat(f); os.IsNotExist(err) {
			t.Setenv("TF_CLI_CONFIG_FILE", "")
		}
	}
}

// TestAccOpenTofuStack: the same through OpenTofu, write-only attributes included. OpenTofu
// reads the unqualified provider "ntopng" as registry.opentofu.org/hashicorp/ntopng, so the
// test framework is told that host for its provider under test.
func TestAccOpenTofuStack(t *testing.T) {
	otherCLI(t, "NTOPNG_TEST_TOFU")
	t.Setenv("TF_ACC_PROVIDER_HOST", "registry.opentofu.org")
	testStack(t, true)
}

// TestAccTerraform110Stack: the same through Terraform 1.10, which has no write-only
// attributes: the sensitive alternatives requirepass, private_key_pem and redis_password.
func TestAccTerraform110Stack(t *testing.T) {
	otherCLI(t, "NTOPNG_TEST_TERRAFORM_1_10")
	testStack(t, false)
}
