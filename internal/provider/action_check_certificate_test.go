package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestAccTerraformNewestCheckCertificate: ntopng_check_certificate through the newest Terraform
// (`terraform apply -invoke`), against the ntopng stand-in serving HTTPS from its certificate
// file. It passes when the served certificate is the file's; after a renewal written to the
// file without a restart it fails naming both fingerprints; after the restart it passes again;
// with a min_days_remaining beyond the certificate's validity it fails naming the expiry.
func TestAccTerraformNewestCheckCertificate(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	newestCLI(t)
	preCheck(t)
	st := startTLSStand(t)
	certA, keyA := selfSignedPEM(t, "probe-a.test")
	certB, keyB := selfSignedPEM(t, "probe-b.test")
	writeHostFile(t, st.certPath, keyA+certA)
	restartStandin(t, st.n)

	w := &tfWork{t: t, tf: testhost.TerraformPath(t), dir: t.TempDir()}
	w.env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+devOverrides(t, ""), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	config := func(minDays int) {
		writeHostFile(t, filepath.Join(w.dir, "main.tf"), `terraform {
  required_providers {
    ntopng = { source = "hardenops/ntopng" }
  }
}
`+providerConfig(st.s, st.s.Root)+fmt.Sprintf(`
action "ntopng_check_certificate" "web" {
  config {
    host               = "127.0.0.1"
    endpoint           = %q
    path               = %q
    timeout            = "3s"
    min_days_remaining = %d
  }
}
`, st.endpoint, st.certPath, minDays))
	}
	invoke := func(want int, contains ...string) {
		t.Helper()
		out, code := w.run("apply", "-auto-approve", "-input=false", "-invoke=action.ntopng_check_certificate.web")
		if code != want {
			t.Fatalf("terraform apply -invoke exited %d, want %d:\n%s", code, want, out)
		}
		flat := strings.Join(strings.Fields(out), " ")
		for _, c := range contains {
			if !strings.Contains(flat, c) {
				t.Errorf("terraform apply -invoke does not say %q:\n%s", c, out)
			}
		}
	}
	config(30)
	invoke(0, fingerprint(t, certA))

	// Renewed in the file, ntopng not restarted: still serves A.
	writeHostFile(t, st.certPath, keyB+certB)
	invoke(1, "ntopng Does Not Serve the Certificate in Its File", fingerprint(t, certB), fingerprint(t, certA))

	restartStandin(t, st.n)
	invoke(0, fingerprint(t, certB))

	config(400) // the test certificates are valid for a year
	invoke(1, "Served Certificate Expires Soon", "fewer than min_days_remaining = 400")
}
