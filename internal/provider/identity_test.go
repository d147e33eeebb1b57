package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/config"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
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
	importByIdentity := func(addr string) tfresource.TestStep {
		return tfresource.TestStep{ResourceName: addr, ImportState: true, ImportStateKind: tfresource.ImportBlockWithResourceIdentity,
			Config: cfg, ConfigVariables: vars}
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
