package provider

// ntopng_instance's base feature: where the file is and how ntopng is restarted, the run-as
// user, the options without a feature of their own (interfaces, data_dir, local_networks,
// extra_options), and the configuration files' owner and mode.

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	tfpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopnghardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
	"github.com/hardenops/terraform-provider-ntopng/internal/validators"
)

const (
	defaultNtopngConf    = ntopnghardening.DefaultConfPath
	defaultNtopngRestart = ntopnghardening.DefaultRestartCommand
	defaultNtopngService = ntopnghardening.DefaultServiceName
)

// instanceOnDestroyValues lists the allowed on_destroy values, for the validator.
var instanceOnDestroyValues = hostchange.OnDestroyValues(hostchange.OnDestroyKeep, hostchange.OnDestroyRestore)

// serviceRE: a systemd service unit name (letters, digits, ":_.-" and one "@" instance part).
var serviceRE = regexp.MustCompile(`^[A-Za-z0-9:_.-]+(@[A-Za-z0-9:_.-]*)?\.service$`)

type instanceBaseAttrs struct {
	ID                  types.String `tfsdk:"id"`
	Host                types.String `tfsdk:"host"`
	SSHPort             types.Int64  `tfsdk:"ssh_port"`
	ConfigPath          types.String `tfsdk:"config_path"`
	RestartCommand      types.String `tfsdk:"restart_command"`
	Service             types.String `tfsdk:"service"`
	OnDestroy           types.String `tfsdk:"on_destroy"`
	User                types.String `tfsdk:"user"`
	ManageUser          types.Bool   `tfsdk:"manage_user"`
	UserGroups          types.List   `tfsdk:"user_groups"`
	Interfaces          types.List   `tfsdk:"interfaces"`
	DataDir             types.String `tfsdk:"data_dir"`
	LocalNetworks       types.List   `tfsdk:"local_networks"`
	ExtraOptions        types.Map    `tfsdk:"extra_options"`
	EffectiveOptions    types.Map    `tfsdk:"effective_options"`
	ConfigOwner         types.String `tfsdk:"config_owner"`
	ConfigMode          types.String `tfsdk:"config_mode"`
	WritableConfigPaths types.List   `tfsdk:"writable_config_paths"`
}

var instanceBase = instanceFeature{
	attributes: baseAttributes,
	notWritten: []string{"id", "host", "ssh_port", "config_path", "restart_command", "service", "on_destroy"},
	sameConfig: func(a, b instanceModel) bool {
		return a.User.Equal(b.User) && a.ManageUser.Equal(b.ManageUser) && a.UserGroups.Equal(b.UserGroups) &&
			a.Interfaces.Equal(b.Interfaces) && a.DataDir.Equal(b.DataDir) && a.LocalNetworks.Equal(b.LocalNetworks) &&
			a.ExtraOptions.Equal(b.ExtraOptions)
	},
	desired:  baseDesired,
	validate: baseWarnings,
	plan: func(ctx context.Context, _ *instanceResource, req resource.ModifyPlanRequest, plan *instanceModel, _ *instanceModel) diag.Diagnostics {
		// service and restart_command default to ntop's unit for config_path.
		var diags diag.Diagnostics
		var cfgService, cfgRestart types.String
		diags.Append(req.Config.GetAttribute(ctx, tfpath.Root("service"), &cfgService)...)
		diags.Append(req.Config.GetAttribute(ctx, tfpath.Root("restart_command"), &cfgRestart)...)
		if cfgService.IsNull() && !plan.ConfigPath.IsUnknown() {
			plan.Service = types.StringValue(ntopnghardening.DefaultService(plan.ConfigPath.ValueString()))
		}
		if cfgRestart.IsNull() && !plan.Service.IsUnknown() {
			plan.RestartCommand = types.StringValue(ntopnghardening.DefaultRestart(plan.Service.ValueString()))
		}
		return diags
	},
	drift: func(plan, prior instanceModel) []driftReason {
		// ntopnghardening.FilesDrifted on what the last read found.
		_, disableLogin := prior.EffectiveOptions.Elements()["disable-login"]
		_, wanted := plan.ExtraOptions.Elements()["disable-login"]
		if ntopnghardening.FilesDrifted(ntopnghardening.ReadBack{ConfigOwner: prior.ConfigOwner.ValueString(), ConfigMode: prior.ConfigMode.ValueString(),
			Writable: len(prior.WritableConfigPaths.Elements()), DisableLogin: disableLogin}, wanted) {
			return []driftReason{{attr: "writable_config_paths"}}
		}
		return nil
	},
	readBacks: func(plan *instanceModel, prior *instanceModel) {
		if prior == nil {
			plan.EffectiveOptions = types.MapUnknown(types.StringType)
			plan.ConfigOwner, plan.ConfigMode = types.StringUnknown(), types.StringUnknown()
			plan.WritableConfigPaths = types.ListUnknown(types.StringType)
			return
		}
		plan.EffectiveOptions = prior.EffectiveOptions
		plan.ConfigOwner, plan.ConfigMode, plan.WritableConfigPaths = prior.ConfigOwner, prior.ConfigMode, prior.WritableConfigPaths
	},
	refresh: baseRefresh,
	change:  baseChange,
	restored: func(ctx context.Context, c *transport.Conn, st instanceModel) ([]string, error) {
		return ntopnghardening.RestoredPaths(ctx, c, st.ConfigPath.ValueString())
	},
}

