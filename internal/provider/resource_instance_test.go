package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// stockNtopngConf is ntop's shipped file in spirit: comments, HTTP on every address.
func stockNtopngConf(docs string, httpPort int) string {
	return fmt.Sprintf(`# This configuration file is similar to the command line, with the exception
# that an equal sign '=' must be used between key and value.
#
#       -G=/var/run/ntopng.pid
-w=%d
--httpdocs-dir=%s
--community
`, httpPort, docs)
}

type instanceFixture struct {
	s         *testhost.SSHD
	n         *testhost.Ntopng
	httpPort  int
	httpsPort int
	certPath  string
	dataDir   string
}

func newInstanceFixture(t *testing.T) *instanceFixture {
	f := &instanceFixture{s: testhost.StartSSHD(t, testhost.Options{})}
	f.httpPort, f.httpsPort = testhost.FreePort(t), testhost.FreePort(t)
	dir := testhost.TempDir(t)
	docs := filepath.Join(dir, "httpdocs")
	f.n = testhost.StartNtopng(t, stockNtopngConf(docs, f.httpPort))
	// StartNtopng lays out its own httpdocs; point the file at it.
	if err := os.WriteFile(f.n.ConfPath, []byte(stockNtopngConf(f.n.DocsDir, f.httpPort)), 0o644); err != nil {
		t.Fatal(err)
	}
	f.s.ServeUnit(t, "ntopng.service", f.n.PidFile)
	f.certPath = filepath.Join(f.n.DocsDir, "ssl", "ntopng-cert.pem")
	f.dataDir = filepath.Join(dir, "data")
	return f
}

func (f *instanceFixture) writeCert(t *testing.T) {
	cert, key := selfSignedPEM(t, "probe.test")
	if err := os.WriteFile(f.certPath, []byte(key+cert), 0o640); err != nil {
		t.Fatal(err)
	}
}

func (f *instanceFixture) config(body string) string {
	return providerConfig(f.s, f.s.Root) + fmt.Sprintf(`
resource "ntopng_instance" "probe" {
  host            = "127.0.0.1"
  config_path     = %q
  cert_path       = %q
  data_dir        = %q
  restart_command = %q
  verify_timeout  = "15s"
%s
}
`, f.n.ConfPath, f.certPath, f.dataDir, f.n.RestartScript, body)
}

// socketRedisConfig is the instance with HTTPS on loopback, reaching Redis over socket with the
// password of the ephemeral variable "pw" (redisVars), as operators pass it, so that the
// configuration text (which the test log shows) does not hold it.
func (f *instanceFixture) socketRedisConfig(socket string) string {
	return `
variable "pw" {
  type      = string
  ephemeral = true
}
` + f.config(fmt.Sprintf(`
  https_listen      = "127.0.0.1:%d"
  redis             = { socket = %q }
  redis_password_wo = var.pw
`, f.httpsPort, socket))
}

