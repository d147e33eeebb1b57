package provider

import (
	"errors"
	"io/fs"
	"os"
	"testing"
)

// TestMain drops a TF_CLI_CONFIG_FILE that names a missing file (some machines set it for a
// file they never write): OpenTofu 1.12 then prints a warning into `tofu version -json`, which
// terraform-exec cannot parse, and neither CLI reads anything from it anyway. Tests that need a
// CLI configuration write their own.
func TestMain(m *testing.M) {
	if p := os.Getenv("TF_CLI_CONFIG_FILE"); p != "" {
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			os.Unsetenv("TF_CLI_CONFIG_FILE")
		}
	}
	os.Exit(m.Run())
}