// baseDesired: the user, the data directory, the capture interfaces, the local networks and the
// extra options.
func baseDesired(_ context.Context, m instanceModel, d *ntopnghardening.Desired) diag.Diagnostics {
	var diags diag.Diagnostics
	d.User, d.DataDir = m.User.ValueString(), m.DataDir.ValueString()
	diags.Append(problemAt(tfpath.Root("user"), ntopnghardening.CheckUser(d.User))...)
	if !m.ExtraOptions.IsNull() && !m.ExtraOptions.IsUnknown() {
		d.ExtraOptions = map[string]string{}
		for name, v := range m.ExtraOptions.Elements() {
			if s, ok := v.(types.String); ok && !s.IsUnknown() {
				pd := problemAt(tfpath.Root("extra_options").AtMapKey(name), ntopnghardening.CheckExtraOption(name, s.ValueString()))
				if diags.Append(pd...); !pd.HasError() {
					d.ExtraOptions[name] = s.ValueString()
				}
			}
		}
	}
	lists := []struct {
		attr, option string
		list         types.List
		dst          *[]string
	}{{"interfaces", "interface", m.Interfaces, &d.Interfaces}, {"local_networks", "local-networks", m.LocalNetworks, &d.LocalNetworks}}
	for _, l := range lists {
		if l.list.IsNull() || l.list.IsUnknown() {
			continue
		}
		*l.dst = []string{}
		for i, v := range l.list.Elements() {
			if s, ok := v.(types.String); ok && !s.IsUnknown() {
				pd := problemAt(tfpath.Root(l.attr).AtListIndex(i), ntopnghardening.CheckListValue(l.option, s.ValueString()))
				if diags.Append(pd...); !pd.HasError() {
					*l.dst = append(*l.dst, s.ValueString())
				}
			}
		}
	}
	if !m.DataDir.IsNull() && !m.DataDir.IsUnknown() {
		diags.Append(problemAt(tfpath.Root("data_dir"), ntopnghardening.CheckDataDir(d.DataDir))...)
	}
	// Known elements only: a group from a variable or another resource is unknown at plan time
	// (the quickstart's user_groups = [var.redis_group] failed terraform validate).
	d.UserGroups = listStrings(m.UserGroups)
	return diags
}

// baseWarnings are legal but risky settings.
func baseWarnings(_ context.Context, _ tfsdk.Config, m instanceModel, d ntopnghardening.Desired) diag.Diagnostics {
	var diags diag.Diagnostics
	if m.User.ValueString() == "nobody" {
		diags.AddAttributeWarning(tfpath.Root("user"), "ntopng Runs as nobody",
			"user = \"nobody\" shares an account with other daemons. Use a dedicated user such as \"ntopng\" (manage_user creates it).")
	}
	if _, ok := d.ExtraOptions["disable-login"]; ok {
		diags.AddAttributeWarning(tfpath.Root("extra_options").AtMapKey("disable-login"), "Login Disabled",
			"disable-login turns off authentication of the web interface (1: for everyone, 0: from localhost). Anyone who reaches the port gets in.")
	}
	if _, ok := d.ExtraOptions["insecure"]; ok {
		diags.AddAttributeWarning(tfpath.Root("extra_options").AtMapKey("insecure"), "TLS Certificate Verification Off",
			"extra_options \"insecure\" (--insecure) turns off TLS certificate and host name verification in the connections ntopng "+
				"makes itself: HTTPS downloads (such as blacklists), webhook and other HTTP notifications, Elasticsearch export and "+
				"SMTP mail. Anyone on the network path can pose as those servers and read or change what ntopng sends them, "+
				"credentials included. Remove it, and give those servers certificates that the host's CA store trusts.")
	}
	return diags
}

