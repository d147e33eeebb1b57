package provider

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/config"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// newestCLI points the test at the newest Terraform (make test builds it and sets
// NTOPNG_TEST_TERRAFORM_NEWEST): identity needs 1.12, list resources and `terraform query`
// 1.14. OpenTofu has neither yet, so these tests run on Terraform only.
func newestCLI(t *testing.T) { otherCLI(t, "NTOPNG_TEST_TERRAFORM_NEWEST") }

// TestIdentityTargets: the identity and the import ID name the same thing through one reader
// (identityShape.target); the identity's optional attributes take the resource's defaults, and
// bad values are errors naming the attribute.
func TestIdentityTargets(t *testing.T) {
	ctx := context.Background()
	ident := func(s identityShape, vals map[string]tftypes.Value) *tfsdk.ResourceIdentity {
		var resp resource.IdentitySchemaResponse
		resp.IdentitySchema = s.schema()
		typ := resp.IdentitySchema.Type().TerraformType(ctx)
		obj := map[string]tftypes.Value{}
		for name, at := range typ.(tftypes.Object).AttributeTypes {
			obj[name] = tftypes.NewValue(at, nil)
			if v, ok := vals[name]; ok {
				obj[name] = v
			}
		}
		return &tfsdk.ResourceIdentity{Schema: resp.IdentitySchema, Raw: tftypes.NewValue(typ, obj)}
	}
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	cases := []struct {
		name    string
		shape   identityShape
		req     resource.ImportStateRequest
		want    string // the target as an import ID, "" for an error
		wantErr string
	}{
		{"instance by ID", instanceIdentity, resource.ImportStateRequest{ID: "probe-1:2222:/etc/ntopng/ntopng.conf"}, "probe-1:2222:/etc/ntopng/ntopng.conf", ""},
		{"instance by identity, default path", instanceIdentity, resource.ImportStateRequest{Identity: ident(instanceIdentity, map[string]tftypes.Value{"host": str("probe-1")})}, "probe-1:/etc/ntopng/ntopng.conf", ""},
		{"cert by identity with port", tlsCertIdentity, resource.ImportStateRequest{Identity: ident(tlsCertIdentity, map[string]tftypes.Value{
			"host": str("2001:db8::10"), "ssh_port": tftypes.NewValue(tftypes.Number, 2222), "path": str("/srv/ssl/ntopng-cert.pem")})}, "[2001:db8::10]:2222:/srv/ssl/ntopng-cert.pem", ""},
		{"redis by identity needs the path", redisIdentity, resource.ImportStateRequest{Identity: ident(redisIdentity, map[string]tftypes.Value{"host": str("probe-1")})}, "", "config_path"},
		{"user by ID", userIdentity, resource.ImportStateRequest{ID: "probe-1:admin"}, "probe-1:/etc/ntopng/ntopng.conf:admin", ""},
		{"user by identity", userIdentity, resource.ImportStateRequest{Identity: ident(userIdentity, map[string]tftypes.Value{
			"host": str("probe-1"), "config_path": str("/etc/ntopng/ntopng-eth1.conf"), "username": str("ops")})}, "probe-1:/etc/ntopng/ntopng-eth1.conf:ops", ""},
		{"bad host", instanceIdentity, resource.ImportStateRequest{Identity: ident(instanceIdentity, map[string]tftypes.Value{"host": str("-oProxyCommand=x")})}, "", "host"},
		{"bad user", userIdentity, resource.ImportStateRequest{Identity: ident(userIdentity, map[string]tftypes.Value{"host": str("p"), "username": str("a b")})}, "", "username"},
		{"bad port", instanceIdentity, resource.ImportStateRequest{Identity: ident(instanceIdentity, map[string]tftypes.Value{
			"host": str("p"), "ssh_port": tftypes.NewValue(tftypes.Number, 70000)})}, "", "ssh_port"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, diags := c.shape.target(ctx, c.req)
			if c.want == "" {
				if !diags.HasError() || !strings.Contains(diagsText(diags), c.wantErr) {
					t.Fatalf("want an error naming %q, got %v", c.wantErr, diags)
				}
				return
			}
			if diags.HasError() {
				t.Fatalf("unexpected error: %v", diags)
			}
			if s := got.display(c.shape); s != c.want {
				t.Errorf("target %q, want %q", s, c.want)
			}
		})
	}
}

