package provider

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccChecksRunAgainAtApply: a value that validation refuses, made unknown at plan time
// (it comes from another resource's output), is refused at apply before anything is written:
// before, a world-readable mode was written as given and an unparseable one became 0000.
func TestAccChecksRunAgainAtApply(t *testing.T) {
	st := startTLSStand(t)
	pki := newTestPKI(t)
	cert, key := pki.leaf(t, leafOpts{})
	before, beforeErr := os.ReadFile(st.certPath)
	f := startRedisFixture(t)
	confBefore := f.conf(t)

	later := func(v string) string {
		return fmt.Sprintf("resource \"terraform_data\" \"later\" {\n  input = %s\n}\n", hcl(v))
	}
	tlsCfg := func(mode string) string {
		return later(mode) + tlsCertHCL(st, cert, "", "mode = terraform_data.later.output")
	}
	redisCfg := later("run/redis.sock") + providerConfig(f.s, f.s.Root) + fmt.Sprintf(`
variable "pw" {
  type      = string
  ephemeral = true
}
resource "ntopng_redis" "test" {
  host            = "127.0.0.1"
  config_path     = %s
  unixsocket      = terraform_data.later.output
  restart_command = %s
  requirepass_wo  = var.pw
}
`, hcl(f.r.ConfPath), hcl(f.r.RestartScript))
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []tfresource.TestStep{
			{Config: tlsCfg("0644"), ConfigVariables: keyVar(key), ExpectError: regexp.MustCompile(`(?s)Certificate File Readable by Everyone.*mode = "0644"`)},
			{Config: tlsCfg("rw-r-----"), ConfigVariables: keyVar(key), ExpectError: regexp.MustCompile(`(?s)Attribute mode`)},
			{Config: redisCfg, ConfigVariables: redisVars(redisPwA), ExpectError: regexp.MustCompile(`(?s)Invalid unixsocket.*run/redis.sock`)},
		},
	})
	after, afterErr := os.ReadFile(st.certPath)
	if string(after) != string(before) || (beforeErr == nil) != (afterErr == nil) {
		t.Errorf("%s changed although apply refused the mode", st.certPath)
	}
	if f.conf(t) != confBefore {
		t.Errorf("redis.conf changed although apply refused unixsocket")
	}
}

// TestSchemaWalkKnowsEveryKind walks every attribute and block (nested ones too) of every
// resource and data source schema of the provider with the apply-time check's own walk
// (valueCheckOf, nestedOf): an attribute whose kind the walk does not handle would have its
// validators refused at apply, so it fails here first, naming the attribute.
func TestSchemaWalkKnowsEveryKind(t *testing.T) {
	ctx := context.Background()
	visited := 0
	var walk func(where string, nodes map[string]any)
	walk = func(where string, nodes map[string]any) {
		for name, a := range nodes {
			visited++
			if valueCheckOf(a) == nil {
				t.Errorf("%s.%s: the apply-time check does not handle %T; add it to valueCheckOf and nestedOf", where, name, a)
				continue
			}
			n := nestedOf(a)
			walk(where+"."+name, n.attrs)
			walk(where+"."+name, n.blocks)
		}
	}
	for _, sc := range providerSchemas(ctx) {
		walk(sc.typeName, sc.attrs)
		walk(sc.typeName, sc.blocks)
	}
	if visited < 100 {
		t.Errorf("visited %d attributes and blocks; the provider has more than 100", visited)
	}
	// An unknown kind is refused loudly at apply, naming the attribute.
	diags := runValidators(ctx, tfsdk.Config{}, path.Root("odd"), struct{}{})
	if !diags.HasError() || !strings.Contains(diags[0].Detail(), "struct {}") {
		t.Errorf("an unknown kind gave %v, want an error naming it", diags)
	}
}

// typeSchema is one resource or data source type's schema, its attributes and blocks of
// either schema package as any.
type typeSchema struct {
	typeName      string
	attrs, blocks map[string]any
}