// baseChange: the managed options (the Redis password from the redis step's check), the user
// created and put in its groups, the configuration given to root, and what ntopng will use
// (a.eff; the redis step writes the files, once it knows where --redis goes).
func baseChange(ctx context.Context, a *instanceApply) diag.Diagnostics {
	var diags diag.Diagnostics
	var err error
	if a.set, a.remove, err = a.desired.Settings(a.password); err != nil {
		diags.AddAttributeError(tfpath.Root("redis"), "Invalid Redis Setting", err.Error())
		return diags
	}
	if a.plan.ManageUser.ValueBool() {
		if err := ntopnghardening.EnsureUser(ctx, a.c, a.desired); err != nil {
			diags.AddAttributeError(tfpath.Root("user"), "Cannot Prepare the ntopng User", err.Error())
			return diags
		}
		if a.h.IDs, err = lookupIDs(ctx, a.c); err != nil {
			diags.AddError("Cannot Read Users", err.Error())
			return diags
		}
	}
	gid, ok := a.h.IDs.PrimaryGID(a.desired.User)
	if !ok {
		diags.AddAttributeError(tfpath.Root("user"), "ntopng User Missing",
			fmt.Sprintf("User %q does not exist on %s and manage_user is false: ntopng would run as nobody. Create the user or set manage_user = true.",
				a.desired.User, a.plan.Host.ValueString()))
		return diags
	}
	a.gid = gid
	// The configuration belongs to root: ntop's package gives it to the service account.
	if len(a.h.Writable) > 0 {
		if err := ntopnghardening.GiveToRoot(ctx, a.c, a.h.Writable); err != nil {
			diags.AddError("Cannot Give ntopng's Configuration to root", err.Error())
			return diags
		}
	}
	// What ntopng will use does not depend on where --redis is written: the unit check, which
	// says whether systemd appends the drop-ins, needs it first.
	_, _, a.eff = a.h.Edit(a.plan.ConfigPath.ValueString(), a.set, a.remove, a.gid, "")
	return diags
}

// editFiles is the configuration's edit (the main file first, then the drop-ins it touches),
// with --redis in the drop-in own ("" for the main file).
func editFiles(ctx context.Context, a *instanceApply, own string) []hostchange.File {
	files, editedDropIns, eff := a.h.Edit(a.plan.ConfigPath.ValueString(), a.set, a.remove, a.gid, own)
	for _, p := range editedDropIns {
		tflog.Debug(ctx, "removing managed options from a drop-in", map[string]any{"path": p})
	}
	a.eff = eff
	return files
}

// baseRefresh: the user and its groups, the options, what ntopng uses and the files' owner and mode.
func baseRefresh(_ context.Context, rd instanceRead, m *instanceModel) diag.Diagnostics {
	h, imported := rd.h, rd.imported
	eff := h.Effective
	m.User = types.StringValue(h.RunAsUser())
	m.UserGroups = stringList(h.MemberOf(listStrings(m.UserGroups)))
	if ifs := h.OptionValues("interface"); !m.Interfaces.IsNull() || (imported && len(ifs) > 0) {
		m.Interfaces = stringList(ifs)
	}
	if v, ok := eff.Options["data-dir"]; ok && (!m.DataDir.IsNull() || imported) {
		m.DataDir = types.StringValue(v)
	} else if !m.DataDir.IsNull() {
		m.DataDir = types.StringValue(eff.DataDir)
	}
	if v, ok := eff.Options["local-networks"]; !m.LocalNetworks.IsNull() || (imported && ok) {
		var nets []string
		if v != "" {
			nets = strings.Split(v, ",")
		}
		m.LocalNetworks = stringList(nets)
	}
	if !m.ExtraOptions.IsNull() {
		extra := map[string]attr.Value{}
		for name := range m.ExtraOptions.Elements() {
			if v, ok := eff.Options[name]; ok {
				extra[name] = types.StringValue(ntopnghardening.Mask(name, v))
			}
		}
		m.ExtraOptions = types.MapValueMust(types.StringType, extra)
	} else if extra := h.ImportedExtraOptions(); imported && len(extra) > 0 {
		m.ExtraOptions = maskedMap(extra)
	}
	m.EffectiveOptions = maskedMap(eff.Options)
	m.ConfigOwner = types.StringValue(h.ConfigOwner())
	m.ConfigMode = types.StringValue(ntopnghardening.FormatMode(uint32(h.Main.Info.Mode.Perm())))
	m.WritableConfigPaths = stringList(h.Writable)
	return nil
}

