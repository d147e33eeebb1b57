package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/tfmodel"
)

// planModels is how every ModifyPlan of a create or an update starts: the plan as a model,
// and the prior state (nil on create). ModifyPlan stops when the diagnostics hold an error.
func planModels[M any](ctx context.Context, req resource.ModifyPlanRequest) (plan M, prior *M, diags diag.Diagnostics) {
	diags.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	if !req.State.Raw.IsNull() {
		prior = new(M)
		diags.Append(tfmodel.Get(ctx, req.State, prior)...)
	}
	return plan, prior, diags
}

// checkedModels is how every Create and Update starts (and ntopng_user's ModifyPlan, which
// refuses at plan time what Update would refuse): the plan-time checks again (checkAtApply,
// so that a refused value is never written), then the plan and, when state is not nil, the
// prior state as models (prior is the zero model on create). The caller stops when the
// diagnostics hold an error.
func checkedModels[M any](ctx context.Context, r resource.Resource, cfg tfsdk.Config, plan tfsdk.Plan, state *tfsdk.State) (p, prior M, diags diag.Diagnostics) {
	if diags = checkAtApply(ctx, r, cfg); diags.HasError() {
		return p, prior, diags // refused before anything is written
	}
	diags.Append(tfmodel.Get(ctx, plan, &p)...)
	if state != nil {
		diags.Append(tfmodel.Get(ctx, *state, &prior)...)
	}
	return p, prior, diags
}

// checkAtApply runs again, on the configuration as apply sees it, every check Terraform
// ran while validating: the schema's attribute validators, the resource's config validators
// and its ValidateConfig. Terraform validates with the values known at plan time and skips
// what is unknown then (a mode or a path from another resource), and does not validate
// again before apply; without this a value refused at plan time would be written as given
// when it comes from another resource. Only errors are returned: the warnings were shown
// at plan time, or will be by the next plan.
func checkAtApply(ctx context.Context, r resource.Resource, cfg tfsdk.Config) diag.Diagnostics {
	var all diag.Diagnostics
	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)
	for name, a := range sr.Schema.Attributes {
		all.Append(runValidators(ctx, cfg, path.Root(name), a)...)
	}
	for name, b := range sr.Schema.Blocks {
		all.Append(runValidators(ctx, cfg, path.Root(name), b)...)
	}
	if cv, ok := r.(resource.ResourceWithConfigValidators); ok {
		for _, v := range cv.ConfigValidators(ctx) {
			var resp resource.ValidateConfigResponse
			v.ValidateResource(ctx, resource.ValidateConfigRequest{Config: cfg}, &resp)
			all.Append(resp.Diagnostics...)
		}
	}
	if vc, ok := r.(resource.ResourceWithValidateConfig); ok {
		var resp resource.ValidateConfigResponse
		vc.ValidateConfig(ctx, resource.ValidateConfigRequest{Config: cfg}, &resp)
		all.Append(resp.Diagnostics...)
	}
	return all.Errors()
}

// runValidators runs the validators of one attribute or block on its known, non-null value,
// then those of the attributes and blocks nested in it, element by element, as the
// framework does while validating. An attribute kind the walk does not know is an error, not
// a skip: its validators would otherwise not run at apply without a word
// (TestSchemaWalkKnowsEveryKind finds such an attribute in the provider's schemas first).
func runValidators(ctx context.Context, cfg tfsdk.Config, p path.Path, a any) diag.Diagnostics {
	run := valueCheckOf(a)
	if run == nil {
		var diags diag.Diagnostics
		diags.AddAttributeError(p, "Attribute Kind Not Checked at Apply",
			fmt.Sprintf("The provider's apply-time check does not know %T. This is a bug in the provider: "+
				"add the kind to valueCheckOf (internal/provider/applycheck.go).", a))
		return diags
	}
	v, diags := run(ctx, cfg, p)
	if v == nil || diags.HasError() {
		return diags // null or unknown: nothing to check, nor in it
	}
	n := nestedOf(a)
	at := func(p path.Path) {
		for name, na := range n.attrs {
			diags.Append(runValidators(ctx, cfg, p.AtName(name), na)...)
		}
		for name, nb := range n.blocks {
			diags.Append(runValidators(ctx, cfg, p.AtName(name), nb)...)
		}
	}
	switch n.mode {
	case nestedSingle:
		at(p)
	case nestedList:
		for i := range v.(types.List).Elements() {
			at(p.AtListIndex(i))
		}
	case nestedSet:
		for _, e := range v.(types.Set).Elements() {
			at(p.AtSetValue(e))
		}
	case nestedMap:
		for k := range v.(types.Map).Elements() {
			at(p.AtMapKey(k))
		}
	}
	return diags
}

