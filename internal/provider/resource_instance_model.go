package provider

// ntopng_instance by feature. Each feature (instanceFeatures) declares once, in its own
// resource_instance_X.go, everything about its attributes: their schema, their checks, what a
// change of them does to the plan, its host steps, its read-back and what is drift. The
// resource's methods (resource_instance.go), the apply and the read (resource_instance_host.go)
// only run every feature in the registry's order. CONTRIBUTING.md, "ntopng_instance by
// feature", shows an attribute added.

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	tfpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/hardenops/terraform-provider-ntopng/internal/ntopnghardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// instanceModel is ntopng_instance's model: one part per feature, each declared in the
// feature's file (tfmodel and the framework follow embedded structs).
type instanceModel struct {
	instanceBaseAttrs
	instanceListenAttrs
	instanceConfinementAttrs
	instanceRedisAttrs
	instanceTLSAttrs
	instanceZMQAttrs
	instanceWebACLAttrs
	instanceGrantsAttrs
}

// instanceFeatures is every feature, in host order: the apply's steps, the verifications
// (each wraps the ones before it) and the read run in this order.
var instanceFeatures = []*instanceFeature{
	&instanceBase, &instanceListen, &instanceConfinement, &instanceRedis, &instanceTLS, &instanceZMQ, &instanceWebACL, &instanceGrants,
}

// instanceFeature is one feature of ntopng_instance. Every field but attributes may be nil.
type instanceFeature struct {
	// attributes are its schema attributes, validators and defaults included. An import
	// starts from their defaults (null where there is none), and Read fills the rest.
	attributes func() map[string]schema.Attribute
	// sameConfig: a and b ask the same of the host in every attribute it writes (a change of
	// one is an apply, and makes the read-backs unknown). TestInstanceSameConfigCoversEveryAttribute
	// fails on a configurable attribute that sameConfig misses and notWritten does not list.
	sameConfig func(a, b instanceModel) bool
	// notWritten are its configurable attributes that change nothing on the host by
	// themselves (where to connect, how to restart or verify, what destroy does).
	notWritten []string
	// configValidators are its checks across attributes.
	configValidators func() []resource.ConfigValidator
	// desired adds what it writes into ntopng's files to d; a bad value is an error on its
	// attribute. Unknown values add nothing.
	desired func(ctx context.Context, m instanceModel, d *ntopnghardening.Desired) diag.Diagnostics
	// validate is ValidateConfig's other checks and warnings (d: desired's, without errors).
	validate func(ctx context.Context, cfg tfsdk.Config, m instanceModel, d ntopnghardening.Desired) diag.Diagnostics
	// plan is ModifyPlan's checks and planned values, before the read-backs (prior is nil on
	// create).
	plan func(ctx context.Context, r *instanceResource, req resource.ModifyPlanRequest, plan *instanceModel, prior *instanceModel) diag.Diagnostics
	// drift is what the last read (prior) found wrong that an apply repairs: see driftReason.
	drift func(plan, prior instanceModel) []driftReason
	// readBacks sets its computed attributes in the plan: as prior has them, or unknown (known
	// after apply) when prior is nil.
	readBacks func(plan *instanceModel, prior *instanceModel)
	// keepReadBacks: its read-backs stay as prior has them even though an apply runs (it
	// cannot change them).
	keepReadBacks func(plan, prior instanceModel) bool
	// unitProperties are the systemd properties of ntopng's unit its read needs.
	unitProperties func() []string
	// refresh sets its attributes of m as the host has them.
	refresh func(ctx context.Context, rd instanceRead, m *instanceModel) diag.Diagnostics
	// check, change, verify and after are its apply steps: instanceApply.
	check  func(ctx context.Context, a *instanceApply) diag.Diagnostics
	change func(ctx context.Context, a *instanceApply) diag.Diagnostics
	verify func(a *instanceApply, next verifyFunc) verifyFunc
	after  func(ctx context.Context, a *instanceApply) diag.Diagnostics
	// restored are the paths on_destroy = "restore" puts back as they were before the first
	// apply (or removes, when they were not there).
	restored func(ctx context.Context, c *transport.Conn, st instanceModel) ([]string, error)
}

