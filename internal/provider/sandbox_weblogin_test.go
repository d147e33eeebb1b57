package provider

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/hardenops/terraform-provider-ntopng/internal/audit"
	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// sandboxWebPw is admin's new web password in TestSandboxWebLogin (31 characters, the most
// ntopng's login form reads).
const sandboxWebPw = "tfSbx-Web-Pw-7Qz2Lm9Xk4Rp8Vt3N"

// login posts ntopng's login form over HTTPS from this machine's address from on the sandbox's
// link and returns the status and the Location and Set-Cookie headers.
// While ntopng starts it answers 403 to everything: that is retried for a minute.
func (f *sandboxFixture) login(from, user, password string) (status int, location, cookie string, err error) {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(f.certPEM))
	dialer := &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	client := &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{DialContext: dialer.DialContext,
			TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "ntopng-sandbox", MinVersion: tls.VersionTLS12}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	form := url.Values{"user": {user}, "password": {password}, "referer": {"/"}}
	// While it starts, ntopng answers 403 to everything: wait (a minute at most) for another answer.
	var resp *http.Response
	_ = testhost.Until(testhost.RealClock{}, time.Minute, 500*time.Millisecond, func() error {
		r, postErr := client.PostForm("https://"+f.https+"/authorize.html", form)
		if postErr != nil {
			err = postErr
			return testhost.Stop(postErr)
		}
		r.Body.Close()
		if resp = r; r.StatusCode == http.StatusForbidden {
			return errors.New("403 while ntopng starts") // after a minute, the last 403 is the answer
		}
		return nil
	})
	if err != nil {
		return 0, "", "", err
	}
	return resp.StatusCode, resp.Header.Get("Location"), strings.Join(resp.Header.Values("Set-Cookie"), "; "), nil
}

// auditStatuses reads every finding's status from the state.
func auditStatuses(s *terraform.State) (map[string]string, error) {
	rs, ok := s.RootModule().Resources["data.ntopng_audit.probe"]
	if !ok {
		return nil, fmt.Errorf("no data.ntopng_audit.probe in the state")
	}
	out := map[string]string{}
	for i := range audit.IDs() {
		at := fmt.Sprintf("findings.%d.", i)
		out[rs.Primary.Attributes[at+"id"]] = rs.Primary.Attributes[at+"status"] + ": " +
			rs.Primary.Attributes[at+"summary"] + " [" + rs.Primary.Attributes[at+"evidence"] + "]"
	}
	return out, nil
}

func expectAudit(want map[string]string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		got, err := auditStatuses(s)
		if err != nil {
			return err
		}
		var errs []string
		for _, id := range audit.IDs() {
			if !strings.HasPrefix(got[id], want[id]+": ") {
				errs = append(errs, fmt.Sprintf("%s: want %s, got %s", id, want[id], got[id]))
			}
		}
		if len(errs) > 0 {
			return fmt.Errorf("ntopng_audit:\n%s", strings.Join(errs, "\n"))
		}
		return nil
	}
}

// TestSandboxWebLogin runs ntop's real ntopng in the sandbox: the audit of the stock host
// fails with evidence; after the seed hardening plus ntopng_user for admin and
// web_allowed_networks every applicable check passes, a login through ntopng's HTTPS server
// with the new password gets a session while admin/admin is refused, and a client outside the
// access list gets no answer while one inside does.
func TestSandboxWebLogin(t *testing.T) {
	onSandboxes(t, nil, testWebLogin)
}

