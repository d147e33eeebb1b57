package provider

// ntopng_instance on the host: the apply and the read, each running every feature's step in
// instanceFeatures' order (the steps themselves are in the features' files).

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopnghardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
	"github.com/hardenops/terraform-provider-ntopng/internal/unithardening"
)

// verifyFunc checks the restarted ntopng (nil checks nothing).
type verifyFunc = func(context.Context) error

// instanceApply is one apply, as its steps fill it. In order:
//   - check: every feature reads and prepares what it needs before anything on the host
//     changes; an error there leaves the host as it was.
//   - desired: what the files must say (desiredInstance), then change: every feature adds its
//     files to the one change (hostchange.Change), or acts on the host where a file cannot say
//     it (the user, the grants: undone when the change then fails).
//   - verify: the checks of the restarted ntopng, each feature's after the ones before it; a
//     failed one puts every file back.
//   - after: the repairs that need the restarted ntopng.
type instanceApply struct {
	c     *transport.Conn
	cfg   tfsdk.Config
	plan  instanceModel
	prior *instanceModel // nil on create
	h     *ntopnghardening.Host

	writeConfigPassword bool   // redis: write the configuration's password (not the host's)
	password, hash      string // redis (check): the password apply writes, and its keyed hash
	certExists          bool   // listen (check): the certificate is there

	desired ntopnghardening.Desired
	set     []ntopngconf.Setting // base (change): the managed options
	remove  []string
	gid     int                  // base (change): the group of the configuration file
	eff     ntopngconf.Effective // what ntopng will use after the change
	systemd bool                 // confinement (change): ntopng's unit can be given drop-ins

	edited       []hostchange.File // redis (change): the configuration's files, the main file first (hostchange's Files[0])
	files        []hostchange.File // every other file of the change
	restart      string
	forceRestart bool                            // a step's reason to restart with right files
	undo         func(ctx context.Context) error // grants: undoes what was done live
	webACL       []string                        // webacl: written with the change when manageACL
	manageACL    bool
}

// apply runs the whole change. It returns the hash of the Redis password now in the file.
func (r *instanceResource) apply(ctx context.Context, cfg tfsdk.Config, plan instanceModel, prior *instanceModel, writeConfigPassword bool) (string, diag.Diagnostics) {
	var diags diag.Diagnostics
	c, err := r.data.conn(ctx, plan.Host.ValueString(), plan.SSHPort)
	if err != nil {
		diags.AddAttributeError(pathHost, "Cannot Connect to Host", err.Error())
		return "", diags
	}
	h, err := ntopnghardening.ReadHost(ctx, c, plan.ConfigPath.ValueString(), plan.Service.ValueString(), false)
	if err != nil {
		diags.AddError("Cannot Read ntopng Configuration", err.Error())
		return "", diags
	}
	a := &instanceApply{c: c, cfg: cfg, plan: plan, prior: prior, h: h, writeConfigPassword: writeConfigPassword, restart: plan.RestartCommand.ValueString()}
	for _, f := range instanceFeatures {
		if f.check != nil {
			if diags.Append(f.check(ctx, a)...); diags.HasError() {
				return "", diags
			}
		}
	}
	desired, d := desiredInstance(ctx, plan)
	a.desired = desired
	if diags.Append(d...); diags.HasError() {
		return "", diags
	}
	for _, f := range instanceFeatures {
		if f.change != nil {
			if diags.Append(f.change(ctx, a)...); diags.HasError() {
				return "", diags
			}
		}
	}
	ch := hostchange.Change{
		Files:        append(a.edited, a.files...),
		Restart:      a.restart,
		KeepOriginal: true, // whatever on_destroy says now: a later switch to "restore" restores the real original
		ForceRestart: a.forceRestart || prior != nil && restartDrift(driftReasons(plan, *prior)),
	}
	for _, f := range instanceFeatures {
		if f.verify != nil {
			ch.Verify = f.verify(a, ch.Verify)
		}
	}
	err = ntopnghardening.ApplyWithWebACL(ctx, c, ch, a.eff, a.webACL, a.manageACL)
	if err = ntopnghardening.UndoAfter(ctx, err, a.undo); err != nil {
		diags.AddError("Cannot Apply ntopng Configuration", err.Error())
		return "", diags
	}
	for _, f := range instanceFeatures {
		if f.after != nil {
			diags.Append(f.after(ctx, a)...)
		}
	}
	return a.hash, diags
}

// write is Create and Update: apply the plan (prior is nil on Create), then remember the
// password's hash, read the host back and set the state.
func (r *instanceResource) write(ctx context.Context, cfg tfsdk.Config, plan instanceModel, prior *instanceModel, writeConfigPassword bool,
	private privateSetter, state *tfsdk.State, identity *tfsdk.ResourceIdentity) diag.Diagnostics {
	hash, diags := r.apply(ctx, cfg, plan, prior, writeConfigPassword)
	if diags.HasError() {
		return diags
	}
	diags.Append(instanceRedisPassword.remember(ctx, private, hash)...)
	plan.ID = types.StringValue(hostID(plan.Host.ValueString(), plan.SSHPort, plan.ConfigPath.ValueString()))
	found, d := r.refresh(ctx, plan, false)
	diags.Append(d...)
	if found != nil {
		plan = *found
	}
	return append(diags, setApplied(ctx, private, state, identity, instanceIdentity, &plan)...)
}

// instanceRead is what every feature's refresh reads from.
type instanceRead struct {
	c        *transport.Conn
	h        *ntopnghardening.Host // read with the listeners and every feature's unit properties
	imported bool                  // the Read right after an import: adopt what the host has
}

// refresh is m with its attributes as the host really has them, after rolling back an
// interrupted apply; nil when the file is gone.
func (r *instanceResource) refresh(ctx context.Context, m instanceModel, imported bool) (*instanceModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	c, err := r.data.conn(ctx, m.Host.ValueString(), m.SSHPort)
	if err != nil {
		diags.AddAttributeError(pathHost, "Cannot Connect to Host", err.Error())
		return &m, diags
	}
	if diags.Append(recoverInterrupted(ctx, c, m.ConfigPath.ValueString(), unithardening.RecoverRestart(m.RestartCommand.ValueString()))...); diags.HasError() {
		return &m, diags
	}
	var props []string
	for _, f := range instanceFeatures {
		if f.unitProperties != nil {
			props = append(props, f.unitProperties()...)
		}
	}
	h, err := ntopnghardening.ReadHost(ctx, c, m.ConfigPath.ValueString(), m.Service.ValueString(), true, props...)
	if err != nil {
		diags.AddError("Cannot Read ntopng Configuration", err.Error())
		return &m, diags
	}
	if !h.Main.Info.Exists {
		return nil, diags
	}
	rd := instanceRead{c: c, h: h, imported: imported}
	for _, f := range instanceFeatures {
		if f.refresh != nil {
			if diags.Append(f.refresh(ctx, rd, &m)...); diags.HasError() {
				return &m, diags
			}
		}
	}
	return &m, diags
}
