package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/hardenops/terraform-provider-ntopng/internal/audit"
	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
	"github.com/hardenops/terraform-provider-ntopng/internal/webusers"
)

// finding checks one finding of data.ntopng_audit.probe by its ID.
func finding(id, status, evidence string) resource.TestCheckFunc {
	i := slices.Index(audit.IDs(), id)
	at := fmt.Sprintf("findings.%d.", i)
	checks := []resource.TestCheckFunc{
		resource.TestCheckResourceAttr("data.ntopng_audit.probe", at+"id", id),
		resource.TestCheckResourceAttr("data.ntopng_audit.probe", at+"status", status),
	}
	if evidence != "" {
		checks = append(checks, resource.TestMatchResourceAttr("data.ntopng_audit.probe", at+"evidence", regexp.MustCompile(evidence)))
	}
	return resource.ComposeTestCheckFunc(checks...)
}

// TestAccAudit: a host in the stock state (HTTP on every address, Redis on TCP without a
// password, admin on its default password) fails, with evidence; an ntopng_user for admin
// turns web_admin_password to pass, and the secrets never reach the state.
func TestAccAudit(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	dir := testhost.TempDir(t)
	rport, hport := testhost.FreePort(t), testhost.FreePort(t)
	r := testhost.StartRedis(t, testhost.RedisBaseConf(dir, rport))
	if _, err := r.Do(t, "SET", webusers.Key("admin", "password"), webusers.DefaultAdminHash); err != nil {
		t.Fatal(err)
	}
	n := testhost.StartNtopng(t, "")
	writeHostFile(t, n.ConfPath, fmt.Sprintf("-G=/var/run/ntopng.pid\n-w=%d\n--httpdocs-dir=%s\n--redis=127.0.0.1:%d@0\n", hport, n.DocsDir, rport))
	restartStandin(t, n)
	s.ServeUnit(t, "ntopng.service", n.PidFile)
	if err := os.WriteFile(filepath.Join(n.DocsDir, "ssl", "ntopng-cert.pem"), []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	auditHCL := providerConfig(s, s.Root) + fmt.Sprintf(`
data "ntopng_audit" "probe" {
  host              = "127.0.0.1"
  config_path       = %s
  redis_config_path = %s
  %%s
}
`, hcl(n.ConfPath), hcl(r.ConfPath))
	user := fmt.Sprintf(`
variable "pw" {
  type      = string
  ephemeral = true
}
resource "ntopng_user" "admin" {
  host        = "127.0.0.1"
  config_path = %s
  username    = "admin"
  group       = "administrator"
  password_wo = var.pw
}
`, hcl(n.ConfPath))
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(auditHCL, ""),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("data.ntopng_audit.probe", "passed", "false"),
					resource.TestCheckResourceAttr("data.ntopng_audit.probe", "findings.#", fmt.Sprint(len(audit.IDs()))),
					finding("web_http_off", "fail", fmt.Sprintf(`ntopng listens on 0\.0\.0\.0:%d`, hport)),
					finding("web_https_on", "fail", `--https-port not set`),
					finding("tls_certificate", "fail", ""),
					finding("tls_key_private", "fail", `mode 0644`),
					finding("web_explicit_address", "fail", ""),
					finding("redis_auth", "fail", `requirepass not set.*PING got \+PONG`),
					finding("ntopng_dropins", "pass", ""),
					finding("web_login_enabled", "pass", ""),
					finding("web_admin_password", "fail", `MD5\("admin"\)`),
					finding("web_access_list", "fail", `""`),
					// The test host's systemctl reports no confinement settings (not systemd).
					finding("service_confinement", "not_applicable", `does not report the confinement's settings`),
				),
			},
			{
				Config: user + fmt.Sprintf(auditHCL, "depends_on = [ntopng_user.admin]"), ConfigVariables: pwVar(webPwA),
				Check: resource.ComposeTestCheckFunc(
					finding("web_admin_password", "pass", `not the default \(value masked\)`),
					finding("redis_auth", "fail", ""),
				),
				ConfigStateChecks: []statecheck.StateCheck{noneOf{webPwA, webusers.PasswordHash(webPwA)}},
			},
		},
	})
}

// TestAuditDocsListEveryCheck: the data source's page has a table row for every check ID,
// with its severity.
func TestAuditDocsListEveryCheck(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testhost.ModuleRoot(t), "templates", "data-sources", "audit.md.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range audit.Checks {
		if !strings.Contains(string(b), fmt.Sprintf("| `%s` | %s | %s |", c.ID, c.Severity, c.Title)) {
			t.Errorf("templates/data-sources/audit.md.tmpl has no row for %s (%s, %q)", c.ID, c.Severity, c.Title)
		}
	}
}
