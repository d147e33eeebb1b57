package provider

// What ntop's package grants on install, taken back by ntopng_instance
// (revoke_package_grants): nmap's file capabilities, the service account in systemd-journal,
// the sudoers rule for ntopctl, the root cron job of ntop's updater. The host side is
// ntopnghardening's grants.go.

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	tfpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectdefault"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopnghardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

type instanceGrantsAttrs struct {
	RevokePackageGrants types.Object `tfsdk:"revoke_package_grants"`
}

var instanceGrants = instanceFeature{
	attributes: func() map[string]schema.Attribute {
		return map[string]schema.Attribute{"revoke_package_grants": revokePackageGrantsAttribute()}
	},
	sameConfig: func(a, b instanceModel) bool { return a.RevokePackageGrants.Equal(b.RevokePackageGrants) },
	validate: func(ctx context.Context, _ tfsdk.Config, m instanceModel, _ ntopnghardening.Desired) diag.Diagnostics {
		return validateGrants(ctx, m)
	},
	refresh: func(ctx context.Context, rd instanceRead, m *instanceModel) diag.Diagnostics {
		grants, diags := grantsReadBack(ctx, m.Host.ValueString(), m.RevokePackageGrants, rd.h.Grants)
		m.RevokePackageGrants = grants
		return diags
	},
	// Last of the changes: it takes grants back live (undone if the change then fails).
	change: func(ctx context.Context, a *instanceApply) diag.Diagnostics {
		files, undo, restart, diags := revokeGrants(ctx, a.c, a.plan, a.h, a.desired.User, a.files)
		a.files, a.undo, a.forceRestart = files, undo, a.forceRestart || restart
		return diags
	},
}

// instanceGrantsModel is the revoke_package_grants attribute.
type instanceGrantsModel struct {
	NmapCapabilities types.Bool `tfsdk:"nmap_capabilities"`
	SystemdJournal   types.Bool `tfsdk:"systemd_journal"`
	NtopctlSudo      types.Bool `tfsdk:"ntopctl_sudo"`
	UpdateCron       types.Bool `tfsdk:"update_cron"`
}

var grantsAttrTypes = map[string]attr.Type{
	"nmap_capabilities": types.BoolType,
	"systemd_journal":   types.BoolType,
	"ntopctl_sudo":      types.BoolType,
	"update_cron":       types.BoolType,
}

// grantsObject is revoke_package_grants with the values of r.
func grantsObject(r ntopnghardening.Revoke) types.Object {
	return types.ObjectValueMust(grantsAttrTypes, map[string]attr.Value{
		"nmap_capabilities": types.BoolValue(r.NmapCaps), "systemd_journal": types.BoolValue(r.Journal),
		"ntopctl_sudo": types.BoolValue(r.Sudoers), "update_cron": types.BoolValue(r.Cron),
	})
}

// revokeAll is revoke_package_grants' default: every grant taken back.
var revokeAll = ntopnghardening.Revoke{NmapCaps: true, Journal: true, Sudoers: true, Cron: true}

