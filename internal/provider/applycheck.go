package provider

import (
	"context"

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

// createModel is how every Create starts: the plan-time checks again (checkAtApply), then the
// plan as a model. Create stops when the diagnostics hold an error.
func createModel[M any](ctx context.Context, r resource.Resource, req resource.CreateRequest) (plan M, diags diag.Diagnostics) {
	if diags = checkAtApply(ctx, r, req.Config); diags.HasError() {
		return plan, diags // refused before anything is written
	}
	diags.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	return plan, diags
}

// updateModels is how every Update starts: the plan-time checks again (checkAtApply, so that a
// refused value is never written), then the plan and the prior state as models. Update stops
// when the diagnostics hold an error.
func updateModels[M any](ctx context.Context, r resource.Resource, req resource.UpdateRequest) (plan, prior M, diags diag.Diagnostics) {
	if diags = checkAtApply(ctx, r, req.Config); diags.HasError() {
		return plan, prior, diags // refused before anything is written
	}
	diags.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	diags.Append(tfmodel.Get(ctx, req.State, &prior)...)
	return plan, prior, diags
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

// runValidators runs the validators of one attribute (and of the attributes nested in it)
// on its known, non-null value.
func runValidators(ctx context.Context, cfg tfsdk.Config, p path.Path, a schema.Attribute) diag.Diagnostics {
	var diags diag.Diagnostics
	switch a := a.(type) {
	case schema.StringAttribute:
		var v types.String
		if diags.Append(cfg.GetAttribute(ctx, p, &v)...); diags.HasError() || v.IsNull() || v.IsUnknown() {
			return diags
		}
		for _, val := range a.Validators {
			resp := &validator.StringResponse{}
			val.ValidateString(ctx, validator.StringRequest{Path: p, Config: cfg, ConfigValue: v}, resp)
			diags.Append(resp.Diagnostics...)
		}
	case schema.Int64Attribute:
		var v types.Int64
		if diags.Append(cfg.GetAttribute(ctx, p, &v)...); diags.HasError() || v.IsNull() || v.IsUnknown() {
			return diags
		}
		for _, val := range a.Validators {
			resp := &validator.Int64Response{}
			val.ValidateInt64(ctx, validator.Int64Request{Path: p, Config: cfg, ConfigValue: v}, resp)
			diags.Append(resp.Diagnostics...)
		}
	case schema.ListAttribute:
		var v types.List
		if diags.Append(cfg.GetAttribute(ctx, p, &v)...); diags.HasError() || v.IsNull() || v.IsUnknown() {
			return diags
		}
		for _, val := range a.Validators {
			resp := &validator.ListResponse{}
			val.ValidateList(ctx, validator.ListRequest{Path: p, Config: cfg, ConfigValue: v}, resp)
			diags.Append(resp.Diagnostics...)
		}
	case schema.MapAttribute:
		var v types.Map
		if diags.Append(cfg.GetAttribute(ctx, p, &v)...); diags.HasError() || v.IsNull() || v.IsUnknown() {
			return diags
		}
		for _, val := range a.Validators {
			resp := &validator.MapResponse{}
			val.ValidateMap(ctx, validator.MapRequest{Path: p, Config: cfg, ConfigValue: v}, resp)
			diags.Append(resp.Diagnostics...)
		}
	case schema.BoolAttribute:
		var v types.Bool
		if diags.Append(cfg.GetAttribute(ctx, p, &v)...); diags.HasError() || v.IsNull() || v.IsUnknown() {
			return diags
		}
		for _, val := range a.Validators {
			resp := &validator.BoolResponse{}
			val.ValidateBool(ctx, validator.BoolRequest{Path: p, Config: cfg, ConfigValue: v}, resp)
			diags.Append(resp.Diagnostics...)
		}
	case schema.SingleNestedAttribute:
		var v types.Object
		if diags.Append(cfg.GetAttribute(ctx, p, &v)...); diags.HasError() || v.IsNull() || v.IsUnknown() {
			return diags
		}
		for _, val := range a.Validators {
			resp := &validator.ObjectResponse{}
			val.ValidateObject(ctx, validator.ObjectRequest{Path: p, Config: cfg, ConfigValue: v}, resp)
			diags.Append(resp.Diagnostics...)
		}
		for name, na := range a.Attributes {
			diags.Append(runValidators(ctx, cfg, p.AtName(name), na)...)
		}
	}
	return diags
}
