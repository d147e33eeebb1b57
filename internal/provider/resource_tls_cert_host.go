package provider

// ntopng_tls_cert's host operations: the apply and the plan-time check, over internal/certhardening.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	fwpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/hardenops/terraform-provider-ntopng/internal/certhardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/pembundle"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// write is Create and Update: the apply-time checks, then apply, then the state.
func (r *tlsCertResource) write(ctx context.Context, cfg tfsdk.Config, plan tfsdk.Plan, private privateSetter, state *tfsdk.State, identity *tfsdk.ResourceIdentity) diag.Diagnostics {
	m, _, diags := checkedModels[tlsCertModel](ctx, r, cfg, plan, nil)
	if diags.HasError() {
		return diags
	}
	if diags.Append(r.apply(ctx, cfg, &m)...); diags.HasError() {
		return diags
	}
	return append(diags, setApplied(ctx, private, state, identity, tlsCertIdentity, &m)...)
}

// apply renders the file from the configuration, writes it with hostchange.Apply and fills
// the state's read-back values.
func (r *tlsCertResource) apply(ctx context.Context, cfg tfsdk.Config, m *tlsCertModel) diag.Diagnostics {
	key, set, known, diags := certKey.value(ctx, cfg)
	if !set || !known {
		diags.AddAttributeError(fwpath.Root(certKeyAttr(ctx, cfg)), "Private Key Missing", "Neither private_key_pem_wo nor private_key_pem has a value at apply time. "+
			"Set one of them.")
		return diags
	}
	b, problems := certhardening.Desired(m.CertificatePEM.ValueString(), m.CAChainPEM.ValueString(), key, time.Now())
	if b == nil {
		return append(diags, problemDiags(problems, certKeyAttr(ctx, cfg))...)
	}
	c, err := r.conn(ctx, m)
	if err != nil {
		diags.AddAttributeError(pathHost, "Cannot Connect to Host", err.Error())
		return diags
	}
	ids, err := lookupIDs(ctx, c)
	if err != nil {
		diags.AddError("Cannot Read Users and Groups", fmt.Sprintf("On %s: %v", m.Host.ValueString(), err))
		return diags
	}
	planned := m.ServedFingerprintSHA256
	a, err := certhardening.Apply(ctx, c, ids, certhardening.Target{Host: m.Host.ValueString(), Path: m.Path.ValueString(),
		Owner: m.Owner.ValueString(), Group: m.Group.ValueString(), Mode: m.Mode.ValueString(), Bundle: b,
		Restart: m.RestartCommand.ValueString(), VerifyEndpoint: m.VerifyEndpoint.ValueString(),
		VerifyTimeout: certhardening.VerifyTimeout(m.VerifyTimeout.ValueString())})
	var refused *certhardening.ProblemsError
	switch {
	case errors.As(err, &refused): // unknown owner or group: nothing was written
		return append(diags, problemDiags(refused.Problems, pembundle.FieldKey)...)
	case err != nil:
		diags.AddError("Certificate Not Applied", fmt.Sprintf("Applying %s on %s failed: %v",
			m.Path.ValueString(), m.Host.ValueString(), err))
		return diags
	}
	tflog.Debug(ctx, "certificate applied", map[string]any{"path": m.Path.ValueString(), "written": a.Written, "restarted": a.Restarted})

	m.ID = types.StringValue(hostID(m.Host.ValueString(), m.SSHPort, m.Path.ValueString()))
	m.setFacts(b)
	m.ServedFingerprintSHA256 = types.StringNull()
	if a.Verified {
		if a.Warning != "" {
			diags.AddAttributeWarning(fwpath.Root("verify_endpoint"), "Nothing Listens at verify_endpoint", a.Warning)
		}
		m.ServedFingerprintSHA256 = types.StringValue(a.Served)
		if !a.Listening {
			// Nothing listens yet: the certificate ntopng will serve once it does (see Read).
			m.ServedFingerprintSHA256 = m.FingerprintSHA256
		}
	}
	if !planned.IsUnknown() {
		// The plan promised this value (nothing was to change); the next refresh reads it again.
		m.ServedFingerprintSHA256 = planned
	}
	return diags
}

// checkHostAtPlan resolves owner and group and checks that the directory exists, so that
// these mistakes fail the plan instead of the apply. A host that cannot be reached while
// planning (not created yet) only gives a warning: the apply checks again.
func (r *tlsCertResource) checkHostAtPlan(ctx context.Context, plan *tlsCertModel) diag.Diagnostics {
	var diags diag.Diagnostics
	if r.data == nil || r.data.unknown || plan.Host.IsUnknown() || plan.SSHPort.IsUnknown() ||
		plan.Path.IsUnknown() || plan.Owner.IsUnknown() || plan.Group.IsUnknown() {
		return nil
	}
	c, err := r.conn(ctx, plan)
	if err != nil {
		diags.AddAttributeWarning(pathHost, "Host Not Checked While Planning",
			fmt.Sprintf("Could not reach the host to check owner, group and the directory of path; the apply "+
				"checks them again. %v", err))
		return diags
	}
	problems, err := certhardening.CheckHost(ctx, c, plan.Host.ValueString(), plan.Path.ValueString(),
		plan.Owner.ValueString(), plan.Group.ValueString())
	if err != nil {
		diags.AddError("Cannot Read Users and Groups", fmt.Sprintf("On %s: %v", plan.Host.ValueString(), err))
		return diags
	}
	return problemDiags(problems, pembundle.FieldKey)
}

// conn returns the shared connection to the resource's host.
func (r *tlsCertResource) conn(ctx context.Context, m *tlsCertModel) (*transport.Conn, error) {
	if r.data == nil {
		return nil, errors.New("the provider is not configured; please report this to the provider developers")
	}
	return r.data.conn(ctx, m.Host.ValueString(), m.SSHPort)
}