// valueCheck reads the value at p and runs the validators of its attribute or block on it
// when it is known and not null; it returns the value then, nil otherwise.
type valueCheck func(ctx context.Context, cfg tfsdk.Config, p path.Path) (attr.Value, diag.Diagnostics)

// valueCheckOf is the check of a, an attribute or a block of either schema package, told
// apart by the kind of its validators; nil for a kind it does not handle.
func valueCheckOf(a any) valueCheck {
	switch a := a.(type) {
	case interface{ StringValidators() []validator.String }:
		return check(a.StringValidators(), func(ctx context.Context, val validator.String, r request, v types.String) diag.Diagnostics {
			resp := &validator.StringResponse{}
			val.ValidateString(ctx, validator.StringRequest{Path: r.p, PathExpression: r.p.Expression(), Config: r.cfg, ConfigValue: v}, resp)
			return resp.Diagnostics
		})
	case interface{ Int64Validators() []validator.Int64 }:
		return check(a.Int64Validators(), func(ctx context.Context, val validator.Int64, r request, v types.Int64) diag.Diagnostics {
			resp := &validator.Int64Response{}
			val.ValidateInt64(ctx, validator.Int64Request{Path: r.p, PathExpression: r.p.Expression(), Config: r.cfg, ConfigValue: v}, resp)
			return resp.Diagnostics
		})
	case interface{ Int32Validators() []validator.Int32 }:
		return check(a.Int32Validators(), func(ctx context.Context, val validator.Int32, r request, v types.Int32) diag.Diagnostics {
			resp := &validator.Int32Response{}
			val.ValidateInt32(ctx, validator.Int32Request{Path: r.p, PathExpression: r.p.Expression(), Config: r.cfg, ConfigValue: v}, resp)
			return resp.Diagnostics
		})
	case interface{ Float64Validators() []validator.Float64 }:
		return check(a.Float64Validators(), func(ctx context.Context, val validator.Float64, r request, v types.Float64) diag.Diagnostics {
			resp := &validator.Float64Response{}
			val.ValidateFloat64(ctx, validator.Float64Request{Path: r.p, PathExpression: r.p.Expression(), Config: r.cfg, ConfigValue: v}, resp)
			return resp.Diagnostics
		})
	case interface{ Float32Validators() []validator.Float32 }:
		return check(a.Float32Validators(), func(ctx context.Context, val validator.Float32, r request, v types.Float32) diag.Diagnostics {
			resp := &validator.Float32Response{}
			val.ValidateFloat32(ctx, validator.Float32Request{Path: r.p, PathExpression: r.p.Expression(), Config: r.cfg, ConfigValue: v}, resp)
			return resp.Diagnostics
		})
	case interface{ NumberValidators() []validator.Number }:
		return check(a.NumberValidators(), func(ctx context.Context, val validator.Number, r request, v types.Number) diag.Diagnostics {
			resp := &validator.NumberResponse{}
			val.ValidateNumber(ctx, validator.NumberRequest{Path: r.p, PathExpression: r.p.Expression(), Config: r.cfg, ConfigValue: v}, resp)
			return resp.Diagnostics
		})
	case interface{ BoolValidators() []validator.Bool }:
		return check(a.BoolValidators(), func(ctx context.Context, val validator.Bool, r request, v types.Bool) diag.Diagnostics {
			resp := &validator.BoolResponse{}
			val.ValidateBool(ctx, validator.BoolRequest{Path: r.p, PathExpression: r.p.Expression(), Config: r.cfg, ConfigValue: v}, resp)
			return resp.Diagnostics
		})
	case interface{ ListValidators() []validator.List }:
		return check(a.ListValidators(), func(ctx context.Context, val validator.List, r request, v types.List) diag.Diagnostics {
			resp := &validator.ListResponse{}
			val.ValidateList(ctx, validator.ListRequest{Path: r.p, PathExpression: r.p.Expression(), Config: r.cfg, ConfigValue: v}, resp)
			return resp.Diagnostics
		})
	case interface{ SetValidators() []validator.Set }:
		return check(a.SetValidators(), func(ctx context.Context, val validator.Set, r request, v types.Set) diag.Diagnostics {
			resp := &validator.SetResponse{}
			val.ValidateSet(ctx, validator.SetRequest{Path: r.p, PathExpression: r.p.Expression(), Config: r.cfg, ConfigValue: v}, resp)
			return resp.Diagnostics
		})
	case interface{ MapValidators() []validator.Map }:
		return check(a.MapValidators(), func(ctx context.Context, val validator.Map, r request, v types.Map) diag.Diagnostics {
			resp := &validator.MapResponse{}
			val.ValidateMap(ctx, validator.MapRequest{Path: r.p, PathExpression: r.p.Expression(), Config: r.cfg, ConfigValue: v}, resp)
			return resp.Diagnostics
		})
	case interface{ ObjectValidators() []validator.Object }:
		return check(a.ObjectValidators(), func(ctx context.Context, val validator.Object, r request, v types.Object) diag.Diagnostics {
			resp := &validator.ObjectResponse{}
			val.ValidateObject(ctx, validator.ObjectRequest{Path: r.p, PathExpression: r.p.Expression(), Config: r.cfg, ConfigValue: v}, resp)
			return resp.Diagnostics
		})
	case interface{ DynamicValidators() []validator.Dynamic }:
		return check(a.DynamicValidators(), func(ctx context.Context, val validator.Dynamic, r request, v types.Dynamic) diag.Diagnostics {
			resp := &validator.DynamicResponse{}
			val.ValidateDynamic(ctx, validator.DynamicRequest{Path: r.p, PathExpression: r.p.Expression(), Config: r.cfg, ConfigValue: v}, resp)
			return resp.Diagnostics
		})
	default:
		return nil
	}
}