// maskedMap is options as the state shows them: every value through ntopnghardening.Mask.
func maskedMap(options map[string]string) types.Map {
	v := make(map[string]attr.Value, len(options))
	for k, o := range options {
		v[k] = types.StringValue(ntopnghardening.Mask(k, o))
	}
	return types.MapValueMust(types.StringType, v)
}

// baseAttributes are the base feature's schema attributes.
func baseAttributes() map[string]schema.Attribute {
	restarts := " A change rewrites the file and restarts ntopng."
	return map[string]schema.Attribute{
		"id":       idAttribute("host:config_path"),
		"host":     hostAttribute(),
		"ssh_port": sshPortAttribute(),
		"config_path": schema.StringAttribute{
			MarkdownDescription: "Path of ntopng's configuration file. Default `" + defaultNtopngConf + "` (ntop's packages; " +
				"Debian's own old packages used `/etc/ntopng.conf`). Drop-ins are read from `ntopng.conf.d/*.conf` beside it. " +
				"Changing it replaces the resource.",
			Optional: true, Computed: true,
			Default:       stringdefault.StaticString(defaultNtopngConf),
			Validators:    []validator.String{validators.AbsolutePath()},
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
		},
		"user": schema.StringAttribute{
			MarkdownDescription: "User ntopng runs as after start-up (`--user`). Default `ntopng`. `root` is refused (and so is " +
				"`--dont-change-user`, which the provider removes from the file); `nobody` is warned (shared account). Read " +
				"back: when the user does not exist on the host ntopng falls back to `nobody`, and so does the state." + restarts,
			Optional: true, Computed: true,
			Default:    stringdefault.StaticString("ntopng"),
			Validators: []validator.String{stringvalidator.RegexMatches(userNameRE, "must be a valid POSIX user name")},
		},
		"manage_user": schema.BoolAttribute{
			MarkdownDescription: "Create `user` when missing (system user, group `ntop`, no login shell, home `data_dir`), add it " +
				"to `user_groups`, and give it the data directory. Default `true`.",
			Optional: true, Computed: true,
			Default: booldefault.StaticBool(true),
		},
		"user_groups": schema.ListAttribute{
			MarkdownDescription: "Supplementary groups `user` must be in, e.g. `[\"redis\"]` to reach a Redis socket with mode 770 " +
				"(`[\"valkey\"]` on a Debian 13 host running Valkey, whose socket's group is `valkey`). " +
				"Groups are added, never removed. Read back from /etc/group. Default `[]`.",
			ElementType: types.StringType,
			Optional:    true, Computed: true,
			Default:    listdefault.StaticValue(types.ListValueMust(types.StringType, nil)),
			Validators: []validator.List{listvalidator.ValueStringsAre(stringvalidator.RegexMatches(userNameRE, "must be a group name, like \"redis\""))},
		},
		"interfaces": schema.ListAttribute{
			MarkdownDescription: "Capture interfaces, one `--interface=NAME` line each. Unset: not managed." + restarts,
			ElementType:         types.StringType, Optional: true,
		},
		"data_dir": schema.StringAttribute{
			MarkdownDescription: "ntopng's data directory (`--data-dir`). Unset: not managed (ntopng's default " +
				"`/var/lib/ntopng`); with `manage_user` it is created and given to `user` with mode 0700, never through " +
				"a symbolic link that a user other than root could have planted (apply fails naming the link)." + restarts,
			Optional: true, Validators: []validator.String{validators.AbsolutePath()},
		},
		"local_networks": schema.ListAttribute{
			MarkdownDescription: "Local networks in CIDR form, rendered as one `--local-networks=a,b` line. Unset: not managed." + restarts,
			ElementType:         types.StringType, Optional: true,
		},
		"extra_options": schema.MapAttribute{
			MarkdownDescription: "Other ntopng options by long name without `--`, e.g. `{ \"max-num-flows\" = \"200000\" }`; " +
				"a flag takes `\"\"`. Names are checked against the options ntopng handles (ntopng ignores unknown options " +
				"silently, so a typo would disable a setting: `pid-path` is refused, the option is `pid`; so are `prefs-dir` " +
				"and `traffic-filtering`, which ntopng lists but ignores). Options with a " +
				"dedicated attribute are refused here, and so are values that can carry a credential (those " +
				"`effective_options` masks: `zmq-encryption-key-priv`, `test-script`, `dump-flows` " +
				"with a database or Elasticsearch target, a URL with `user:password@`), since extra_options is stored in " +
				"the state and the plan in clear text: put those in a drop-in written outside Terraform. Read back for " +
				"drift (masked like `effective_options`). `zmq-encrypt-pwd` is refused outright: it is an XOR with a shared " +
				"password, not encryption; use `zmq_encryption`." + restarts,
			ElementType: types.StringType, Optional: true,
		},
		"restart_command": schema.StringAttribute{
			MarkdownDescription: "Shell command run (through `sudo -n` with `sudo = true`) after the file changed. Default `" +
				defaultNtopngRestart + "`, or `systemctl restart SERVICE` when `service` is another unit. Nothing is " +
				"restarted when nothing changed. On a host without systemd set the host's way, e.g. " +
				"`/etc/init.d/ntopng restart` or `service ntopng restart`.",
			Optional: true, Computed: true,
			Validators: []validator.String{noNUL},
		},
		"service": schema.StringAttribute{
			MarkdownDescription: "The systemd unit that runs this ntopng. Its processes, as the service manager knows them " +
				"(the unit's control group, or its main PID and their children, from `systemctl show`), are the ones whose " +
				"listeners are read back and verified: a process elsewhere that merely calls itself `ntopng` is ignored. " +
				"Default `" + defaultNtopngService + "`, or `ntopng@IFACE.service` when `config_path` is ntop's per-interface " +
				"file `ntopng-IFACE.conf` (whose unit reads no drop-ins, so none are read then). Read back for drift: when the " +
				"unit is not running the plan shows an update, and apply starts it with `restart_command`. Where systemd does not " +
				"run on the host (no `/run/systemd/system`, or no `systemctl`), ntopng is found through the PID file its " +
				"configuration names (`--pid`), trusted only for an ntopng started with `config_path`; see the resource's " +
				"page, \"Hosts without systemd\".",
			Optional: true, Computed: true,
			Validators: []validator.String{stringvalidator.RegexMatches(serviceRE, "must be a systemd service unit name such as \"ntopng.service\" or \"ntopng@eth0.service\"")},
		},
		"on_destroy": schema.StringAttribute{
			MarkdownDescription: "What destroy does: `keep` (default: stop managing, leave the hardened file) or `restore` " +
				"(put back the file as it was before the first apply, then restart).",
			Optional: true, Computed: true,
			Default:    stringdefault.StaticString(string(hostchange.OnDestroyKeep)),
			Validators: []validator.String{stringvalidator.OneOf(instanceOnDestroyValues...)},
		},
		"effective_options": schema.MapAttribute{
			MarkdownDescription: "What ntopng will really use after the main file and the drop-ins: the last value of " +
				"every option ntopng handles, by long name (flags as `\"\"`; an option ntopng lists but ignores, such as " +
				"`prefs-dir`, is left out), from the main file and the drop-ins. Values that can carry a " +
				"credential never reach the state or the plan: they show as `" + ntopnghardening.Masked + "` (the password part of " +
				"`redis`, everything after the mode of `dump-flows`, a URL's `user:password@`, and the whole value of " +
				"every option not known to be credential-free, such as `zmq-encrypt-pwd`, `zmq-encryption-key-priv`, " +
				"`test-script`, and options of a newer ntopng). The mask is a constant, not a hash.",
			ElementType: types.StringType, Computed: true,
		},
		"config_owner": schema.StringAttribute{
			MarkdownDescription: "`USER:GROUP` of `config_path` on the host. Apply writes `root:` and `user`'s primary group. Read " +
				"back: an owner other than `root` is drift (ntop's package gives the file to `ntopng:ntop`, so ntopng could " +
				"rewrite its own configuration), and apply gives the file back to root.",
			Computed: true,
		},
		"config_mode": schema.StringAttribute{
			MarkdownDescription: "Mode of `config_path` on the host, e.g. `0640`. Apply writes `0640`. Read back: anything else is drift.",
			Computed:            true,
		},
		"writable_config_paths": schema.ListAttribute{
			MarkdownDescription: "The configuration folder, its `ntopng.conf.d` and the drop-ins that someone other than root " +
				"owns or that group or others may write. ntop's package runs `chown -R ntopng:ntop /etc/ntopng` on every " +
				"install and upgrade, which lets ntopng itself rewrite its configuration (add `--dont-change-user`, or a " +
				"drop-in with `--disable-login`). Read back: a non-empty list is drift, and apply gives each to root and " +
				"removes group and other write permission (the group is kept; symbolic links are given to root, never followed).",
			ElementType: types.StringType, Computed: true,
		},
	}
}