func TestAccInstanceHardening(t *testing.T) {
	f := newInstanceFixture(t)
	f.writeCert(t)
	https := fmt.Sprintf("127.0.0.1:%d", f.httpsPort)
	cfg := f.config(fmt.Sprintf(`
  https_listen  = %q
  extra_options = { "max-num-flows" = "200000" }
`, https))
	dropIn := filepath.Join(f.n.ConfDir, "50-http.conf")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				// The stock file (HTTP on every address) becomes HTTPS-only on the chosen address.
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("observed_listeners"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(https)})),
					statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("effective_options").AtMapKey("http-port"), knownvalue.StringExact("0")),
					statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("user"), knownvalue.StringExact("ntopng")),
					statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("id"), knownvalue.StringExact("127.0.0.1:"+f.n.ConfPath)),
				},
				Check: func(_ *terraform.State) error {
					got := readFile(t, f.n.ConfPath)
					for _, want := range []string{"--http-port=0\n", "--https-port=" + https + "\n", "--user=ntopng\n",
						"--max-num-flows=200000\n", "# that an equal sign '=' must be used between key and value.\n", "--community\n",
						"--data-dir=" + f.dataDir + "\n"} {
						if !strings.Contains(got, want) {
							return fmt.Errorf("ntopng.conf lacks %q:\n%s", want, got)
						}
					}
					if strings.Contains(got, "-w=") {
						return fmt.Errorf("the old -w line survived:\n%s", got)
					}
					fi, err := os.Stat(f.n.ConfPath)
					if err != nil {
						return err
					}
					if fi.Mode().Perm() != 0o640 || fi.Sys().(*syscall.Stat_t).Uid != 0 {
						return fmt.Errorf("ntopng.conf mode %v uid %d, want 0640 root", fi.Mode().Perm(), fi.Sys().(*syscall.Stat_t).Uid)
					}
					// The user exists in the test host's /etc and owns the file's group and the data dir.
					out := f.s.Exec(t, "id -nG ntopng; stat -c %G "+f.n.ConfPath+"; stat -c '%U %a' "+f.dataDir)
					if !strings.Contains(out, "ntop\nntop\nntopng 700") {
						return fmt.Errorf("user, group or data dir not as expected: %q", out)
					}
					return nil
				},
			},
			{
				// A hand edit that re-enables HTTP on every address is drift; apply removes it.
				PreConfig: func() {
					appendFile(t, f.n.ConfPath, fmt.Sprintf("--http-port=%d\n", f.httpPort))
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("ntopng_instance.probe", plancheck.ResourceActionUpdate)},
				},
				Check: func(_ *terraform.State) error {
					if got := readFile(t, f.n.ConfPath); strings.Contains(got, fmt.Sprintf("--http-port=%d", f.httpPort)) {
						return fmt.Errorf("apply left the hand edit:\n%s", got)
					}
					return nil
				},
			},
			{
				// A drop-in that re-enables HTTP is drift too; apply removes the option there.
				PreConfig: func() {
					if err := os.WriteFile(dropIn, []byte(fmt.Sprintf("# local\n-w %d\n--max-num-hosts=1000\n", f.httpPort)), 0o644); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("ntopng_instance.probe", plancheck.ResourceActionUpdate)},
				},
				Check: func(_ *terraform.State) error {
					if got := readFile(t, dropIn); got != "# local\n--max-num-hosts=1000\n" {
						return fmt.Errorf("drop-in after apply = %q", got)
					}
					return nil
				},
			},
			{
				// The file changed but ntopng was not restarted: the listeners differ, which is drift.
				PreConfig: func() {
					conf := readFile(t, f.n.ConfPath)
					// Restart the stand-in with HTTP on, then put the hardened file back unchanged.
					if err := os.WriteFile(f.n.ConfPath, []byte(conf+fmt.Sprintf("-w=%d\n", f.httpPort)), 0o640); err != nil {
						t.Fatal(err)
					}
					f.s.Exec(t, f.n.RestartScript)
					if err := os.WriteFile(f.n.ConfPath, []byte(conf), 0o640); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("ntopng_instance.probe", plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("observed_listeners"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(https)})),
				},
			},
			{
				ResourceName:      "ntopng_instance.probe",
				ImportState:       true,
				ImportStateId:     "127.0.0.1:" + f.n.ConfPath,
				ImportStateVerify: true,
				// Not on the host, so not importable: where to restart from and how long to wait.
				ImportStateVerifyIgnore: []string{"restart_command", "verify_timeout"},
			},
		},
	})
}

func appendFile(t *testing.T, p, s string) {
	t.Helper()
	fh, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if _, err := fh.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func TestAccInstanceRestartFailureKeepsOldFile(t *testing.T) {
	f := newInstanceFixture(t)
	f.writeCert(t)
	before := readFile(t, f.n.ConfPath)
	// 192.0.2.10 (TEST-NET-1) is on no interface: the stand-in cannot bind and exits.
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config:      f.config(`https_listen = "192.0.2.10:443"`),
			ExpectError: regexp.MustCompile(`(?s)previous .*ntopng.conf was put back`),
		}},
	})
	if after := readFile(t, f.n.ConfPath); after != before {
		t.Fatalf("a failed restart changed ntopng.conf:\n--- before\n%s--- after\n%s", before, after)
	}
	if !testhost.Alive(f.n.PID()) {
		t.Fatal("the stand-in is not running with the old file after the rollback")
	}
}

func TestAccInstanceCertificateFailsClosed(t *testing.T) {
	f := newInstanceFixture(t)
	before := readFile(t, f.n.ConfPath)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config:      f.config(fmt.Sprintf(`https_listen = "127.0.0.1:%d"`, f.httpsPort)),
			ExpectError: regexp.MustCompile(`(?s)HTTPS Certificate Missing.*falls back to plain\s+HTTP`),
		}},
	})
	if after := readFile(t, f.n.ConfPath); after != before {
		t.Fatal("ntopng.conf was written although the certificate is missing")
	}
}