// providerSchemas is the schema of every resource and data source type of the provider
// (data sources named data.ntopng_X).
func providerSchemas(ctx context.Context) (all []typeSchema) {
	p := New("test")()
	for _, newR := range p.Resources(ctx) {
		var md resource.MetadataResponse
		var sr resource.SchemaResponse
		newR().Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "ntopng"}, &md)
		newR().Schema(ctx, resource.SchemaRequest{}, &sr)
		all = append(all, typeSchema{md.TypeName, anyMap(sr.Schema.Attributes), anyMap(sr.Schema.Blocks)})
	}
	for _, newD := range p.DataSources(ctx) {
		var md datasource.MetadataResponse
		var sr datasource.SchemaResponse
		newD().Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "ntopng"}, &md)
		newD().Schema(ctx, datasource.SchemaRequest{}, &sr)
		all = append(all, typeSchema{"data." + md.TypeName, anyMap(sr.Schema.Attributes), anyMap(sr.Schema.Blocks)})
	}
	return all
}

// walkResource is a resource with only a schema, for TestCheckAtApplyNested.
type walkResource struct{ s schema.Schema }

func (r walkResource) Metadata(context.Context, resource.MetadataRequest, *resource.MetadataResponse) {
}
func (r walkResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = r.s
}
func (r walkResource) Create(context.Context, resource.CreateRequest, *resource.CreateResponse) {}
func (r walkResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse)       {}
func (r walkResource) Update(context.Context, resource.UpdateRequest, *resource.UpdateResponse) {}
func (r walkResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// TestCheckAtApplyNested: the kinds the provider does not use yet (a set, a float, a list of
// nested objects, nested blocks) have their validators run at apply too, element by element,
// each error at its attribute's path; null and unknown values are not checked.
func TestCheckAtApplyNested(t *testing.T) {
	ctx := context.Background()
	noBad := []validator.String{stringvalidator.NoneOf("bad")}
	s := schema.Schema{
		Attributes: map[string]schema.Attribute{
			"names": schema.SetAttribute{ElementType: types.StringType, Optional: true,
				Validators: []validator.Set{setvalidator.SizeAtMost(1)}},
			"ratio": schema.Float64Attribute{Optional: true, Validators: []validator.Float64{float64validator.AtMost(1)}},
			"later": schema.Float64Attribute{Optional: true, Validators: []validator.Float64{float64validator.AtMost(1)}},
			"rules": schema.ListNestedAttribute{Optional: true, NestedObject: schema.NestedAttributeObject{
				Attributes: map[string]schema.Attribute{"name": schema.StringAttribute{Optional: true, Validators: noBad}},
			}},
		},
		Blocks: map[string]schema.Block{
			"outer": schema.SingleNestedBlock{
				Attributes: map[string]schema.Attribute{"name": schema.StringAttribute{Optional: true, Validators: noBad}},
				Blocks: map[string]schema.Block{"inner": schema.ListNestedBlock{NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{"name": schema.StringAttribute{Optional: true, Validators: noBad}},
				}}},
			},
		},
	}
	typ := s.Type().TerraformType(ctx).(tftypes.Object)
	obj := func(name string) tftypes.Value {
		return tftypes.NewValue(tftypes.Object{AttributeTypes: map[string]tftypes.Type{"name": tftypes.String}},
			map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, name)})
	}
	ruleType := typ.AttributeTypes["rules"].(tftypes.List)
	innerType := typ.AttributeTypes["outer"].(tftypes.Object).AttributeTypes["inner"].(tftypes.List)
	raw := tftypes.NewValue(typ, map[string]tftypes.Value{
		"names": tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, []tftypes.Value{
			tftypes.NewValue(tftypes.String, "a"), tftypes.NewValue(tftypes.String, "b")}),
		"ratio": tftypes.NewValue(tftypes.Number, big.NewFloat(2)),
		"later": tftypes.NewValue(tftypes.Number, tftypes.UnknownValue),
		"rules": tftypes.NewValue(ruleType, []tftypes.Value{obj("good"), obj("bad")}),
		"outer": tftypes.NewValue(typ.AttributeTypes["outer"], map[string]tftypes.Value{
			"name":  tftypes.NewValue(tftypes.String, "bad"),
			"inner": tftypes.NewValue(innerType, []tftypes.Value{obj("bad"), obj("good")}),
		}),
	})
	diags := checkAtApply(ctx, walkResource{s}, tfsdk.Config{Schema: s, Raw: raw})
	var got []string
	for _, d := range diags {
		if pd, ok := d.(diag.DiagnosticWithPath); ok {
			got = append(got, pd.Path().String())
		}
	}
	sort.Strings(got)
	want := []string{"names", "outer.inner[0].name", "outer.name", "ratio", "rules[1].name"}
	if strings.Join(got, " ") != strings.Join(want, " ") || len(diags) != len(want) {
		t.Errorf("errors at %v (%v), want at %v", got, diags, want)
	}
}
