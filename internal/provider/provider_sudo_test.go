package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestAccProviderSudoWithPassword: asker's sudo asks for a password. With sudo_password the
// provider writes a root-only file as root; a wrong password is a clear error naming the
// host; sudo_password without sudo is refused at plan time. The password is in no process's
// command line (sampled during the runs), no TRACE log and no state.
func TestAccProviderSudoWithPassword(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	dir := testhost.TempDir(t)
	certDir := filepath.Join(dir, "ssl")
	if err := os.Mkdir(certDir, 0o700); err != nil { // root only: asker cannot write here without sudo
		t.Fatal(err)
	}
	certPath := filepath.Join(certDir, "ntopng-cert.pem")
	certPEM, keyPEM := selfSignedPEM(t, "probe.test")
	logPath := filepath.Join(dir, "terraform.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logPath)

	// The password comes in through a sensitive variable, as operators pass it, so that the
	// configuration text (which the test log may show) does not hold it.
	cfg := func(sudo bool) string {
		return `
variable "sudo_pw" {
  type      = string
  sensitive = true
}
` + providerConfig(s, s.Asker, fmt.Sprintf("    sudo = %t\n    sudo_password = var.sudo_pw", sudo)) + loginCertHCL(certPath, certPEM, keyPEM)
	}
	password := s.Asker.Password
	right := config.Variables{"sudo_pw": config.StringVariable(password)}
	wrong := config.Variables{"sudo_pw": config.StringVariable("Wr0ng" + password)}
	w := testhost.WatchCmdlines(nil, map[string]string{"the sudo password": password})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config:          cfg(false),
				ConfigVariables: right,
				ExpectError:     regexp.MustCompile(`sudo_password is set but sudo is not true`),
			},
			{
				Config:          cfg(true),
				ConfigVariables: wrong,
				ExpectError:     regexp.MustCompile(`(?s)sudo on 127\.0\.0\.1 did not accept\s+sudo_password for asker`),
			},
			{
				Config:          cfg(true),
				ConfigVariables: right,
				Check: func(st *terraform.State) error {
					if strings.Contains(fmt.Sprintf("%#v", st), password) {
						return fmt.Errorf("the sudo password is in the state")
					}
					return nil
				},
			},
			{ // a plan right after: nothing to do, and the read went through sudo too
				Config:             cfg(true),
				ConfigVariables:    right,
				PlanOnly:           true,
				ExpectNonEmptyPlan: false,
			},
		},
	})
	samples, hits := w.Stop()
	if samples < 10 || len(hits) > 0 {
		t.Errorf("process command lines sampled %d times; holding the sudo password: %q", samples, hits)
	}
	if got := readFile(t, certPath); got != keyPEM+certPEM {
		t.Fatalf("the certificate file written through sudo with a password is not key then leaf:\n%s", got)
	}
	fi, err := os.Stat(certPath)
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != 0 || st.Gid != 0 {
		t.Fatalf("certificate file is %d:%d, want root:root", st.Uid, st.Gid)
	}
	log := readFile(t, logPath)
	if !strings.Contains(log, "ssh exec") && !strings.Contains(log, "ssh sftp open") {
		t.Fatalf("the TRACE log %s has no SSH lines: the check below would prove nothing", logPath)
	}
	if strings.Contains(log, password) {
		t.Fatal("the sudo password is in the TRACE log")
	}
}