func testWebLogin(t *testing.T, f *sandboxFixture) {
	auditHCL := `
data "ntopng_audit" "probe" {
  host = "` + f.h.Addr + `"
  %s
}
`
	stock := f.rootProvider() + fmt.Sprintf(auditHCL, "")

	hardened := f.config("root", f.h.RootKey, false)
	hardened = strings.Replace(hardened, "  redis_password_wo = var.pw\n}", "  redis_password_wo = var.pw\n  web_allowed_networks = [\""+f.h.LinkAddr+"/32\", \""+f.h.Addr+"/32\"]\n}", 1)
	if !strings.Contains(hardened, "web_allowed_networks") {
		t.Fatal("the sandbox configuration changed shape: web_allowed_networks not added")
	}
	hardened += `
variable "web" {
  type      = string
  ephemeral = true
}
resource "ntopng_user" "admin" {
  host        = "` + f.h.Addr + `"
  config_path = ntopng_instance.probe.config_path
  username    = "admin"
  group       = "administrator"
  password_wo = var.web
}
` + fmt.Sprintf(auditHCL, "depends_on = [ntopng_user.admin, ntopng_instance.probe, ntopng_redis.cache, ntopng_tls_cert.web]")
	vars := config.Variables{"pw": config.StringVariable(f.pw), "web": config.StringVariable(sandboxWebPw)}

	allPass := map[string]string{}
	for _, id := range audit.IDs() {
		allPass[id] = audit.Pass
	}
	stockWant := map[string]string{}
	for _, id := range audit.IDs() {
		stockWant[id] = audit.Fail
	}
	// What ntop's package gets right: its Redis (Debian's) binds loopback, ntopng runs as its
	// own user ntopng, no drop-ins, the login is on.
	for _, id := range []string{"redis_not_exposed", "ntopng_dedicated_user", "ntopng_dropins", "web_login_enabled"} {
		stockWant[id] = audit.Pass
	}
	// No flow collector on either host: nothing to encrypt.
	allPass["collector_encryption"], stockWant["collector_encryption"] = audit.NotApplicable, audit.NotApplicable
	// Stock ntopng serves no HTTPS: the TLS checks have nothing to probe.
	for _, id := range []string{"tls_protocols", "tls_forward_secrecy", "tls_aead_only", "tls_server_order"} {
		stockWant[id] = audit.NotApplicable
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() { f.waitListener(t, "ntopng", "0.0.0.0:"+strconv.Itoa(f.h.StockHTTPPort)) },
				Config:    stock,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("data.ntopng_audit.probe", "passed", "false"),
					expectAudit(stockWant),
					finding("web_admin_password", "fail", `MD5\("admin"\)`),
					finding("tls_certificate", "fail", `CN=ntopng\.local`),
					finding("files_config_owner", "fail", `ntopng`),
					finding("redis_auth", "fail", `PONG`),
				),
			},
			{
				Config: hardened, ConfigVariables: vars,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("data.ntopng_audit.probe", "passed", "true"),
					expectAudit(allPass),
					func(*terraform.State) error {
						f.waitListener(t, "ntopng", f.https)
						status, loc, cookie, err := f.login(f.h.LinkAddr, "admin", sandboxWebPw)
						if err != nil || status != http.StatusFound || !strings.Contains(cookie, "session") || strings.Contains(loc, "wrong-credentials") {
							return fmt.Errorf("login as admin with the new password: status %d, Location %q, Set-Cookie %q, %v", status, loc, cookie, err)
						}
						status, loc, cookie, err = f.login(f.h.LinkAddr, "admin", "admin")
						if err != nil || status != http.StatusFound || !strings.Contains(loc, "wrong-credentials") || strings.Contains(cookie, "session_") {
							return fmt.Errorf("login as admin/admin: status %d, Location %q, Set-Cookie %q, %v; want refused", status, loc, cookie, err)
						}
						// OtherAddr is this machine too, on the same link, but outside web_allowed_networks.
						if status, _, _, err := f.login(f.h.OtherAddr, "admin", sandboxWebPw); err == nil {
							return fmt.Errorf("a client from %s, outside web_allowed_networks, got an answer: status %d", f.h.OtherAddr, status)
						}
						if got := f.mustExec(t, "REDISCLI_AUTH="+strconv.Quote(f.pw)+" "+f.r.CLI()+" -s "+f.r.Socket()+" GET ntopng.prefs.http_acl_management_port"); got != "+"+f.h.LinkAddr+"/32,+"+f.h.Addr+"/32" {
							return fmt.Errorf("access list in Redis: %q", got)
						}
						return nil
					},
				),
			},
		},
	})
}