func TestAccInstancePlanTimeErrors(t *testing.T) {
	f := newInstanceFixture(t)
	f.writeCert(t)
	cases := []struct {
		body string
		want string
	}{
		{`https_listen = "probe.example.net:443"`, `(?s)https_listen.*refuses\s+hostnames`},
		{`user = "root"`, `(?s)ntopng Must Not Run as root`},
		{`extra_options = { "pid-path" = "/run/ntopng.pid" }`, `(?s)extra_options.*pid-path.*not an ntopng option`},
		{`extra_options = { "dont-change-user" = "" }`, `(?s)dont-change-user keeps ntopng running as root`},
		{`extra_options = { "http-port" = "3000" }`, `(?s)managed by the http_listen attribute`},
		{`extra_options = { "max-num-flows" = "1\n2" }`, `(?s)control character`},
		{`extra_options = { "max-num-flows" = "'200000'" }`, `(?s)quote`},
		{`redis_password = "short"`, `(?s)redis_password.*at least 32`},
		{`redis_password = "abcdefghijklmnopqrstuvwxyz0123456789\\x"`, `(?s)backslash`},
		{"redis = { socket = \"/" + strings.Repeat("s", 90) + "\" }\n  redis_password = \"" + strings.Repeat("p", 40) + "\"", `(?s)127`},
		{`http_listen = "disabled"
  https_listen = "disabled"`, `(?s)No Web Server Left`},
		{`confinement_writable_paths = ["/"]`, `(?s)Invalid Writable Path.*whole system tree`},
		{`confinement_writable_paths = ["/srv/a b"]`, `(?s)Invalid Writable Path.*white space`},
		{`confinement_writable_paths = ["/srv/../etc"]`, `(?s)Invalid Writable Path.*clean path`},
		{`confinement_writable_paths = ["/srv/%h"]`, `(?s)Invalid Writable Path`},
		{`confinement_writable_paths = ["/var/tmp/ntopng"]`, `(?s)Invalid Writable Path.*PrivateTmp`},
		{"redis_password = \"" + strings.Repeat("p", 40) + "\"\n  redis_password_wo = \"" + strings.Repeat("q", 40) + "\"",
			`(?s)Invalid Attribute Combination.*At\s+most\s+one\s+of\s+.redis_password_wo.,\s+.redis_password.\s+may\s+be\s+set.*write-only`},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config:      f.config(c.body),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(c.want),
		})
	}
	before := readFile(t, f.n.ConfPath)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps:                    steps,
	})
	if after := readFile(t, f.n.ConfPath); after != before {
		t.Fatal("a refused configuration changed ntopng.conf")
	}
}

// TestAccInstanceRedisPasswordStaysSecret: ntopng (the stand-in) reaches a password-protected
// Redis over its socket with the password the provider wrote, and the password appears in
// neither the state, the plan output nor any debug log.
func TestAccInstanceRedisPasswordStaysSecret(t *testing.T) {
	f := newInstanceFixture(t)
	f.writeCert(t)
	dir := testhost.TempDir(t)
	socket := filepath.Join(dir, "redis.sock")
	password := "Zq7" + strings.Repeat("xY9k", 10) + "Lw2"
	testhost.StartRedis(t, testhost.RedisBaseConf(dir, 0)+fmt.Sprintf("unixsocket %s\nunixsocketperm 777\nrequirepass %s\n", socket, password))
	logPath := filepath.Join(dir, "provider.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logPath)
	// The password comes in through an ephemeral variable, as operators pass it, so that the
	// configuration text (which the test log shows) does not hold it.
	cfg := f.socketRedisConfig(socket)
	vars := redisVars(password)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config:          cfg,
			ConfigVariables: vars,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("redis_password_sha256"), keyedHashOf{f.s, password}),
				statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("effective_options").AtMapKey("redis"),
					knownvalue.StringExact(socket+":0:********@0")),
			},
			Check: func(s *terraform.State) error {
				if strings.Contains(fmt.Sprintf("%#v", s), password) {
					return fmt.Errorf("the Redis password is in the state")
				}
				if got := readFile(t, f.n.ConfPath); !strings.Contains(got, "--redis="+socket+":0:"+password+"@0\n") {
					return fmt.Errorf("ntopng.conf lacks the --redis line:\n%s", got)
				}
				return nil
			},
		}, {
			// Steady state: the write-only password causes no diff.
			Config:          cfg,
			ConfigVariables: vars,
			PlanOnly:        true,
		}},
	})
	b, err := os.ReadFile(logPath)
	if err != nil || len(b) == 0 {
		t.Fatalf("no debug log written to %s (%v): the check below would prove nothing", logPath, err)
	}
	assertNoSecret(t, "the debug log", string(b), password)
	// The stand-in authenticated with it: it exits when AUTH fails, so it must be running.
	if !testhost.Alive(f.n.PID()) {
		t.Fatal("ntopng stand-in is not running: it could not authenticate to Redis with the written password")
	}
}

// assertNoSecret fails when secret occurs in text, showing (masked) the lines where it does.
func assertNoSecret(t *testing.T, where, text, secret string) {
	t.Helper()
	var hits []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, secret) {
			hits = append(hits, strings.ReplaceAll(line, secret, "<SECRET>"))
		}
	}
	if len(hits) > 0 {
		if len(hits) > 5 {
			hits = hits[:5]
		}
		t.Fatalf("the secret appears in %s, e.g.:\n%s", where, strings.Join(hits, "\n"))
	}
}
