package provider

// ntopng_instance's confinement: the drop-in for ntopng's systemd unit (unithardening), its
// attributes, its part of the apply and of the read.

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	tfpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listdefault"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/audit"
	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopnghardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
	"github.com/hardenops/terraform-provider-ntopng/internal/unithardening"
)

// confinement_status values besides the problems found.
const (
	confinementInEffect = "in effect"
	confinementOff      = "off"
)

type instanceConfinementAttrs struct {
	Confinement              types.Bool   `tfsdk:"confinement"`
	ConfinementWritablePaths types.List   `tfsdk:"confinement_writable_paths"`
	ConfinementStatus        types.String `tfsdk:"confinement_status"`
}

var instanceConfinement = instanceFeature{
	attributes: confinementAttributes,
	sameConfig: func(a, b instanceModel) bool {
		return a.Confinement.Equal(b.Confinement) && a.ConfinementWritablePaths.Equal(b.ConfinementWritablePaths)
	},
	validate: func(_ context.Context, _ tfsdk.Config, m instanceModel, _ ntopnghardening.Desired) diag.Diagnostics {
		return confinementValidate(m)
	},
	drift: func(_, prior instanceModel) []driftReason {
		if confinementDrifted(prior) {
			return []driftReason{{attr: "confinement_status", restart: true}}
		}
		return nil
	},
	readBacks: func(plan *instanceModel, prior *instanceModel) {
		plan.ConfinementStatus = types.StringUnknown()
		if prior != nil {
			plan.ConfinementStatus = prior.ConfinementStatus
		}
	},
	unitProperties: unithardening.Properties,
	refresh: func(ctx context.Context, rd instanceRead, m *instanceModel) diag.Diagnostics {
		status, diags := confinementStatus(ctx, rd.c, *m, rd.h)
		m.ConfinementStatus = status
		return diags
	},
	change: func(ctx context.Context, a *instanceApply) diag.Diagnostics {
		files, restart, systemd, diags := confinementChange(ctx, a.c, a.plan, a.h, a.eff)
		a.files, a.restart, a.systemd = append(a.files, files...), restart, systemd
		return diags
	},
	verify: func(a *instanceApply, next verifyFunc) verifyFunc {
		// a.systemd: the drop-in was written (or removed) in this change.
		return confinementVerify(a.c, a.plan, a.h, a.eff, a.systemd, next)
	},
	restored: func(_ context.Context, _ *transport.Conn, st instanceModel) ([]string, error) {
		// The drop-in has a marker of its absence before the first apply: it goes.
		return []string{unithardening.DropInPath(st.Service.ValueString())}, nil
	},
}

// confinementAttributes are the schema's confinement attributes.
func confinementAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"confinement": schema.BoolAttribute{
			MarkdownDescription: "Confine ntopng by its systemd unit: a drop-in `/etc/systemd/system/<service>.d/" + unithardening.DropInName +
				"` (root, 0644) with a read-only system and home, a private `/tmp`, no new privileges, a capability bounding set " +
				"of what ntopng needs, its socket families only, a system-call filter and the kernel protected (see \"Confinement\" " +
				"on this page for every setting, and those left out with the reason). Written, backed up and rolled back with " +
				"the configuration file; `systemctl daemon-reload` runs before the restart. Read back for drift: the file, the " +
				"settings in effect in the unit (`systemctl show`) and whether the running ntopng was started with them. `false` " +
				"removes the drop-in. Where systemd does not run (or does not know the settings) nothing is written and a warning " +
				"says so. Default `true`.",
			Optional: true, Computed: true,
			Default: booldefault.StaticBool(true),
		},
		"confinement_writable_paths": schema.ListAttribute{
			MarkdownDescription: "More folders ntopng must write when confined (`ReadWritePaths`), besides `/run` (where ntop's unit " +
				"writes the configuration it starts ntopng with) and the data directory (`data_dir`, or the files' `--data-dir`, " +
				"default `/var/lib/ntopng`), e.g. a `--dump-flows` or PCAP folder. Absolute clean paths that exist on the host, " +
				"not under `/tmp`, `/var/tmp`, `/home`, `/root` or `/run/user` (private to ntopng when confined) and not `/`, " +
				"`/etc`, `/usr`, `/var` or `/boot` themselves. Default `[]`.",
			ElementType: types.StringType,
			Optional:    true, Computed: true,
			Default: listdefault.StaticValue(types.ListValueMust(types.StringType, nil)),
		},
		"confinement_status": schema.StringAttribute{
			MarkdownDescription: "Read back: `in effect` (the drop-in as written, its settings in effect in the unit and in the " +
				"running ntopng), `off` (`confinement = false` and no drop-in), `not checked: ...` (systemd does not run on the " +
				"host, or does not know the settings; not drift), or what differs (drift: apply writes the drop-in again, " +
				"reloads systemd and restarts ntopng).",
			Computed: true,
		},
	}
}

