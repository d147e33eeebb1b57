package provider

// The four resources set their state one way: startImport begins an import (every attribute at
// its schema default, null where it has none, then what the import names, and the private-state
// mark that the Reads until the first apply follow an import: readAfterImport, wasImported),
// setState ends a Read, and setApplied ends a Create or an Update whose apply succeeded (the
// import is over).

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/defaults"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/hardenops/terraform-provider-ntopng/internal/tfmodel"
)

// importedKey marks, in the private state, a resource imported and not applied since:
// importFresh until the import's own Read, importRead after it (private values are JSON).
const (
	importedKey = "imported"
	importFresh = `true`
	importRead  = `"read"`
)

// setState makes m the state, and the identity follows from it (identity nil: Read, whose
// deferred identity also covers a resource that is gone).
func setState(ctx context.Context, state *tfsdk.State, identity *tfsdk.ResourceIdentity, shape identityShape, m any) diag.Diagnostics {
	diags := tfmodel.Set(ctx, state, m)
	if diags.HasError() {
		return diags
	}
	return append(diags, shape.set(ctx, identity, *state)...)
}

// setApplied ends every Create and Update whose apply succeeded: the import (if any) is over,
// and m is the state, with its identity. A secret's hash is remembered before (secretInput.remember).
func setApplied(ctx context.Context, private privateSetter, state *tfsdk.State, identity *tfsdk.ResourceIdentity, shape identityShape, m any) diag.Diagnostics {
	diags := private.SetKey(ctx, importedKey, nil)
	return append(diags, setState(ctx, state, identity, shape, m)...)
}

// startImport sets resp's state to the model M with every attribute at its schema default
// (null where there is none) and then fill's values (the attributes the import names, and
// what the resource derives from them), and marks the import for wasImported. Read then fills
// the rest from the host.
func startImport[M any](ctx context.Context, resp *resource.ImportStateResponse, shape identityShape, fill func(*M)) diag.Diagnostics {
	var m M
	attrs := map[string]any{}
	for name, a := range resp.State.Schema.GetAttributes() {
		attrs[name] = a
	}
	raw, diags := schemaDefaults(ctx, resp.State.Schema, attrs)
	if diags.HasError() {
		return diags
	}
	if diags.Append(tfmodel.Get(ctx, tfsdk.State{Schema: resp.State.Schema, Raw: raw}, &m)...); diags.HasError() {
		return diags
	}
	fill(&m)
	diags.Append(resp.Private.SetKey(ctx, importedKey, []byte(importFresh))...)
	return append(diags, setState(ctx, &resp.State, resp.Identity, shape, &m)...)
}

// wasImported: the resource was imported and not applied since (its Reads adopt what the host
// has where the configuration cannot be known yet).
func wasImported(ctx context.Context, p privateGetter) bool {
	v := importMark(ctx, p)
	return v == importFresh || v == importRead
}

func importMark(ctx context.Context, p privateGetter) string {
	if p == nil {
		return ""
	}
	v, _ := p.GetKey(ctx, importedKey)
	return string(v)
}

// readAfterImport is how every Read asks about an import: imported is wasImported, and first
// says that this is the import's own Read (nothing was read yet: an object that is not there is
// an error naming it, there was nothing to import; in a later Read it is a resource gone). It
// marks the import's own Read done.
func readAfterImport(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) (imported, first bool, diags diag.Diagnostics) {
	v := importMark(ctx, req.Private)
	if v == importFresh && resp.Private != nil {
		diags = resp.Private.SetKey(ctx, importedKey, []byte(importRead))
	}
	return v == importFresh || v == importRead, v == importFresh, diags
}

// schemaDefaults is the state object of s with each of its attributes (attrs, by name) at its
// default, null where it has none.
func schemaDefaults(ctx context.Context, s interface{ Type() attr.Type }, attrs map[string]any) (tftypes.Value, diag.Diagnostics) {
	var diags diag.Diagnostics
	obj, ok := s.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		diags.AddError("Import Failed", "This is always a bug in the provider: the resource's schema is not an object")
		return tftypes.Value{}, diags
	}
	vals := make(map[string]tftypes.Value, len(obj.AttributeTypes))
	for name, typ := range obj.AttributeTypes {
		vals[name] = tftypes.NewValue(typ, nil)
		v, d := attributeDefault(ctx, path.Root(name), attrs[name])
		if diags.Append(d...); v == nil || d.HasError() {
			continue
		}
		tv, err := v.ToTerraformValue(ctx)
		if err != nil {
			diags.AddAttributeError(path.Root(name), "Import Failed", fmt.Sprintf("This is always a bug in the provider: the default: %v", err))
			continue
		}
		vals[name] = tv
	}
	return tftypes.NewValue(obj, vals), diags
}

