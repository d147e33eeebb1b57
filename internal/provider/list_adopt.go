package provider

// A list result's resource is what `terraform query -generate-config-out` writes as the
// resource block, attribute by attribute. The state an import reads holds the host's values,
// some of which the resource itself refuses at plan time (a certificate file readable by
// everyone): such a value is replaced by the attribute's default, the hardened value, so that
// the generated block is one Terraform accepts and its first plan shows that change. Nothing
// else of what the import read is changed.

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/defaults"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
)

// adoptable is what refusedToDefaults asks of a resource: its own plan-time checks.
type adoptable interface {
	ValidateConfig(context.Context, resource.ValidateConfigRequest, *resource.ValidateConfigResponse)
}

// refusedToDefaults sets, in st, every attribute that the resource's ValidateConfig refuses and
// that has a default to that default. It returns the names it changed.
func refusedToDefaults(ctx context.Context, r adoptable, st *tfsdk.State) ([]string, diag.Diagnostics) {
	var vr resource.ValidateConfigResponse
	r.ValidateConfig(ctx, resource.ValidateConfigRequest{Config: tfsdk.Config{Schema: st.Schema, Raw: st.Raw}}, &vr)
	var changed []string
	var diags diag.Diagnostics
	for _, d := range vr.Diagnostics.Errors() {
		dp, ok := d.(diag.DiagnosticWithPath)
		if !ok {
			continue
		}
		name := strings.SplitN(strings.SplitN(dp.Path().String(), ".", 2)[0], "[", 2)[0]
		v, ok := attributeDefault(ctx, st.Schema.GetAttributes()[name], path.Root(name))
		if !ok {
			continue
		}
		diags.Append(st.SetAttribute(ctx, path.Root(name), v)...)
		changed = append(changed, name)
	}
	return changed, diags
}

// attributeDefault is a string, int64 or bool attribute's static default.
func attributeDefault(ctx context.Context, a any, p path.Path) (attr.Value, bool) {
	switch a := a.(type) {
	case interface{ StringDefaultValue() defaults.String }:
		if d := a.StringDefaultValue(); d != nil {
			var resp defaults.StringResponse
			d.DefaultString(ctx, defaults.StringRequest{Path: p}, &resp)
			return resp.PlanValue, !resp.Diagnostics.HasError()
		}
	case interface{ Int64DefaultValue() defaults.Int64 }:
		if d := a.Int64DefaultValue(); d != nil {
			var resp defaults.Int64Response
			d.DefaultInt64(ctx, defaults.Int64Request{Path: p}, &resp)
			return resp.PlanValue, !resp.Diagnostics.HasError()
		}
	case interface{ BoolDefaultValue() defaults.Bool }:
		if d := a.BoolDefaultValue(); d != nil {
			var resp defaults.BoolResponse
			d.DefaultBool(ctx, defaults.BoolRequest{Path: p}, &resp)
			return resp.PlanValue, !resp.Diagnostics.HasError()
		}
	}
	return nil, false
}
