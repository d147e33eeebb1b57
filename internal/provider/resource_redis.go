package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	tfpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/redisconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/redishardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/tfmodel"
)

var (
	_ resource.ResourceWithConfigure      = (*redisResource)(nil)
	_ resource.ResourceWithImportState    = (*redisResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*redisResource)(nil)
	_ resource.ResourceWithValidateConfig = (*redisResource)(nil)
)

// NewRedisResource is the ntopng_redis resource: the redis.conf of the Redis ntopng uses,
// hardened in place and proved by a live check of the running server. The rules (what the
// file must say, how the host's file and server are read, what is wrong) are in
// internal/redishardening; this file translates between them and Terraform.
func NewRedisResource() resource.Resource { return &redisResource{} }

type redisResource struct {
	data *providerData
}

// redisModel is the resource's data.
type redisModel struct {
	ID                   types.String `tfsdk:"id"`
	Host                 types.String `tfsdk:"host"`
	SSHPort              types.Int64  `tfsdk:"ssh_port"`
	ConfigPath           types.String `tfsdk:"config_path"`
	RequirepassWO        types.String `tfsdk:"requirepass_wo"`
	RequirepassWOVersion types.Int64  `tfsdk:"requirepass_wo_version"`
	Requirepass          types.String `tfsdk:"requirepass"`
	RequirepassSHA256    types.String `tfsdk:"requirepass_sha256"`
	Port                 types.Int64  `tfsdk:"port"`
	Bind                 types.List   `tfsdk:"bind"`
	Unixsocket           types.String `tfsdk:"unixsocket"`
	Unixsocketperm       types.String `tfsdk:"unixsocketperm"`
	ProtectedMode        types.Bool   `tfsdk:"protected_mode"`
	RenameCommands       types.Map    `tfsdk:"rename_commands"`
	RestartCommand       types.String `tfsdk:"restart_command"`
	VerifyLive           types.Bool   `tfsdk:"verify_live"`
	OnDestroy            types.String `tfsdk:"on_destroy"`
	LiveAuthRequired     types.Bool   `tfsdk:"live_auth_required"`
	LiveTCPListening     types.Bool   `tfsdk:"live_tcp_listening"`
	ConfigFiles          types.List   `tfsdk:"config_files"`
	EnableDebug          types.String `tfsdk:"enable_debug_command"`
	EnableModule         types.String `tfsdk:"enable_module_command"`
	EnableProtected      types.String `tfsdk:"enable_protected_configs"`
	Server               types.String `tfsdk:"server"`
	ServerVersion        types.String `tfsdk:"server_version"`
}

// redisPassword is the requirepass secret: write-only with a version, or sensitive.
var redisPassword = secretInput{
	writeOnly: "requirepass_wo", version: "requirepass_wo_version", sensitive: "requirepass",
	privateKey: "requirepass_sha256",
}

// redisOnDestroyValues lists the allowed on_destroy values, for the validator and the docs.
var redisOnDestroyValues = hostchange.OnDestroyValues(hostchange.OnDestroyKeep, hostchange.OnDestroyRestore)

var pathConfigPath = tfpath.Root("config_path")

// Metadata names the resource ntopng_redis.
func (r *redisResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_redis"
}

