package provider

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/hardenops/terraform-provider-ntopng/internal/bench"
	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// sshProviderBlock renders provider "ntopng" with the given ssh block body.
func sshProviderBlock(body string) string {
	return "provider \"ntopng\" {\n  ssh {\n" + body + "\n  }\n}\n"
}

// hostRead is a data source read whose host key fingerprint proves the login.
const hostRead = `
data "ntopng_host" "h" {
  host = "127.0.0.1"
}
`

// TestAccProviderAuthAndHostKeys reads ntopng_host through every authentication method and
// host-key policy of the provider block, with the real terraform CLI and a real sshd.
func TestAccProviderAuthAndHostKeys(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{PasswordAuth: true, HostCertificate: true})
	agent := testhost.StartAgent(t, s.Deploy.PrivateKey)
	knownHostsFile := filepath.Join(testhost.TempDir(t), "known_hosts")
	if err := os.WriteFile(knownHostsFile, []byte(s.KnownHostsLine()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	port := fmt.Sprintf("    port = %d\n", s.Port)
	pin := fmt.Sprintf("    host_key = %s\n", hcl(s.HostKey))
	wrongPin := "    host_key = \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOf6U9C9qP+1Dk7GkGq1oNQZ0eyT+1hNGr6q7B0eE8uE\"\n"

	ok := []struct{ name, body string }{
		{"key as root", port + pin + "    private_key = " + hcl(s.Root.PrivateKey)},
		{"encrypted key and passphrase", port + pin + "    user = \"deploy\"\n    private_key = " + hcl(s.Deploy.EncryptedKey) +
			"\n    private_key_passphrase = " + hcl(s.Deploy.Passphrase)},
		{"password", port + pin + "    user = \"deploy\"\n    password = " + hcl(s.Deploy.Password)},
		{"agent", port + pin + "    user = \"deploy\"\n    agent = true\n    agent_socket = " + hcl(agent)},
		{"user certificate", port + pin + "    user = \"deploy\"\n    private_key = " + hcl(s.Deploy.CertKey) +
			"\n    certificate = " + hcl(s.Deploy.Certificate)},
		{"known_hosts content", port + "    private_key = " + hcl(s.Root.PrivateKey) + "\n    known_hosts = " + hcl(s.KnownHostsLine()+"\n")},
		{"known_hosts file", port + "    private_key = " + hcl(s.Root.PrivateKey) + "\n    known_hosts_file = " + hcl(knownHostsFile)},
		{"@cert-authority host certificate", port + "    private_key = " + hcl(s.Root.PrivateKey) + "\n    known_hosts = " + hcl(s.CertAuthorityLine()+"\n")},
		{"insecure opt-in", port + "    private_key = " + hcl(s.Root.PrivateKey) + "\n    insecure_ignore_host_key = true"},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { preCheck(t) },
				ProtoV6ProviderFactories: protoV6Factories,
				Steps: []resource.TestStep{{
					Config: sshProviderBlock(c.body) + hostRead,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("data.ntopng_host.h", tfjsonpath.New("host_key_fingerprint"), knownvalue.StringExact(s.HostKeyFingerprint)),
					},
				}},
			})
		})
	}

	refused := []struct{ name, body, want string }{
		{"wrong pin", port + wrongPin + "    private_key = " + hcl(s.Root.PrivateKey), `(?s)expected.*SHA256:.*` + regexp.QuoteMeta(s.HostKeyFingerprint)},
		{"unknown host", port + "    private_key = " + hcl(s.Root.PrivateKey), `(?s)` + regexp.QuoteMeta(s.HostKeyFingerprint) + `.*host_key`},
		{"wrong password", port + pin + "    user = \"deploy\"\n    password = \"not-the-password\"", `(?s)deploy.*password`},
		{"passphrase missing", port + pin + "    user = \"deploy\"\n    private_key = " + hcl(s.Deploy.EncryptedKey), `(?s)passphrase`},
	}
	for _, c := range refused {
		t.Run("refused: "+c.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { preCheck(t) },
				ProtoV6ProviderFactories: protoV6Factories,
				Steps: []resource.TestStep{{
					Config:      sshProviderBlock(c.body) + hostRead,
					ExpectError: regexp.MustCompile(c.want),
				}},
			})
		})
	}
}

// TestProviderInsecureWarns: accepting any host key is an explicit opt-out that is warned about.
func TestProviderInsecureWarns(t *testing.T) {
	ctx := context.Background()
	srv, err := protoV6Factories["ntopng"]()
	if err != nil {
		t.Fatal(err)
	}
	sch, err := srv.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	typ := sch.Provider.ValueType().(tftypes.Object)
	sshType := typ.AttributeTypes["ssh"].(tftypes.Object)
	sshVals := map[string]tftypes.Value{}
	for name, at := range sshType.AttributeTypes {
		sshVals[name] = tftypes.NewValue(at, nil)
	}
	sshVals["insecure_ignore_host_key"] = tftypes.NewValue(tftypes.Bool, true)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	vals["ssh"] = tftypes.NewValue(sshType, sshVals)
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: &dv})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			t.Fatalf("configure failed: %s: %s", d.Summary, d.Detail)
		}
		found = found || (d.Severity == tfprotov6.DiagnosticSeverityWarning && d.Summary == "Host Keys Are Not Verified")
	}
	if !found {
		t.Fatalf("insecure_ignore_host_key = true gave no warning: %v", resp.Diagnostics)
	}
}

