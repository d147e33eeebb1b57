package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestExamplesCoverEveryType checks that every resource and data source has the example files
// tfplugindocs puts in its page: examples/resources/<type>/resource.tf and import.sh, and
// examples/data-sources/<type>/data-source.tf.
func TestExamplesCoverEveryType(t *testing.T) {
	root := testhost.ModuleRoot(t)
	p := New("test")()
	ctx := context.Background()
	var want []string
	for _, f := range p.Resources(ctx) {
		var resp resource.MetadataResponse
		f().Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "ntopng"}, &resp)
		want = append(want,
			filepath.Join("examples", "resources", resp.TypeName, "resource.tf"),
			filepath.Join("examples", "resources", resp.TypeName, "import.sh"))
	}
	for _, f := range p.DataSources(ctx) {
		var resp datasource.MetadataResponse
		f().Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "ntopng"}, &resp)
		want = append(want, filepath.Join("examples", "data-sources", resp.TypeName, "data-source.tf"))
	}
	want = append(want, filepath.Join("examples", "provider", "provider.tf"))
	if len(want) < 5 {
		t.Fatalf("expected at least 3 resources and 1 data source, found example paths %v", want)
	}
	for _, rel := range want {
		if _, err := os.Stat(filepath.Join(root, rel)); err != nil {
			t.Errorf("missing example %s: tfplugindocs would render a page without it (%v)", rel, err)
		}
	}
}

// TestExamplesImportScripts checks that each import.sh is valid POSIX shell (`sh -n`) and
// imports the resource type of its folder.
func TestExamplesImportScripts(t *testing.T) {
	root := testhost.ModuleRoot(t)
	scripts, err := filepath.Glob(filepath.Join(root, "examples", "resources", "*", "import.sh"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no examples/resources/*/import.sh found (%v)", err)
	}
	for _, s := range scripts {
		typ := filepath.Base(filepath.Dir(s))
		if out, err := exec.Command("sh", "-n", s).CombinedOutput(); err != nil {
			t.Errorf("%s is not valid shell: %v\n%s", s, err, out)
		}
		b, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "terraform import "+typ+".") {
			t.Errorf("%s does not run `terraform import %s.<name> <id>`:\n%s", s, typ, b)
		}
	}
}

// TestExamplesTerraform (TF_ACC=1) runs the real terraform on every example: each .tf file is
// `terraform fmt -check` clean, and each example folder passes `terraform validate` against the
// provider built from this module, installed through dev_overrides (nothing is downloaded).
func TestExamplesTerraform(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 to run terraform on the examples")
	}
	tf := testhost.TerraformPath(t)
	root := testhost.ModuleRoot(t)
	examples := filepath.Join(root, "examples")

	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+devOverrides(t, "  direct {}\n"), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")

	// fmt: -check writes nothing; -list prints the files that would change.
	fmtCmd := exec.Command(tf, "fmt", "-check", "-recursive", "-list=true", "-no-color", examples)
	fmtCmd.Env = env
	var fmtOut, fmtErr bytes.Buffer
	fmtCmd.Stdout, fmtCmd.Stderr = &fmtOut, &fmtErr
	if err := fmtCmd.Run(); err != nil || fmtOut.Len() != 0 {
		t.Errorf("terraform fmt -check examples/ failed (%v); run `terraform fmt -recursive examples/`. Files:\n%s%s", err, fmtOut.String(), fmtErr.String())
	}

	// The README's HCL blocks too: operators copy them.
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```hcl\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) == 0 {
		t.Error("README.md has no ```hcl block: the minimal real-host example is missing")
	}
	for i, b := range blocks {
		cmd := exec.Command(tf, "fmt", "-check", "-no-color", "-")
		cmd.Env, cmd.Stdin = env, strings.NewReader(b[1])
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("README.md hcl block %d is not terraform fmt clean (%v):\n%s%s", i+1, err, b[1], out)
		}
	}

	dirs := exampleDirs(t, examples)
	if len(dirs) < 3 {
		t.Fatalf("found only %d example folders under %s: %v", len(dirs), examples, dirs)
	}

	for _, dir := range dirs {
		rel, _ := filepath.Rel(root, dir)
		if strings.HasPrefix(filepath.ToSlash(rel), newestOnlyExamples) {
			continue // TestAccTerraformNewestExamples
		}
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			work := copyExample(t, dir)
			cmd := exec.Command(tf, "validate", "-json", "-no-color")
			cmd.Dir = work
			cmd.Env = env
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			runErr := cmd.Run()
			var res struct {
				Valid       bool `json:"valid"`
				ErrorCount  int  `json:"error_count"`
				Diagnostics []struct {
					Severity string `json:"severity"`
					Summary  string `json:"summary"`
					Detail   string `json:"detail"`
				} `json:"diagnostics"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
				t.Fatalf("terraform validate in %s printed no JSON result (%v, %v):\n%s\n%s", rel, runErr, err, stdout.String(), stderr.String())
			}
			if !res.Valid || res.ErrorCount != 0 || runErr != nil {
				var msgs []string
				for _, d := range res.Diagnostics {
					msgs = append(msgs, d.Severity+": "+d.Summary+": "+d.Detail)
				}
				t.Errorf("terraform validate of %s: valid=%v, %d errors, exit %v:\n%s", rel, res.Valid, res.ErrorCount, runErr, strings.Join(msgs, "\n"))
			}
		})
	}
}

// exampleDirs lists the folders under examples that hold .tf files, sorted.
func exampleDirs(t *testing.T, examples string) []string {
	t.Helper()
	seen := map[string]bool{}
	err := filepath.WalkDir(examples, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != examples {
			return filepath.SkipDir // .terraform left by a manual run
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".tf") {
			seen[filepath.Dir(p)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatalf("cannot list %s: %v", examples, err)
	}
	var dirs []string
	for d := range seen {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	return dirs
}

// copyExample copies the regular files of dir into a temporary folder, so that terraform
// leaves nothing in the tree, and adds the provider's source address when the example does
// not declare it (documentation snippets leave out the terraform block; without it terraform
// would look for hashicorp/ntopng).
func copyExample(t *testing.T, dir string) string {
	t.Helper()
	work := t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	declared := false
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(e.Name(), "terraform.tfstate") {
			continue
		}
		if e.Name() == importByIdentityFile && os.Getenv(withIdentityExamples) == "" {
			continue // Terraform >= 1.12: TestAccTerraformNewestExamples validates it
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(e.Name(), ".tf") && strings.Contains(string(b), `"hardenops/ntopng"`) {
			declared = true
		}
		if err := os.WriteFile(filepath.Join(work, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !declared {
		src := "terraform {\n  required_providers {\n    ntopng = {\n      source = \"hardenops/ntopng\"\n    }\n  }\n}\n"
		if err := os.WriteFile(filepath.Join(work, "zz_examples_test_provider.tf"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return work
}

// devOverrides builds the provider from this checkout into a temporary folder and returns a
// Terraform CLI configuration file whose dev_overrides point hardenops/ntopng at it (extra:
// more lines for provider_installation), for tests that run the terraform CLI themselves.
func devOverrides(t *testing.T, extra string) string {
	t.Helper()
	plugins := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(plugins, "terraform-provider-ntopng"), ".")
	build.Dir = testhost.ModuleRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build of the provider: %v\n%s", err, out)
	}
	rc := filepath.Join(t.TempDir(), "terraformrc")
	cfg := "provider_installation {\n  dev_overrides {\n    \"hardenops/ntopng\" = \"" + plugins + "\"\n  }\n" + extra + "}\n"
	if err := os.WriteFile(rc, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return rc
}