// Schema describes ntopng_redis.
func (r *redisResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	id := idAttribute("host:config_path")
	id.MarkdownDescription = "`host:config_path`, or `host:ssh_port:config_path` when `ssh_port` is set to something " +
		"other than 22. The import ID has the same form."
	resp.Schema = schema.Schema{
		MarkdownDescription: "Hardens the `redis.conf` of the Redis that ntopng uses: a password (`requirepass`), no TCP " +
			"listener, a Unix socket for ntopng, protected mode and renamed commands. The file is edited in place " +
			"(every other line is kept byte for byte), Redis is restarted, and the running server is asked through the SSH " +
			"connection whether it really refuses unauthenticated clients. A failed restart or check puts the previous file back.",
		Attributes: map[string]schema.Attribute{
			"id":       id,
			"host":     hostAttribute(),
			"ssh_port": sshPortAttribute(),
			"config_path": schema.StringAttribute{
				MarkdownDescription: "Absolute path of redis.conf on the host. Default: picked from the host's " +
					"`/etc/os-release` when the resource is created: `" + redishardening.DefaultConfPath + "` (Debian, Ubuntu, and any " +
					"other or unknown distribution); on the RHEL family (RHEL, CentOS, Rocky, AlmaLinux, Oracle Linux, " +
					"Fedora) `/etc/redis/redis.conf` when it exists, else `/etc/redis.conf` when that exists. Kept in the " +
					"state afterwards. Changing it replaces the resource. Files it includes are read for drift but never written.",
				Optional:      true,
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
			},
			"requirepass_wo": schema.StringAttribute{
				MarkdownDescription: "The Redis password, write-only (Terraform 1.11 or later): it is never stored in the state or " +
					"the plan. It is written when the resource is created and when `requirepass_wo_version` changes; otherwise the " +
					"password already on the host is kept, so an ephemeral random password does not rotate on every run. " +
					"32 to 64 characters: letters, digits and `" + redisconf.PasswordSpecials + "` (what ntopng's `--redis` option " +
					"can carry). Exactly one of `requirepass_wo` and `requirepass` must be set. Writing it restarts Redis.",
				Optional:  true,
				Sensitive: true,
				WriteOnly: true,
			},
			"requirepass_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Bump to write `requirepass_wo` again (rotation). Only with `requirepass_wo`. No default; " +
					"an import assumes `1`.",
				Optional: true,
			},
			"requirepass": schema.StringAttribute{
				MarkdownDescription: "The Redis password as a sensitive attribute, for Terraform before 1.11. It IS stored in " +
					"the state (plainly, like every sensitive value) and in saved plans: prefer `requirepass_wo`. Same rules as " +
					"`requirepass_wo`. A change restarts Redis.",
				Optional:  true,
				Sensitive: true,
			},
			"requirepass_sha256": schema.StringAttribute{
				MarkdownDescription: "Keyed hash of the `requirepass` that Redis really uses on the host (the last one, " +
					"includes followed). " + keyedHashDescription + " Read back: a password changed on the host shows as " +
					"drift without the password being kept. Null when the host has no password, or when `aclfile` or a " +
					"`user default` line makes Redis ignore it. Sensitive.",
				Computed:  true,
				Sensitive: true,
			},
			"port": schema.Int64Attribute{
				MarkdownDescription: "Redis `port`. Default `0`: no TCP listener at all, only the Unix socket. 0 to 65535. " +
					"A change restarts Redis. Read back (Redis's own default 6379 when the file has no `port`).",
				Optional:   true,
				Computed:   true,
				Default:    int64default.StaticInt64(0),
				Validators: []validator.Int64{int64validator.Between(0, 65535)},
			},
			"bind": schema.ListAttribute{
				MarkdownDescription: "Addresses of the `bind` directive, written as one line. Default, by the host's server " +
					"(`server_version`): `[\"127.0.0.1\", \"-::1\"]` on Redis 6.2 and later and on Valkey; `[\"127.0.0.1\"]` on " +
					"Redis before 6.2 (Debian 11, Ubuntu 22.04: Redis 6.0 reads `-::1` as a host name and does not start). " +
					"A state holding the other default is kept when the server is upgraded. IP addresses, `*` or `::*`, each " +
					"optionally prefixed with `-` (Redis then skips an address it cannot bind; Redis 6.2 and later: on an " +
					"older Redis a `-` address is a plan-time error naming the version). A change restarts Redis. Read back " +
					"(`[\"*\", \"-::*\"]`, Redis's default, when no `bind` line is set).",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Validators:  []validator.List{listvalidator.SizeAtLeast(1)},
			},
			"unixsocket": schema.StringAttribute{
				MarkdownDescription: "Absolute path of the Unix socket (at most 107 bytes), the way ntopng should reach Redis. " +
					"Default, picked from the host's `/etc/os-release` when the resource is created: `" + redishardening.DefaultSocket +
					"` (Debian and others), `/run/redis/redis.sock` (RHEL family). `\"\"` removes the socket (then `port` must not be 0). Its folder must " +
					"exist and be writable by Redis, or Redis does not start (apply then puts the old file back). A change " +
					"restarts Redis. Read back (`\"\"` when no socket is configured).",
				Optional:      true,
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"unixsocketperm": schema.StringAttribute{
				MarkdownDescription: "Octal permissions of the Unix socket. Default `\"" + redishardening.DefaultSocketPerm + "\"` (user " +
					"and group `redis`: add the ntopng user to group `redis`). A change restarts Redis. Read back (Redis's " +
					"default `\"0\"` when unset); `\"0770\"` and `\"770\"` are the same value.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(redishardening.DefaultSocketPerm),
				Validators: []validator.String{stringvalidator.RegexMatches(redishardening.SocketPermRE, "must be octal digits, like \"770\"")},
			},
			"protected_mode": schema.BoolAttribute{
				MarkdownDescription: "`protected-mode yes|no`. Default `true`. A change restarts Redis. Read back.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
			},
			"rename_commands": schema.MapAttribute{
				MarkdownDescription: "Commands to rename, one `rename-command NAME \"NEW\"` line each; `\"\"` removes the command, " +
					"e.g. `{ FLUSHALL = \"\", DEBUG = \"\" }`. Default `{}`. Keys are command names (letters, digits, `_`, `-`; " +
					"case-insensitive, so each once). A change restarts Redis. Read back for the names this resource manages; " +
					"a name removed from the map has its line removed (the command comes back). Other `rename-command` lines " +
					"are left alone, except after an import, which adopts every `rename-command` line of the file.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
				Validators: []validator.Map{mapvalidator.KeysAre(stringvalidator.RegexMatches(redishardening.CommandNameRE,
					"must be a Redis command name: letters, digits, '_' or '-'"))},
			},
			"restart_command": schema.StringAttribute{
				MarkdownDescription: "Shell command that restarts Redis after the file changed (run with `sudo -n` when the " +
					"provider's `ssh.sudo` is set). Default, picked from the host's `/etc/os-release` when the resource is " +
					"created or imported: `" + redishardening.DefaultRestart + "` (Debian and others), `systemctl restart redis` (RHEL " +
					"family). Nothing is restarted when nothing changed. Not read back.",
				Optional:      true,
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1), noNUL},
			},
			"verify_live": schema.BoolAttribute{
				MarkdownDescription: "Check the running server, through the SSH connection: a tunnel to the socket or port " +
					"(nothing installed on the host; the SSH login must be allowed to open the socket). When it may not " +
					"(a non-root login with `sudo = true` and a socket of mode 770 for group `redis`), the check runs " +
					"`sudo redis-cli -s <socket>` on the host instead, with the commands on its standard input: then the " +
					"host needs `redis-cli` (Debian's `redis-tools`, installed with `redis-server`). The check: an " +
					"unauthenticated `PING` must answer `-NOAUTH` and `AUTH` with the password `+OK`, on the Unix socket when " +
					"`unixsocket` is set, else on `127.0.0.1:port`; the TCP port Redis reports must be `port`. After apply a " +
					"failed check puts the previous file back; on refresh it shows as drift that the next apply repairs by " +
					"restarting. Default `true`. When `false`, `live_auth_required` and `live_tcp_listening` are null.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"on_destroy": schema.StringAttribute{
				MarkdownDescription: "What destroying the resource does: `keep` (default) stops managing and leaves the hardened " +
					"file; `restore` puts back the file as it was before the first apply (kept as `<config_path>" +
					hostchange.OriginalSuffix + "` from then on) and restarts Redis. Allowed: " + quotedList(redisOnDestroyValues) + ".",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(string(hostchange.OnDestroyKeep)),
				Validators: []validator.String{stringvalidator.OneOf(redisOnDestroyValues...)},
			},
			"live_auth_required": schema.BoolAttribute{
				MarkdownDescription: "Read back from the running server: `true` when an unauthenticated `PING` is refused with " +
					"`NOAUTH` and the password found in the file is accepted. `false` is drift (someone ran " +
					"`CONFIG SET requirepass \"\"`, or Redis was not restarted), repaired by the next apply. Null when " +
					"`verify_live = false`.",
				Computed: true,
			},
			"live_tcp_listening": schema.BoolAttribute{
				MarkdownDescription: "Read back from the running server: whether Redis listens on a TCP port (its own " +
					"`INFO server` `tcp_port`). Expected `port != 0`. Null when `verify_live = false`.",
				Computed: true,
			},
			"enable_debug_command":     enableAttribute(redishardening.EnableDebugCommand, "`DEBUG`"),
			"enable_module_command":    enableAttribute(redishardening.EnableModuleCommand, "`MODULE` (loading code into Redis)"),
			"enable_protected_configs": enableAttribute(redishardening.EnableProtectedConfigs, "`CONFIG SET` of protected settings such as `dir` and `dbfilename`"),
			"server": schema.StringAttribute{
				MarkdownDescription: "The server the host runs, `\"redis\"` or `\"valkey\"`: from the running server's `INFO server` " +
					"(`server_name`) on refresh, from `redis-server --version` / `valkey-server --version` at create and apply. " +
					"Null when it cannot be told. Read back; a change is not drift.",
				Computed: true,
			},
			"server_version": schema.StringAttribute{
				MarkdownDescription: "Its version (`redis_version`, or `valkey_version` on Valkey), which decides the defaults and " +
					"the plan-time checks: see the notes on versions. An upgrade of the server is not drift by itself: the " +
					"value refreshes quietly.",
				Computed: true,
			},
			"config_files": schema.ListAttribute{
				MarkdownDescription: "Every file read to know what Redis uses: `config_path` first, then each included file " +
					"in the order Redis reads them.",
				ElementType: types.StringType,
				Computed:    true,
			},
		},
	}
}