// TestAccTerraformNewestIdentity: through the newest Terraform, every resource of the
// quickstart's shape has its identity in the state after apply (host, ssh_port and the path or
// name), and each is imported again by an import block with that identity, with no change.
func TestAccTerraformNewestIdentity(t *testing.T) {
	newestCLI(t)
	f := newStackFixture(t)
	cfg := f.config(true)
	vars := config.Variables{"pw": config.StringVariable(redisPwA), "key": config.StringVariable(f.keyPEM),
		"webpw": config.StringVariable(webPwA)}
	host := knownvalue.StringExact("127.0.0.1")
	// What is not on the host takes its default on import (as with the import ID, see
	// testStack): the configuration's other values are an in-place update, nothing else.
	common := []string{"restart_command", "verify_timeout", "on_destroy"}
	notOnHost := map[string][]string{
		"ntopng_redis.cache":    append(common, "requirepass", "requirepass_wo_version"),
		"ntopng_tls_cert.web":   append(common, "private_key_pem", "private_key_pem_wo_version", "verify_endpoint"),
		"ntopng_instance.probe": append(common, "redis_password", "redis_password_wo_version"),
		"ntopng_user.admin":     {"password", "password_wo_version"},
	}
	importByIdentity := func(addr string) tfresource.TestStep {
		return tfresource.TestStep{ResourceName: addr, ImportState: true, ImportStateKind: tfresource.ImportBlockWithResourceIdentity,
			Config: cfg, ConfigVariables: vars, ExpectNonEmptyPlan: true,
			ImportPlanChecks: tfresource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{expectImportUpdate{addr, notOnHost[addr]}}}}
	}
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []tfresource.TestStep{
			{
				Config: cfg, ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity("ntopng_redis.cache", map[string]knownvalue.Check{
						"host": host, "ssh_port": knownvalue.Null(), "config_path": knownvalue.StringExact(f.r.ConfPath)}),
					statecheck.ExpectIdentity("ntopng_tls_cert.web", map[string]knownvalue.Check{
						"host": host, "ssh_port": knownvalue.Null(), "path": knownvalue.StringExact(f.certPath())}),
					statecheck.ExpectIdentity("ntopng_instance.probe", map[string]knownvalue.Check{
						"host": host, "ssh_port": knownvalue.Null(), "config_path": knownvalue.StringExact(f.n.ConfPath)}),
					statecheck.ExpectIdentity("ntopng_user.admin", map[string]knownvalue.Check{
						"host": host, "ssh_port": knownvalue.Null(), "config_path": knownvalue.StringExact(f.n.ConfPath),
						"username": knownvalue.StringExact("admin")}),
				},
			},
			importByIdentity("ntopng_redis.cache"),
			importByIdentity("ntopng_tls_cert.web"),
			importByIdentity("ntopng_instance.probe"),
			importByIdentity("ntopng_user.admin"),
		},
	})
}

// expectImportUpdate: the plan imports addr and at most updates it in place, changing no known
// value but those in notOnHost (a read-back the update reads again is unknown, and allowed).
type expectImportUpdate struct {
	addr      string
	notOnHost []string
}

func (e expectImportUpdate) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != e.addr {
			continue
		}
		if rc.Change.Importing == nil || !(rc.Change.Actions.NoOp() || rc.Change.Actions.Update()) {
			resp.Error = fmt.Errorf("%s: %v (importing %v), want an import and at most an in-place update", e.addr, rc.Change.Actions, rc.Change.Importing != nil)
			return
		}
		before, _ := rc.Change.Before.(map[string]any)
		after, _ := rc.Change.After.(map[string]any)
		var bad []string
		for k, v := range after {
			if fmt.Sprint(before[k]) != fmt.Sprint(v) && !slices.Contains(e.notOnHost, k) {
				bad = append(bad, fmt.Sprintf("%s: %v -> %v", k, before[k], v))
			}
		}
		if len(bad) > 0 {
			resp.Error = fmt.Errorf("importing %s by identity changes what the host holds: %v", e.addr, bad)
		}
		return
	}
	resp.Error = fmt.Errorf("the plan has no change for %s", e.addr)
}

// importByIdentityFile is each resource's example of an import block by identity (tfplugindocs
// puts it on the resource's page); Terraform before 1.12 cannot read it, so copyExample leaves
// it out unless withIdentityExamples is set.
const (
	importByIdentityFile = "import-by-identity.tf"
	withIdentityExamples = "NTOPNG_TEST_IDENTITY_EXAMPLES"
	// newestOnlyExamples holds the actions' examples (Terraform 1.14 and later).
	newestOnlyExamples = "examples/actions/"
)

// TestAccTerraformNewestExamples: the examples only the newest Terraform reads pass its
// `terraform validate -query`: each resource's import block by identity (with its resource
// example), examples/query with its .tfquery.hcl, and the actions' examples.
func TestAccTerraformNewestExamples(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 to run terraform on the examples")
	}
	newestCLI(t)
	t.Setenv(withIdentityExamples, "1")
	tf := testhost.TerraformPath(t)
	root := testhost.ModuleRoot(t)
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+devOverrides(t, "  direct {}\n"), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	dirs, _ := filepath.Glob(filepath.Join(root, "examples", "resources", "ntopng_*"))
	actions, _ := filepath.Glob(filepath.Join(root, newestOnlyExamples, "ntopng_*"))
	if len(actions) == 0 {
		t.Fatalf("no %s* folder", newestOnlyExamples)
	}
	for _, dir := range append(dirs, filepath.Join(root, "examples", "query")) {
		if _, err := os.Stat(filepath.Join(dir, importByIdentityFile)); err != nil && filepath.Base(dir) != "query" {
			t.Errorf("%s has no %s", dir, importByIdentityFile)
			continue
		}
		work := copyExample(t, dir)
		// One import block per resource: the one by ID is TestExamplesTerraform's.
		if err := os.Remove(filepath.Join(work, "import-by-string-id.tf")); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		validateNewest(t, tf, env, dir, work)
	}
	for _, dir := range actions {
		validateNewest(t, tf, env, dir, copyExample(t, dir))
	}
}

// validateNewest runs the newest Terraform's `validate -query` in work, a copy of dir.
func validateNewest(t *testing.T, tf string, env []string, dir, work string) {
	t.Helper()
	cmd := exec.Command(tf, "validate", "-query", "-no-color")
	cmd.Dir, cmd.Env = work, env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("terraform validate -query of %s: %v\n%s", dir, err, out)
	}
}
