package provider

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestQuickstart (TF_ACC=1) checks examples/quickstart, which make demo applies to the sandbox
// host: `terraform fmt -check` is clean, `bash -n` accepts demo.sh, and `terraform validate`
// passes against the provider built from this module through dev_overrides with no other
// installation method, so the quickstart needs no provider download (its ephemeral variables
// feeding write-only attributes are accepted too). The only diagnostic allowed is
// Terraform's dev_overrides warning.
func TestQuickstart(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 to run terraform on examples/quickstart")
	}
	tf := testhost.TerraformPath(t)
	dir := filepath.Join(testhost.ModuleRoot(t), "examples", "quickstart")

	if out, err := exec.Command("bash", "-n", filepath.Join(dir, "demo.sh")).CombinedOutput(); err != nil {
		t.Errorf("bash -n demo.sh: %v\n%s", err, out)
	}
	rc := devOverrides(t, "")
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1")

	fmtCmd := exec.Command(tf, "fmt", "-check", "-list=true", "-no-color", dir)
	fmtCmd.Env = env
	if fmtOut, err := fmtCmd.Output(); err != nil || len(fmtOut) != 0 {
		t.Errorf("terraform fmt -check examples/quickstart: %v; files to reformat:\n%s", err, fmtOut)
	}

	cmd := exec.Command(tf, "validate", "-json", "-no-color")
	cmd.Dir = copyExample(t, dir)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var res struct {
		Valid       bool `json:"valid"`
		Diagnostics []struct {
			Severity string `json:"severity"`
			Summary  string `json:"summary"`
			Detail   string `json:"detail"`
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("terraform validate printed no JSON (%v, %v):\n%s\n%s", runErr, err, stdout.String(), stderr.String())
	}
	if !res.Valid || runErr != nil {
		t.Errorf("terraform validate examples/quickstart: valid = %v, exit %v", res.Valid, runErr)
	}
	for _, d := range res.Diagnostics {
		if d.Summary != "Provider development overrides are in effect" {
			t.Errorf("terraform validate examples/quickstart: unexpected %s %q: %s", d.Severity, d.Summary, d.Detail)
		}
	}
}