// enableAttribute is one of the enable-* directives of Redis 7.0 and Valkey.
func enableAttribute(directive, what string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "`" + directive + "`: who may run " + what + ". Default `\"no\"` (nobody), Redis's own default: " +
			"a file without the line reads back as `\"no\"`, so a Redis upgraded from 6 to 7 under this resource is not drift. " +
			"`\"local\"`: clients on loopback and the Unix socket. Written only on Redis 7.0 and later and on Valkey; Redis " +
			"before 7.0 has no such directive (it would not start): nothing is written, the value reads back as `\"no\"`, " +
			"and anything else is a plan-time error; there, remove the command with `rename_commands`. A change restarts " +
			"Redis. Read back from the file (includes followed). Allowed: " + quotedList(redishardening.EnableValues) + ".",
		Optional:   true,
		Computed:   true,
		Default:    stringdefault.StaticString(redishardening.EnableNo),
		Validators: []validator.String{stringvalidator.OneOf(redishardening.EnableValues...)},
	}
}

// Configure takes the provider's connection pool.
func (r *redisResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	data, diags := configureData(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = data
}

// ValidateConfig refuses, before any host is touched, the values Redis or ntopng would
// misread (redishardening.Validate).
func (r *redisResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m redisModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(validatePassword(m)...)
	for _, p := range redishardening.Validate(m.validationInput()) {
		at := tfpath.Root(string(p.Field))
		switch p.Field {
		case redishardening.FieldBind:
			at = at.AtListIndex(p.Index)
		case redishardening.FieldRenameCommands:
			at = at.AtMapKey(p.Key)
		}
		resp.Diagnostics.AddAttributeError(at, p.Summary, p.Detail)
	}
}

// ModifyPlan plans the computed read-backs and checks the host: a redis.conf whose
// requirepass would be ignored (aclfile, `user default`) is refused before anything is
// written.
func (r *redisResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		resp.Diagnostics.Append(warnDestroy(ctx, "ntopng_redis", "config_path", req.State)...)
		return
	}
	plan, prior, diags := planModels[redisModel](ctx, req)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	var cfg redisModel
	if resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &cfg)...); resp.Diagnostics.HasError() {
		return
	}
	if wasImported(ctx, req.Private) && prior != nil && cfg.Unixsocket.IsNull() {
		// Adopted from the host, which may have no socket (""): the first plan after an import
		// plans the default, as for a new resource, not the host's "" kept as the state's.
		plan.Unixsocket = types.StringUnknown()
	}
	server := r.planHostDefaults(ctx, &plan, cfg, prior)
	planBind(&plan, cfg, prior, server, !plan.ServerVersion.IsUnknown())
	if resp.Diagnostics.Append(serverProblems(plan, server)...); resp.Diagnostics.HasError() {
		return
	}
	h, d := redisPassword.plannedHash(ctx, req, plan.RequirepassWOVersion, hostHasher(ctx, r.data, plan.Host, plan.SSHPort))
	resp.Diagnostics.Append(d...)
	plan.RequirepassSHA256 = h
	plan.planLive()
	if !plan.Host.IsUnknown() && !plan.ConfigPath.IsUnknown() && !plan.SSHPort.IsUnknown() {
		plan.ID = types.StringValue(hostID(plan.Host.ValueString(), plan.SSHPort, plan.ConfigPath.ValueString()))
	}
	plan.ConfigFiles = types.ListUnknown(types.StringType)
	if prior != nil {
		plan.ConfigFiles = prior.ConfigFiles
	}
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.Plan, &plan)...)
	if resp.Diagnostics.HasError() || (prior != nil && resp.Plan.Raw.Equal(req.State.Raw)) {
		return // nothing to do: no host check needed
	}
	if prior != nil {
		// Something changes: the include set is read again at apply.
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, tfpath.Root("config_files"), types.ListUnknown(types.StringType))...)
	}
	resp.Diagnostics.Append(r.checkHost(ctx, plan, prior)...)
}