// confinementValidate: the extra writable paths, and a data directory that confinement would
// hide from ntopng.
func confinementValidate(m instanceModel) diag.Diagnostics {
	var diags diag.Diagnostics
	for i, p := range listStrings(m.ConfinementWritablePaths) {
		if why := unithardening.CheckWritablePath(p); why != "" {
			diags.AddAttributeError(tfpath.Root("confinement_writable_paths").AtListIndex(i), "Invalid Writable Path",
				fmt.Sprintf("%q %s.", p, why))
		}
	}
	if !m.Confinement.IsNull() && !m.Confinement.IsUnknown() && !m.Confinement.ValueBool() {
		diags.AddAttributeWarning(tfpath.Root("confinement"), "ntopng's Runtime Copy of Its Configuration Readable by Everyone",
			"With confinement = false, ntop's ntopng.service (and ntopng@.service) copies the configuration and its drop-ins into "+
				"/run/ntopng.conf (or /run/ntopng-IFACE.conf) under systemd's default umask: mode 0644 (seen on Debian 13), readable "+
				"by every local user, Redis password included. confinement = true (the default) sets UMask=0077 in ntopng's unit, "+
				"which makes that copy root's alone.")
	}
	if m.Confinement.ValueBool() && !m.DataDir.IsNull() && !m.DataDir.IsUnknown() {
		if why := unithardening.CheckWritablePath(m.DataDir.ValueString()); why != "" {
			diags.AddAttributeError(tfpath.Root("data_dir"), "Data Directory Not Usable When Confined",
				fmt.Sprintf("data_dir %q: with confinement = true it %s, or set confinement = false.", m.DataDir.ValueString(), why))
		}
	}
	return diags
}

// confinementSettings are the drop-in's settings for m, with eff the configuration ntopng uses.
func confinementSettings(m instanceModel, eff ntopngconf.Effective) []unithardening.Setting {
	return unithardening.Settings(eff.DataDir, listStrings(m.ConfinementWritablePaths))
}

// confinementChange is the confinement's part of an apply: the drop-in (written, or removed
// with confinement = false) and the restart command with systemd reloaded first. Where the
// service manager does not know the settings, nothing (a warning). systemd says whether it
// knows them (the unit's other drop-ins can be written then).
func confinementChange(ctx context.Context, c *transport.Conn, plan instanceModel, h *ntopnghardening.Host, eff ntopngconf.Effective) (files []hostchange.File, restart string, systemd bool, diags diag.Diagnostics) {
	restart = plan.RestartCommand.ValueString()
	s := h.Service(plan.ConfigPath.ValueString(), plan.Service.ValueString(), eff)
	s.Properties = unithardening.Properties()
	u, err := livecheck.UnitListeners(ctx, c, s)
	if err != nil {
		diags.AddAttributeError(tfpath.Root("service"), "Cannot Read ntopng's Unit", err.Error())
		return nil, restart, false, diags
	}
	if !unithardening.Known(u.Properties) {
		if plan.Confinement.ValueBool() {
			diags.AddAttributeWarning(tfpath.Root("confinement"), "ntopng Not Confined", confinementNotChecked(plan, u)+
				". Nothing was written for the confinement.")
		}
		return nil, restart, false, diags
	}
	f := hostchange.File{Path: unithardening.DropInPath(plan.Service.ValueString()), Remove: true}
	if plan.Confinement.ValueBool() {
		// The data directory may come from the host's files, which ntop's package lets the
		// ntopng account write: never a path that would undo the confinement or split in two.
		if why := unithardening.CheckWritablePath(eff.DataDir); why != "" {
			diags.AddAttributeError(tfpath.Root("data_dir"), "Data Directory Not Usable When Confined",
				fmt.Sprintf("The configuration files on %s set --data-dir=%q, which the confinement would make writable: it %s. "+
					"Set data_dir, or confinement = false. ntopng.conf was not written.", plan.Host.ValueString(), eff.DataDir, why))
			return nil, restart, true, diags
		}
		f = hostchange.File{Path: f.Path, Data: unithardening.Render(confinementSettings(plan, eff)), Mode: unithardening.DropInMode, UID: 0, GID: 0}
		if err := hostchange.EnsureRootDir(ctx, c, path.Dir(f.Path)); err != nil {
			diags.AddAttributeError(tfpath.Root("confinement"), "Cannot Create the Unit's Drop-in Folder", err.Error())
			return nil, restart, true, diags
		}
	}
	return []hostchange.File{f}, unithardening.Restart(restart), true, diags
}

