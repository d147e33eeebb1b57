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

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
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
		v, d := attributeDefault(ctx, path.Root(name), st.Schema.GetAttributes()[name])
		if v == nil || d.HasError() {
			continue
		}
		diags.Append(st.SetAttribute(ctx, path.Root(name), v)...)
		changed = append(changed, name)
	}
	return changed, diags
}