func revokePackageGrantsAttribute() schema.SingleNestedAttribute {
	what := func(desc string) schema.BoolAttribute {
		return schema.BoolAttribute{MarkdownDescription: desc, Optional: true, Computed: true, Default: booldefault.StaticBool(true)}
	}
	return schema.SingleNestedAttribute{
		MarkdownDescription: "Take back what ntop's package grants on install, beyond ntopng itself. Each is `true` (default: " +
			"taken back) or `false` (left as the host has it, not managed), and read back for drift: an upgrade of ntop's " +
			"package runs its postinst again, which grants them again, and the next plan shows it. A host without nmap, " +
			"without the `systemd-journal` group or without the sudoers file has nothing to take back. See the resource's " +
			"page, \"What ntop's package grants\", for what each costs in ntopng's web interface.",
		Optional: true, Computed: true,
		Default: objectdefault.StaticValue(grantsObject(revokeAll)),
		Attributes: map[string]schema.Attribute{
			"nmap_capabilities": what("Remove the file capabilities of `" + ntopnghardening.NmapPath + "` " +
				"(`setcap -r`; ntop's postinst gives it `cap_net_raw,cap_net_admin,cap_net_bind_service+eip`, so every local " +
				"user can send raw packets and bind ports below 1024 through nmap). Never through a symbolic link: apply fails " +
				"when the path is not a regular file owned by root."),
			"systemd_journal": what("Take `user` out of the `" + ntopnghardening.JournalGroup + "` group " +
				"(`gpasswd -d`; ntop's postinst puts `ntopng` there, so the account reads every service's log) and restart " +
				"ntopng, which takes its groups when it starts. Cannot be combined with `" + ntopnghardening.JournalGroup + "` in `user_groups`."),
			"ntopctl_sudo": what("Remove `" + ntopnghardening.SudoersPath + "` (ntop's `ntopng ALL= NOPASSWD: " +
				"/usr/bin/ntopctl`: the account may start, stop and enable services as root), in the same change as " +
				"ntopng.conf: kept as `" + ntopnghardening.SudoersPath + ".pre-terraform` (a name with a dot, which sudo does " +
				"not read) and put back by a failed apply, and by `on_destroy = \"restore\"`."),
			"update_cron": what("Remove `" + ntopnghardening.CronPath + "`, ntop's cron job that runs its updater " +
				"(`ntopng-utils-manage-updates`) as root every minute: the updater puts the Redis password it finds in " +
				"`" + ntopnghardening.UpdaterConfPath + "` on `redis-cli`'s command line, where every local user can read it, " +
				"and runs `apt-get install --allow-unauthenticated ntopng` as root whenever ntopng's Redis holds " +
				"`ntopng.updates.run_upgrade = 1`. Removed in the same change as ntopng.conf, kept as `" + ntopnghardening.CronPath +
				".pre-terraform` (cron runs no file of `cron.d` whose name has a dot) and put back by a failed apply and by " +
				"`on_destroy = \"restore\"`. Costs the web interface's \"Check for updates\" and \"Upgrade\": upgrade ntopng " +
				"with apt instead. `false` keeps the job, with a plan warning: the updater then cannot reach a Redis that needs " +
				"a password, since the provider never writes the password where it reads it."),
		},
	}
}

// revokeOf is what plan's revoke_package_grants asks for (unknown or null: everything).
func revokeOf(ctx context.Context, o types.Object) (ntopnghardening.Revoke, diag.Diagnostics) {
	if o.IsNull() || o.IsUnknown() {
		return revokeAll, nil
	}
	var g instanceGrantsModel
	diags := o.As(ctx, &g, objectAsOptions)
	yes := func(b types.Bool) bool { return b.IsNull() || b.IsUnknown() || b.ValueBool() }
	return ntopnghardening.Revoke{NmapCaps: yes(g.NmapCapabilities), Journal: yes(g.SystemdJournal), Sudoers: yes(g.NtopctlSudo),
		Cron: yes(g.UpdateCron)}, diags
}

// validateGrants: the journal membership cannot be both taken back and asked for.
func validateGrants(ctx context.Context, m instanceModel) diag.Diagnostics {
	r, diags := revokeOf(ctx, m.RevokePackageGrants)
	if r.Journal && !m.RevokePackageGrants.IsUnknown() && slices.Contains(listStrings(m.UserGroups), ntopnghardening.JournalGroup) {
		diags.AddAttributeError(tfpath.Root("revoke_package_grants").AtName("systemd_journal"), "Group Both Granted and Taken Back",
			fmt.Sprintf("user_groups puts the user in %[1]s while revoke_package_grants.systemd_journal (default true) takes it out. "+
				"Either remove %[1]q from user_groups, or set revoke_package_grants = { systemd_journal = false }.", ntopnghardening.JournalGroup))
	}
	if !r.Cron && !m.RevokePackageGrants.IsUnknown() {
		diags.AddAttributeWarning(tfpath.Root("revoke_package_grants").AtName("update_cron"), "ntop's Updater Kept, and It Cannot Work",
			updaterKeptWarning)
	}
	return diags
}