// Create edits (or creates) redis.conf, restarts Redis and checks the running server.
func (r *redisResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, _, diags := checkedModels[redisModel](ctx, r, req.Config, req.Plan, nil)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.apply(ctx, req.Config, &plan, nil)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(redisPassword.remember(ctx, resp.Private, plan.RequirepassSHA256.ValueString())...)
	resp.Diagnostics.Append(setApplied(ctx, resp.Private, &resp.State, resp.Identity, redisIdentity, &plan)...)
}

// Read reads redis.conf and its includes (last value wins) and asks the running server.
func (r *redisResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer func() { resp.Diagnostics.Append(redisIdentity.set(ctx, resp.Identity, resp.State, req.State)...) }()
	var st redisModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &st)...)
	_, importRun, diags := readAfterImport(ctx, req, resp) // importRun: the import's own Read
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	c, err := r.data.conn(ctx, st.Host.ValueString(), st.SSHPort)
	if err != nil {
		resp.Diagnostics.AddAttributeError(pathHost, "Cannot Connect to Host", err.Error())
		return
	}
	confPath := st.ConfigPath.ValueString()
	if resp.Diagnostics.Append(recoverInterrupted(ctx, c, confPath, st.RestartCommand.ValueString())...); resp.Diagnostics.HasError() {
		return
	}
	hc, err := redishardening.ReadConf(ctx, c, confPath, nil)
	if err != nil {
		resp.Diagnostics.AddAttributeError(tfpath.Root("config_path"), "Cannot Read redis.conf", fmt.Sprintf(
			"Reading %s (and the files it includes) on %s failed: %v", confPath, st.Host.ValueString(), err))
		return
	}
	if !hc.Info.Exists {
		if importRun {
			resp.Diagnostics.AddAttributeError(tfpath.Root("config_path"), "Cannot Import ntopng_redis", fmt.Sprintf(
				"%s does not exist on %s: there is nothing to import. Check config_path, or create the resource instead.",
				confPath, st.Host.ValueString()))
			return
		}
		tflog.Debug(ctx, "redis.conf is gone; removing the resource from the state", map[string]any{"path": confPath})
		resp.State.RemoveResource(ctx)
		return
	}
	eff := redishardening.EffectiveOf(hc.Cfg)
	if err := st.fillFromHost(eff, hc.Cfg, func(pw string) (string, error) { return keyedHash(ctx, c, pw) }); err != nil {
		resp.Diagnostics.AddError("Cannot Read redis.conf", err.Error())
		return
	}
	st.LiveAuthRequired, st.LiveTCPListening = types.BoolNull(), types.BoolNull()
	if st.VerifyLive.ValueBool() {
		live, status, err := redishardening.Probe(ctx, c, eff.Target())
		if err != nil {
			tflog.Warn(ctx, "live check of Redis failed; reported as not enforcing", map[string]any{"error": err.Error()})
		}
		// The running server says what it is in the same round trip (INFO server): an
		// upgrade refreshes server_version quietly. Not told: the state's value stays.
		if s := redishardening.ServerOfInfo(status.Server); s.Known() {
			st.Server, st.ServerVersion = types.StringValue(s.Name), types.StringValue(s.Version)
		}
		st.LiveAuthRequired = types.BoolValue(live.AuthRequired)
		st.LiveTCPListening = types.BoolValue(live.TCPListening)
	}
	resp.Diagnostics.Append(setState(ctx, &resp.State, nil, redisIdentity, &st)...)
}

// Update rewrites redis.conf, or only restarts Redis when the running server drifted from a
// right file.
func (r *redisResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, prior, diags := checkedModels[redisModel](ctx, r, req.Config, req.Plan, &req.State)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.apply(ctx, req.Config, &plan, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(redisPassword.remember(ctx, resp.Private, plan.RequirepassSHA256.ValueString())...)
	resp.Diagnostics.Append(setApplied(ctx, resp.Private, &resp.State, resp.Identity, redisIdentity, &plan)...)
}

// Delete stops managing the file, or restores the original with on_destroy = "restore".
func (r *redisResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var st redisModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &st)...)
	if resp.Diagnostics.HasError() || hostchange.OnDestroy(st.OnDestroy.ValueString()) != hostchange.OnDestroyRestore {
		return
	}
	c, err := r.data.conn(ctx, st.Host.ValueString(), st.SSHPort)
	if err != nil {
		resp.Diagnostics.AddAttributeError(pathHost, "Cannot Connect to Host", err.Error())
		return
	}
	resp.Diagnostics.Append(restoreOriginals(ctx, c, st.Host.ValueString(), []string{st.ConfigPath.ValueString()}, st.RestartCommand.ValueString())...)
}