// TestAccProviderBastionAndSudo reaches the target through a bastion, as the unprivileged
// deploy user with sudo = true, writes a root-owned file (ntopng_tls_cert) and proves the hop
// in both sshd logs.
func TestAccProviderBastionAndSudo(t *testing.T) {
	target := testhost.StartSSHD(t, testhost.Options{})
	jump := testhost.StartSSHD(t, testhost.Options{})
	certDir := filepath.Join(testhost.TempDir(t), "ssl")
	if err := os.Mkdir(certDir, 0o700); err != nil { // root only: deploy cannot write here without sudo
		t.Fatal(err)
	}
	certPath := filepath.Join(certDir, "ntopng-cert.pem")
	certPEM, keyPEM := selfSignedPEM(t, "probe.test")
	cfg := sshProviderBlock(fmt.Sprintf(`    user        = "deploy"
    port        = %d
    private_key = %s
    host_key    = %s
    sudo        = true
    bastion {
      host        = "127.0.0.1"
      port        = %d
      user        = "root"
      private_key = %s
      host_key    = %s
    }`, target.Port, hcl(target.Deploy.PrivateKey), hcl(target.HostKey), jump.Port, hcl(jump.Root.PrivateKey), hcl(jump.HostKey))) + hostRead +
		loginCertHCL(certPath, certPEM, keyPEM)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.ntopng_host.h", tfjsonpath.New("host_key_fingerprint"), knownvalue.StringExact(target.HostKeyFingerprint)),
			},
		}},
	})
	if got := readFile(t, certPath); got != keyPEM+certPEM {
		t.Fatalf("the certificate file written through sudo is not key then leaf:\n%s", got)
	}
	fi, err := os.Stat(certPath)
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != 0 || st.Gid != 0 || fi.Mode().Perm() != 0o640 {
		t.Fatalf("certificate file is %d:%d %v, want root:root 0640", st.Uid, st.Gid, fi.Mode().Perm())
	}
	if jump.AcceptedLogins() == 0 {
		t.Fatal("the bastion's sshd logged no login: the target was not reached through it")
	}
	log, err := os.ReadFile(target.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "Accepted publickey for deploy from 127.0.0.1") {
		t.Fatalf("the target's sshd shows no login of deploy:\n%s", log)
	}
}

// TestAccProviderSudoPasswordFailsClearly: a sudo that wants a password is an error saying so.
func TestAccProviderSudoPasswordFailsClearly(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	cfg := sshProviderBlock(fmt.Sprintf("    user = \"asker\"\n    port = %d\n    private_key = %s\n    host_key = %s\n    sudo = true",
		s.Port, hcl(s.Asker.PrivateKey), hcl(s.HostKey))) + hostRead
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config:      cfg,
			ExpectError: regexp.MustCompile(`(?s)sudo.*requires\s+a\s+password`),
		}},
	})
}

// TestAccProviderOnePlanOneLogin: one real `terraform plan` (one provider process) with three
// ntopng_host data sources on one host authenticates exactly once.
func TestAccProviderOnePlanOneLogin(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	s := testhost.StartSSHD(t, testhost.Options{})
	dir := testhost.TempDir(t)
	p := bench.BuildProvider(t, filepath.Join(dir, "provider"), testhost.TerraformPath(t))
	work := filepath.Join(dir, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	var cfg strings.Builder
	cfg.WriteString(`terraform {
  required_providers {
    ntopng = { source = "hardenops/ntopng" }
  }
}
`)
	cfg.WriteString(providerConfig(s, s.Root))
	for _, n := range []string{"a", "b", "c"} {
		fmt.Fprintf(&cfg, "data \"ntopng_host\" %q {\n  host = \"127.0.0.1\"\n}\n", n)
	}
	if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	before := s.AcceptedLogins()
	cmd := exec.Command(p.Terraform, "plan", "-input=false", "-no-color")
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+p.CLIConfig, "CHECKPOINT_DISABLE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("terraform plan: %v\n%s", err, out)
	}
	if got := s.AcceptedLogins() - before; got != 1 {
		t.Fatalf("one plan reading three ntopng_host data sources made %d SSH logins, want exactly 1", got)
	}
	if n := strings.Count(string(out), "Reading..."); n != 3 {
		t.Fatalf("want 3 data sources read, saw %d:\n%s", n, out)
	}
}

// loginCertHCL is the ntopng_tls_cert the login tests write through each way of logging in
// (a bastion, sudo with a password): a file only root's group may read, nothing restarted.
func loginCertHCL(certPath, certPEM, keyPEM string) string {
	return fmt.Sprintf(`
resource "ntopng_tls_cert" "web" {
  host               = "127.0.0.1"
  path               = %q
  group              = "root"
  certificate_pem    = %s
  private_key_pem_wo = %s
  restart_command    = "true"
}
`, certPath, hcl(certPEM), hcl(keyPEM))
}
