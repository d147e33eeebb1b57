// Command noopprovider is a benchmark tool, not part of the ntopng provider: the smallest
// terraform-plugin-framework provider ("hardenops/noop", one resource `noop_thing` that
// touches nothing). `make bench` plans N of its resources beside the ntopng plan and the
// terraform_data plan, to measure what any plugin provider costs before it does any work
// (three provider processes, gRPC, the framework), the floor under the ntopng numbers.
//
// It also serves `noop_instance`, `noop_redis` and `noop_tls_cert`: the schemas of
// ntopng_instance, ntopng_redis and ntopng_tls_cert (their attributes, defaults, validators
// and plan modifiers) on resources that touch nothing, no SSH, no plan or config checks of
// their own. Planning those is what terraform-plugin-framework alone spends on these
// schemas: the floor under the ntopng provider's CPU per host.
package main

import (
	"context"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	pschema "github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/hardenops/terraform-provider-ntopng/internal/pluginserver"
	ntopng "github.com/hardenops/terraform-provider-ntopng/internal/provider"
)

func main() {
	// registry.terraform.io/hardenops/noop, served exactly as the ntopng provider is: its
	// logging, collector and server (internal/pluginserver).
	if err := pluginserver.Serve("noop", func() provider.Provider { return noop{} }, false); err != nil {
		log.Fatal(err)
	}
}

type noop struct{}

func (noop) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "noop"
}

func (noop) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = pschema.Schema{}
}

func (noop) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {}

func (noop) Resources(ctx context.Context) []func() resource.Resource {
	out := []func() resource.Resource{func() resource.Resource { return thing{} }}
	for _, f := range ntopng.New("bench")().Resources(ctx) {
		r := f()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "ntopng"}, &meta)
		switch meta.TypeName {
		case "ntopng_instance", "ntopng_redis", "ntopng_tls_cert":
			var s resource.SchemaResponse
			r.Schema(ctx, resource.SchemaRequest{}, &s)
			name := "noop_" + meta.TypeName[len("ntopng_"):]
			out = append(out, func() resource.Resource { return schemaOnly{name: name, schema: s.Schema} })
		}
	}
	return out
}

func (noop) DataSources(context.Context) []func() datasource.DataSource { return nil }

type thing struct{}

type thingModel struct {
	ID    types.String `tfsdk:"id"`
	Input types.String `tfsdk:"input"`
}

func (thing) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_thing"
}

func (thing) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{Attributes: map[string]schema.Attribute{
		"id":    schema.StringAttribute{Computed: true},
		"input": schema.StringAttribute{Required: true},
	}}
}

func (thing) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m thingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	m.ID = m.Input
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (thing) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m thingModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (thing) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m thingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	m.ID = m.Input
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (thing) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// schemaOnly is a resource with another resource's schema that touches nothing: its state is
// its plan, unknown values made null.
type schemaOnly struct {
	name   string
	schema schema.Schema
}

func (r schemaOnly) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = r.name
}

func (r schemaOnly) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = r.schema
}

func (schemaOnly) Create(_ context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	resp.State.Raw = known(req.Plan.Raw)
}

// Read leaves the state as it is (the framework copies it into the response).
func (schemaOnly) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (schemaOnly) Update(_ context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = known(req.Plan.Raw)
}

func (schemaOnly) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// known is v with every unknown value made null.
func known(v tftypes.Value) tftypes.Value {
	out, _ := tftypes.Transform(v, func(_ *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if !v.IsKnown() {
			return tftypes.NewValue(v.Type(), nil), nil
		}
		return v, nil
	})
	return out
}