// request is where one validator looks: the configuration and the value's path.
type request struct {
	cfg tfsdk.Config
	p   path.Path
}

// check is the valueCheck of validators vals over values of type V.
func check[V attr.Value, T any](vals []T, run func(context.Context, T, request, V) diag.Diagnostics) valueCheck {
	return func(ctx context.Context, cfg tfsdk.Config, p path.Path) (attr.Value, diag.Diagnostics) {
		var v V
		diags := cfg.GetAttribute(ctx, p, &v)
		if diags.HasError() || v.IsNull() || v.IsUnknown() {
			return nil, diags
		}
		for _, val := range vals {
			diags.Append(run(ctx, val, request{cfg, p}, v)...)
		}
		return v, diags
	}
}

// How attributes and blocks nest in an attribute or a block.
const (
	nestedNone = iota
	nestedSingle
	nestedList
	nestedSet
	nestedMap
)

// nested is what nests in an attribute or a block, and how.
type nested struct {
	mode          int
	attrs, blocks map[string]any
}

// nestedOf tells what nests in a, for the nested attributes and blocks of the resource and
// the data source schema packages; anything else nests nothing.
func nestedOf(a any) nested {
	switch a := a.(type) {
	case schema.SingleNestedAttribute:
		return nested{nestedSingle, anyMap(a.Attributes), nil}
	case schema.ListNestedAttribute:
		return nested{nestedList, anyMap(a.NestedObject.Attributes), nil}
	case schema.SetNestedAttribute:
		return nested{nestedSet, anyMap(a.NestedObject.Attributes), nil}
	case schema.MapNestedAttribute:
		return nested{nestedMap, anyMap(a.NestedObject.Attributes), nil}
	case schema.SingleNestedBlock:
		return nested{nestedSingle, anyMap(a.Attributes), anyMap(a.Blocks)}
	case schema.ListNestedBlock:
		return nested{nestedList, anyMap(a.NestedObject.Attributes), anyMap(a.NestedObject.Blocks)}
	case schema.SetNestedBlock:
		return nested{nestedSet, anyMap(a.NestedObject.Attributes), anyMap(a.NestedObject.Blocks)}
	case dsschema.SingleNestedAttribute:
		return nested{nestedSingle, anyMap(a.Attributes), nil}
	case dsschema.ListNestedAttribute:
		return nested{nestedList, anyMap(a.NestedObject.Attributes), nil}
	case dsschema.SetNestedAttribute:
		return nested{nestedSet, anyMap(a.NestedObject.Attributes), nil}
	case dsschema.MapNestedAttribute:
		return nested{nestedMap, anyMap(a.NestedObject.Attributes), nil}
	case dsschema.SingleNestedBlock:
		return nested{nestedSingle, anyMap(a.Attributes), anyMap(a.Blocks)}
	case dsschema.ListNestedBlock:
		return nested{nestedList, anyMap(a.NestedObject.Attributes), anyMap(a.NestedObject.Blocks)}
	case dsschema.SetNestedBlock:
		return nested{nestedSet, anyMap(a.NestedObject.Attributes), anyMap(a.NestedObject.Blocks)}
	}
	return nested{}
}

func anyMap[A any](m map[string]A) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