// confinementNotChecked says why the confinement cannot be applied or checked on the host.
func confinementNotChecked(m instanceModel, u livecheck.Unit) string {
	if u.Properties == nil {
		return fmt.Sprintf("On %s systemd does not run, so ntopng cannot be confined by its unit", m.Host.ValueString())
	}
	return fmt.Sprintf("On %s the service manager does not report the confinement's settings for %s (a systemd older than 247, "+
		"or not systemd)", m.Host.ValueString(), m.Service.ValueString())
}

// confinementStatus is confinement_status as the host has it: h is the read with
// unithardening.Properties.
func confinementStatus(ctx context.Context, c *transport.Conn, m instanceModel, h *ntopnghardening.Host) (types.String, diag.Diagnostics) {
	var diags diag.Diagnostics
	if !unithardening.Known(h.UnitProperties) {
		return types.StringValue(livecheck.NotChecked + confinementNotChecked(m, livecheck.Unit{Properties: h.UnitProperties})), diags
	}
	p := unithardening.DropInPath(m.Service.ValueString())
	files, err := c.ReadFiles(ctx, []string{p})
	if err != nil {
		diags.AddAttributeError(tfpath.Root("confinement_status"), "Cannot Read the Confinement", err.Error())
		return types.StringNull(), diags
	}
	f := files[0]
	if !m.Confinement.ValueBool() {
		if f.Info.Exists {
			return types.StringValue(fmt.Sprintf("the drop-in %s is still there", p)), diags
		}
		return types.StringValue(confinementOff), diags
	}
	settings := confinementSettings(m, h.Effective)
	problems := unithardening.Problems(settings, h.UnitProperties, p, f.Data, unithardening.Render(settings), f.Info.Exists)
	if f.Info.Exists && (f.Info.UID != 0 || f.Info.Mode.Perm() != unithardening.DropInMode) {
		problems = append(problems, fmt.Sprintf("the drop-in %s has owner uid %d and mode %04o, want root and 0644", p, f.Info.UID, f.Info.Mode.Perm()))
	}
	if len(problems) == 0 {
		return types.StringValue(confinementInEffect), diags
	}
	return types.StringValue(strings.Join(problems, "; ")), diags
}

// confinementDrifted: the last read found the confinement not as configured.
func confinementDrifted(st instanceModel) bool {
	s := st.ConfinementStatus
	if s.IsNull() || s.IsUnknown() {
		return false
	}
	v := s.ValueString()
	return v != confinementInEffect && v != confinementOff && !strings.HasPrefix(v, livecheck.NotChecked)
}

// auditConfinement is the service_confinement fact of ntopng_audit: the settings
// ntopng_instance writes (the writable paths aside: an operator's own drop-in may name others)
// as the unit u has them.
func auditConfinement(u livecheck.Unit, eff ntopngconf.Effective) audit.Confinement {
	if !unithardening.Known(u.Properties) {
		why := "systemd does not run on the host"
		if u.Properties != nil {
			why = "the service manager does not report the confinement's settings for " + u.Name
		}
		return audit.Confinement{Why: why}
	}
	var settings []unithardening.Setting
	for _, s := range unithardening.Settings(eff.DataDir, nil) {
		if s.Directive != "ReadWritePaths" {
			settings = append(settings, s)
		}
	}
	return audit.Confinement{Checked: true, Unmet: unithardening.Unmet(settings, u.Properties), InEffect: unithardening.InEffect(settings, u.Properties)}
}

// confinementVerify is verify followed, when the confinement is on and applied (managed),
// by the check that the restarted ntopng runs with its settings: another drop-in that
// overrides one, or a systemd that refused one, fails the apply and puts the files back.
func confinementVerify(c *transport.Conn, plan instanceModel, h *ntopnghardening.Host, eff ntopngconf.Effective, managed bool,
	verify func(context.Context) error) func(context.Context) error {
	if !managed || !plan.Confinement.ValueBool() {
		return verify
	}
	return func(ctx context.Context) error {
		if verify != nil {
			if err := verify(ctx); err != nil {
				return err
			}
		}
		s := h.Service(plan.ConfigPath.ValueString(), plan.Service.ValueString(), eff)
		s.Properties = unithardening.Properties()
		u, err := livecheck.UnitListeners(ctx, c, s)
		if err != nil {
			return err
		}
		if unmet := unithardening.Unmet(confinementSettings(plan, eff), u.Properties); len(unmet) > 0 {
			return fmt.Errorf("ntopng is not confined as its drop-in %s says: %s (is another drop-in of %s overriding it? "+
				"`systemctl cat %[3]s` shows them)", unithardening.DropInPath(plan.Service.ValueString()), strings.Join(unmet, "; "), plan.Service.ValueString())
		}
		return nil
	}
}