// driftReason is one thing the last read found that an apply repairs.
type driftReason struct {
	// attr is the read-back attribute that shows it.
	attr string
	// restart: the running ntopng is wrong (its listeners, its Redis, its confinement, its
	// TLS), so apply restarts it even when every file is already right (ForceRestart). The
	// other reasons are repaired in place and concern no running process: the configuration
	// files' owner and mode (a change of them is a change of the file, which restarts ntopng
	// anyway) and the ZMQ private key's owner and mode (rewritten after the change; ntopng
	// loaded the key when it started).
	restart bool
}

// instanceAttributes is the schema's attributes: every feature's, each named once.
func instanceAttributes() map[string]schema.Attribute {
	all := map[string]schema.Attribute{}
	for _, f := range instanceFeatures {
		a := f.attributes()
		for name := range a {
			if _, dup := all[name]; dup {
				panic(fmt.Sprintf("ntopng_instance: attribute %q declared by two features", name))
			}
		}
		maps.Copy(all, a)
	}
	return all
}

// desiredInstance builds what m asks of the files and validates it; unknown values stay empty
// (an unknown listen is "", an unknown redis nil), a null http_listen is its default.
func desiredInstance(ctx context.Context, m instanceModel) (ntopnghardening.Desired, diag.Diagnostics) {
	var d ntopnghardening.Desired
	var diags diag.Diagnostics
	for _, f := range instanceFeatures {
		if f.desired != nil {
			diags.Append(f.desired(ctx, m, &d)...)
		}
	}
	return d, diags
}

// problemAt is pr (when there is one) as an error on the attribute at p.
func problemAt(p tfpath.Path, pr *ntopnghardening.Problem) diag.Diagnostics {
	var diags diag.Diagnostics
	if pr != nil {
		diags.AddAttributeError(p, pr.Summary, pr.Detail)
	}
	return diags
}

// configEqual: a and b ask the same of the host (every feature's sameConfig).
func configEqual(a, b instanceModel) bool {
	for _, f := range instanceFeatures {
		if f.sameConfig != nil && !f.sameConfig(a, b) {
			return false
		}
	}
	return true
}

// driftReasons is every feature's drift: the one list that both the plan (planReadBacks: any
// reason makes the read-backs unknown) and the apply (ForceRestart: a reason with restart)
// decide from.
func driftReasons(plan, prior instanceModel) []driftReason {
	var out []driftReason
	for _, f := range instanceFeatures {
		if f.drift != nil {
			out = append(out, f.drift(plan, prior)...)
		}
	}
	return out
}

// restartDrift: a reason of reasons is repaired by restarting ntopng.
func restartDrift(reasons []driftReason) bool {
	return slices.ContainsFunc(reasons, func(r driftReason) bool { return r.restart })
}

// planReadBacks: the read-back attributes stay as the state has them when nothing is to be
// written or repaired; otherwise they are known after apply, unless their feature knows that
// this apply cannot change them.
func planReadBacks(plan instanceModel, prior *instanceModel) instanceModel {
	applies := prior == nil || !configEqual(plan, *prior) || len(driftReasons(plan, *prior)) > 0
	for _, f := range instanceFeatures {
		if f.readBacks == nil {
			continue
		}
		if !applies || prior != nil && f.keepReadBacks != nil && f.keepReadBacks(plan, *prior) {
			f.readBacks(&plan, prior)
		} else {
			f.readBacks(&plan, nil)
		}
	}
	return plan
}

// objectAsOptions reads nested objects whose optional fields may be null.
var objectAsOptions = basetypes.ObjectAsOptions{UnhandledNullAsEmpty: true, UnhandledUnknownAsEmpty: true}

// listStrings is the known strings of l (nil when l is null).
func listStrings(l types.List) []string {
	var out []string
	for _, v := range l.Elements() {
		if s, ok := v.(types.String); ok && !s.IsUnknown() {
			out = append(out, s.ValueString())
		}
	}
	return out
}
