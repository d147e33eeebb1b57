package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopnghardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/tfmodel"
	"github.com/hardenops/terraform-provider-ntopng/internal/unithardening"
)

var (
	_ resource.ResourceWithConfigure        = (*instanceResource)(nil)
	_ resource.ResourceWithImportState      = (*instanceResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*instanceResource)(nil)
	_ resource.ResourceWithValidateConfig   = (*instanceResource)(nil)
	_ resource.ResourceWithConfigValidators = (*instanceResource)(nil)
)

// NewInstanceResource is ntopng_instance: ntopng's hardened configuration file. What the file
// must contain, what the host has and what is drift are ntopnghardening's; this is the
// Terraform side, one feature per file (resource_instance_model.go: the features and what
// runs them; resource_instance_host.go: the apply and the read).
func NewInstanceResource() resource.Resource { return &instanceResource{} }

type instanceResource struct {
	data *providerData
}

// Metadata names the resource.
func (r *instanceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_instance"
}

// Schema is the contract operators write (each feature's attributes, in its file); see
// docs/resources/instance.md.
func (r *instanceResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "ntopng's hardened configuration file: HTTPS only on chosen addresses, a dedicated run-as " +
			"user, Redis behind a password. Managed options are written exactly as `--name=value`, one line each; every " +
			"other line of the file is kept byte for byte. Read back for drift: the main file and the " +
			"`ntopng.conf.d/*.conf` drop-ins (what ntopng really uses), the run-as user, and the addresses the running " +
			"ntopng process listens on.",
		Attributes: instanceAttributes(),
	}
}

// ConfigValidators are the features' checks across attributes.
func (r *instanceResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	var out []resource.ConfigValidator
	for _, f := range instanceFeatures {
		if f.configValidators != nil {
			out = append(out, f.configValidators()...)
		}
	}
	return out
}

// Configure takes the provider's connection pool.
func (r *instanceResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	data, diags := configureData(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = data
}

// ValidateConfig refuses, before any host is touched, every value ntopng would misread: what
// each feature writes (desiredInstance), then each feature's other checks.
func (r *instanceResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m instanceModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	d, diags := desiredInstance(ctx, m)
	resp.Diagnostics.Append(diags...)
	if diags.HasError() {
		return
	}
	for _, f := range instanceFeatures {
		if f.validate != nil {
			resp.Diagnostics.Append(f.validate(ctx, req.Config, m, d)...)
		}
	}
}

// ModifyPlan runs each feature's plan step (checks on the host, fail closed, and planned
// values), then turns drift of the running process and of the files into planned changes.
func (r *instanceResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		resp.Diagnostics.Append(warnDestroy(ctx, "ntopng_instance", "config_path", req.State)...)
		return
	}
	if r.data == nil {
		return
	}
	plan, prior, diags := planModels[instanceModel](ctx, req)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	for _, f := range instanceFeatures {
		if f.plan != nil {
			resp.Diagnostics.Append(f.plan(ctx, r, req, &plan, prior)...)
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	plan = planReadBacks(plan, prior)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.Plan, &plan)...)
}

// Create writes the file (creating the user first when asked), restarts ntopng and verifies.
func (r *instanceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, _, diags := checkedModels[instanceModel](ctx, r, req.Config, req.Plan, nil)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.write(ctx, req.Config, plan, nil, true, resp.Private, &resp.State, resp.Identity)...)
}

// Read reads the files, the users and the listeners back into the state.
func (r *instanceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer func() { resp.Diagnostics.Append(instanceIdentity.set(ctx, resp.Identity, resp.State, req.State)...) }()
	var st instanceModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &st)...)
	if resp.Diagnostics.HasError() {
		return
	}
	imported, _, diags := readAfterImport(ctx, req, resp)
	resp.Diagnostics.Append(diags...)
	found, diags := r.refresh(ctx, st, imported)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if found == nil {
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(setState(ctx, &resp.State, nil, instanceIdentity, found)...)
}

// Update rewrites the file, or only restarts when the running ntopng drifted from a right file.
func (r *instanceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, prior, diags := checkedModels[instanceModel](ctx, r, req.Config, req.Plan, &req.State)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.write(ctx, req.Config, plan, &prior, r.rotatePassword(ctx, plan, prior, req.Private), resp.Private, &resp.State, resp.Identity)...)
}

// Delete leaves the hardened file, or restores the original with on_destroy = "restore".
func (r *instanceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var st instanceModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &st)...)
	if resp.Diagnostics.HasError() || hostchange.OnDestroy(st.OnDestroy.ValueString()) != hostchange.OnDestroyRestore {
		return
	}
	c, err := r.data.conn(ctx, st.Host.ValueString(), st.SSHPort)
	if err != nil {
		resp.Diagnostics.AddAttributeError(pathHost, "Cannot Connect to Host", err.Error())
		return
	}
	var paths []string
	for _, f := range instanceFeatures {
		if f.restored != nil {
			p, err := f.restored(ctx, c, st)
			if err != nil {
				resp.Diagnostics.AddError("Cannot Restore ntopng.conf", err.Error())
				return
			}
			paths = append(paths, p...)
		}
	}
	resp.Diagnostics.Append(restoreOriginals(ctx, c, st.Host.ValueString(), paths, unithardening.RecoverRestart(st.RestartCommand.ValueString()))...)
}

// ImportState takes host:/path, host:ssh_port:/path or the identity; Read fills the rest.
func (r *instanceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	t, diags := instanceIdentity.target(ctx, req)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	resp.Diagnostics.Append(startImport(ctx, resp, instanceIdentity, func(st *instanceModel) {
		service := ntopnghardening.DefaultService(t.path)
		st.ID, st.Host, st.SSHPort = types.StringValue(hostID(t.host, t.sshPort, t.path)), types.StringValue(t.host), t.sshPort
		st.ConfigPath, st.Service = types.StringValue(t.path), types.StringValue(service)
		st.RestartCommand = types.StringValue(ntopnghardening.DefaultRestart(service))
	})...)
}