// updaterKeptWarning is the plan warning of update_cron = false.
const updaterKeptWarning = "revoke_package_grants.update_cron = false keeps " + ntopnghardening.CronPath + ": ntop's updater " +
	"(ntopng-utils-manage-updates) runs as root every minute. It takes Redis's address and password from the --redis line of " +
	ntopnghardening.UpdaterConfPath + " and passes them to redis-cli as arguments, which every local user can read in " +
	"/proc/PID/cmdline. So where config_path is that file and systemd runs ntop's unit (which appends ntopng.conf.d), the " +
	"provider writes ntopng's --redis (and its password) in ntopng.conf.d/" + ntopnghardening.RedisDropInName + " instead, " +
	"which the updater does not read (on a host without systemd it stays in ntopng.conf, and the updater leaks it): it then asks " +
	"redis-cli's default Redis (127.0.0.1:6379) without a password. With Redis on a Unix socket or behind a password it " +
	"reaches nothing, so the web interface's \"Check for updates\" and \"Upgrade\" do nothing; where a Redis on 127.0.0.1:6379 " +
	"takes connections without a password, any local user who sets ntopng.updates.run_upgrade there makes root run " +
	"apt-get install --allow-unauthenticated ntopng. No way keeps the updater working without its password on a command " +
	"line. Upgrade ntopng with apt, and remove update_cron = false (the default, true, removes the job)."

// grantsReadBack is revoke_package_grants as the host has it: a grant the configuration takes
// back reads false while the host still has it; a grant left alone (false) stays false.
// A grant that could not be read is not drift (a warning says why).
func grantsReadBack(ctx context.Context, host string, prior types.Object, g ntopnghardening.Grants) (types.Object, diag.Diagnostics) {
	r, diags := revokeOf(ctx, prior)
	diags.Append(grantsWarning(host, g, r)...)
	if !g.Read {
		return grantsObject(r), diags
	}
	p := g.Present(r)
	return grantsObject(ntopnghardening.Revoke{NmapCaps: r.NmapCaps && !p.NmapCaps, Journal: r.Journal && !p.Journal,
		Sudoers: r.Sudoers && !p.Sudoers, Cron: r.Cron && !p.Cron}), diags
}

// grantsWarning says why nmap's capabilities could not be read (not drift).
func grantsWarning(host string, g ntopnghardening.Grants, r ntopnghardening.Revoke) diag.Diagnostics {
	var diags diag.Diagnostics
	if r.NmapCaps && g.NmapNote != "" {
		diags.AddAttributeWarning(tfpath.Root("revoke_package_grants").AtName("nmap_capabilities"), "nmap's Capabilities Not Checked",
			fmt.Sprintf("On %s, %s. Nothing was changed there.", host, g.NmapNote))
	}
	return diags
}

// revokeGrants is apply's part: what the host has of the grants plan takes back, the sudoers
// rule's removal appended to files (the file change), nmap's capabilities and the group
// membership taken back now. undo gives those two back when the file change then fails;
// restart is true when ntopng must restart to drop the group.
func revokeGrants(ctx context.Context, c *transport.Conn, plan instanceModel, h *ntopnghardening.Host, user string, files []hostchange.File) (
	_ []hostchange.File, undo func(context.Context) error, restart bool, diags diag.Diagnostics) {
	r, diags := revokeOf(ctx, plan.RevokePackageGrants)
	if diags.HasError() || r == (ntopnghardening.Revoke{}) {
		return files, nil, false, diags
	}
	g, err := ntopnghardening.ReadGrants(ctx, c, h.IDs, user)
	if err != nil {
		diags.AddAttributeError(tfpath.Root("revoke_package_grants"), "Cannot Read ntop's Package Grants", err.Error())
		return files, nil, false, diags
	}
	diags.Append(grantsWarning(plan.Host.ValueString(), g, r)...)
	p := g.Present(r)
	if p.Sudoers {
		files = append(files, ntopnghardening.SudoersRemoval())
	}
	if p.Cron {
		files = append(files, ntopnghardening.CronRemoval())
	}
	done, undo, err := ntopnghardening.RevokeLive(ctx, c, g, p)
	if err != nil {
		diags.AddAttributeError(tfpath.Root("revoke_package_grants"), "Cannot Take Back ntop's Package Grants", err.Error()+". Nothing else was changed.")
	}
	return files, undo, done.Journal, diags
}