// attributeDefault is the default value of the schema attribute a at p (nil when it has none):
// what the framework plans for it when the configuration leaves it out.
func attributeDefault(ctx context.Context, p path.Path, a any) (attr.Value, diag.Diagnostics) {
	switch a := a.(type) {
	case interface{ StringDefaultValue() defaults.String }:
		if d := a.StringDefaultValue(); d != nil {
			var resp defaults.StringResponse
			d.DefaultString(ctx, defaults.StringRequest{Path: p}, &resp)
			return resp.PlanValue, resp.Diagnostics
		}
	case interface{ BoolDefaultValue() defaults.Bool }:
		if d := a.BoolDefaultValue(); d != nil {
			var resp defaults.BoolResponse
			d.DefaultBool(ctx, defaults.BoolRequest{Path: p}, &resp)
			return resp.PlanValue, resp.Diagnostics
		}
	case interface{ Int64DefaultValue() defaults.Int64 }:
		if d := a.Int64DefaultValue(); d != nil {
			var resp defaults.Int64Response
			d.DefaultInt64(ctx, defaults.Int64Request{Path: p}, &resp)
			return resp.PlanValue, resp.Diagnostics
		}
	case interface{ Int32DefaultValue() defaults.Int32 }:
		if d := a.Int32DefaultValue(); d != nil {
			var resp defaults.Int32Response
			d.DefaultInt32(ctx, defaults.Int32Request{Path: p}, &resp)
			return resp.PlanValue, resp.Diagnostics
		}
	case interface{ Float64DefaultValue() defaults.Float64 }:
		if d := a.Float64DefaultValue(); d != nil {
			var resp defaults.Float64Response
			d.DefaultFloat64(ctx, defaults.Float64Request{Path: p}, &resp)
			return resp.PlanValue, resp.Diagnostics
		}
	case interface{ Float32DefaultValue() defaults.Float32 }:
		if d := a.Float32DefaultValue(); d != nil {
			var resp defaults.Float32Response
			d.DefaultFloat32(ctx, defaults.Float32Request{Path: p}, &resp)
			return resp.PlanValue, resp.Diagnostics
		}
	case interface{ NumberDefaultValue() defaults.Number }:
		if d := a.NumberDefaultValue(); d != nil {
			var resp defaults.NumberResponse
			d.DefaultNumber(ctx, defaults.NumberRequest{Path: p}, &resp)
			return resp.PlanValue, resp.Diagnostics
		}
	case interface{ ListDefaultValue() defaults.List }:
		if d := a.ListDefaultValue(); d != nil {
			var resp defaults.ListResponse
			d.DefaultList(ctx, defaults.ListRequest{Path: p}, &resp)
			return resp.PlanValue, resp.Diagnostics
		}
	case interface{ SetDefaultValue() defaults.Set }:
		if d := a.SetDefaultValue(); d != nil {
			var resp defaults.SetResponse
			d.DefaultSet(ctx, defaults.SetRequest{Path: p}, &resp)
			return resp.PlanValue, resp.Diagnostics
		}
	case interface{ MapDefaultValue() defaults.Map }:
		if d := a.MapDefaultValue(); d != nil {
			var resp defaults.MapResponse
			d.DefaultMap(ctx, defaults.MapRequest{Path: p}, &resp)
			return resp.PlanValue, resp.Diagnostics
		}
	case interface{ ObjectDefaultValue() defaults.Object }:
		if d := a.ObjectDefaultValue(); d != nil {
			var resp defaults.ObjectResponse
			d.DefaultObject(ctx, defaults.ObjectRequest{Path: p}, &resp)
			return resp.PlanValue, resp.Diagnostics
		}
	case interface{ DynamicDefaultValue() defaults.Dynamic }:
		if d := a.DynamicDefaultValue(); d != nil {
			var resp defaults.DynamicResponse
			d.DefaultDynamic(ctx, defaults.DynamicRequest{Path: p}, &resp)
			return resp.PlanValue, resp.Diagnostics
		}
	}
	return nil, nil
}
