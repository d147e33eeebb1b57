package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	tfpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/hardenops/terraform-provider-ntopng/internal/distro"
	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
	"github.com/hardenops/terraform-provider-ntopng/internal/redisconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/tfmodel"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

var (
	_ resource.ResourceWithConfigure      = (*redisResource)(nil)
	_ resource.ResourceWithImportState    = (*redisResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*redisResource)(nil)
	_ resource.ResourceWithValidateConfig = (*redisResource)(nil)
)

// NewRedisResource is the ntopng_redis resource: the redis.conf of the Redis ntopng uses,
// hardened in place and proved by a live check of the running server.
func NewRedisResource() resource.Resource { return &redisResource{} }

type redisResource struct {
	data *providerData
}

const (
	defaultRedisConfPath   = "/etc/redis/redis.conf"
	defaultRedisSocket     = "/run/redis/redis-server.sock"
	defaultRedisSocketPerm = "770"
	defaultRedisRestart    = "systemctl restart redis-server"
	// maxUnixSocketPath is sun_path's 108 bytes less the terminating NUL.
	maxUnixSocketPath = 107
)

// redisPassword is the requirepass secret: write-only with a version, or sensitive.
var redisPassword = secretInput{
	writeOnly: "requirepass_wo", version: "requirepass_wo_version", sensitive: "requirepass",
	privateKey: "requirepass_sha256",
}

// redisOnDestroyValues lists the allowed on_destroy values, for the validator and the docs.
var redisOnDestroyValues = hostchange.OnDestroyValues(hostchange.OnDestroyKeep, hostchange.OnDestroyRestore)

// redisDefaultBind is what Redis 7 binds to when redis.conf has no bind line.
var redisDefaultBind = []string{"*", "-::*"}

var (
	renameKeyRE  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)
	socketPermRE = regexp.MustCompile(`^[0-7]{1,4}$`)
)

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
					"`/etc/os-release` when the resource is created: `" + defaultRedisConfPath + "` (Debian, Ubuntu, and any " +
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
				MarkdownDescription: "Addresses of the `bind` directive, written as one line. Default `[\"127.0.0.1\", \"-::1\"]`. " +
					"IP addresses, `*` or `::*`, each optionally prefixed with `-` (Redis then skips an address it cannot " +
					"bind). A change restarts Redis. Read back (`[\"*\", \"-::*\"]`, Redis's default, when no `bind` line is set).",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default: listdefault.StaticValue(types.ListValueMust(types.StringType, []attr.Value{
					types.StringValue("127.0.0.1"), types.StringValue("-::1"),
				})),
				Validators: []validator.List{listvalidator.SizeAtLeast(1)},
			},
			"unixsocket": schema.StringAttribute{
				MarkdownDescription: "Absolute path of the Unix socket (at most 107 bytes), the way ntopng should reach Redis. " +
					"Default, picked from the host's `/etc/os-release` when the resource is created: `" + defaultRedisSocket +
					"` (Debian and others), `/run/redis/redis.sock` (RHEL family). `\"\"` removes the socket (then `port` must not be 0). Its folder must " +
					"exist and be writable by Redis, or Redis does not start (apply then puts the old file back). A change " +
					"restarts Redis. Read back (`\"\"` when no socket is configured).",
				Optional:      true,
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"unixsocketperm": schema.StringAttribute{
				MarkdownDescription: "Octal permissions of the Unix socket. Default `\"" + defaultRedisSocketPerm + "\"` (user " +
					"and group `redis`: add the ntopng user to group `redis`). A change restarts Redis. Read back (Redis's " +
					"default `\"0\"` when unset); `\"0770\"` and `\"770\"` are the same value.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(defaultRedisSocketPerm),
				Validators: []validator.String{stringvalidator.RegexMatches(socketPermRE, "must be octal digits, like \"770\"")},
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
				Validators: []validator.Map{mapvalidator.KeysAre(stringvalidator.RegexMatches(renameKeyRE,
					"must be a Redis command name: letters, digits, '_' or '-'"))},
			},
			"restart_command": schema.StringAttribute{
				MarkdownDescription: "Shell command that restarts Redis after the file changed (run with `sudo -n` when the " +
					"provider's `ssh.sudo` is set). Default, picked from the host's `/etc/os-release` when the resource is " +
					"created or imported: `" + defaultRedisRestart + "` (Debian and others), `systemctl restart redis` (RHEL " +
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
			"config_files": schema.ListAttribute{
				MarkdownDescription: "Every file read to know what Redis uses: `config_path` first, then each included file " +
					"in the order Redis reads them.",
				ElementType: types.StringType,
				Computed:    true,
			},
		},
	}
}

// quotedList renders `"a"`, `"b"` for descriptions.
func quotedList(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = "`\"" + v + "\"`"
	}
	return strings.Join(q, ", ")
}

// Configure takes the provider's connection pool.
func (r *redisResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureData(req.ProviderData, &resp.Diagnostics)
}

// Create edits (or creates) redis.conf, restarts Redis and checks the running server.
func (r *redisResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if resp.Diagnostics.Append(checkAtApply(ctx, r, req.Config)...); resp.Diagnostics.HasError() {
		return // refused before anything is written
	}
	var plan redisResourceModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.apply(ctx, req.Config, &plan, nil)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(redisPassword.remember(ctx, resp.Private, plan.RequirepassSHA256.ValueString())...)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

// Read reads redis.conf and its includes (last value wins) and asks the running server.
func (r *redisResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var st redisResourceModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &st)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c, err := r.data.conn(ctx, st.Host.ValueString(), st.SSHPort)
	if err != nil {
		resp.Diagnostics.AddAttributeError(pathHost, "Cannot Connect to Host", err.Error())
		return
	}
	confPath := st.ConfigPath.ValueString()
	if !recoverInterrupted(ctx, c, confPath, st.RestartCommand.ValueString(), &resp.Diagnostics) {
		return
	}
	hc, err := readRedisConf(ctx, c, confPath, nil)
	if err != nil {
		resp.Diagnostics.AddError("Cannot Read redis.conf", fmt.Sprintf(
			"Reading %s (and the files it includes) on %s failed: %v", confPath, st.Host.ValueString(), err))
		return
	}
	if !hc.info.Exists {
		if st.RenameCommands.IsNull() { // import
			resp.Diagnostics.AddError("Cannot Import ntopng_redis", fmt.Sprintf(
				"%s does not exist on %s: there is nothing to import. Check config_path, or create the resource instead.",
				confPath, st.Host.ValueString()))
			return
		}
		tflog.Debug(ctx, "redis.conf is gone; removing the resource from the state", map[string]any{"path": confPath})
		resp.State.RemoveResource(ctx)
		return
	}
	eff := effectiveRedis(hc.cfg)
	if err := st.fillFromHost(eff, hc.cfg, func(pw string) (string, error) { return keyedHash(ctx, c, pw) }); err != nil {
		resp.Diagnostics.AddError("Cannot Read redis.conf", err.Error())
		return
	}
	st.LiveAuthRequired, st.LiveTCPListening = types.BoolNull(), types.BoolNull()
	if st.VerifyLive.ValueBool() {
		network, addr := eff.probeAddr()
		live, _, err := probeRedisLive(ctx, c, network, addr, eff.password, eff.port)
		if err != nil {
			tflog.Warn(ctx, "live check of Redis failed; reported as not enforcing", map[string]any{"error": err.Error()})
		}
		st.LiveAuthRequired = types.BoolValue(live.authRequired)
		st.LiveTCPListening = types.BoolValue(live.tcpListening)
	}
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &st)...)
}

// Update rewrites redis.conf, or only restarts Redis when the running server drifted from a
// right file.
func (r *redisResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if resp.Diagnostics.Append(checkAtApply(ctx, r, req.Config)...); resp.Diagnostics.HasError() {
		return // refused before anything is written
	}
	var plan, prior redisResourceModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.apply(ctx, req.Config, &plan, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(redisPassword.remember(ctx, resp.Private, plan.RequirepassSHA256.ValueString())...)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

// Delete stops managing the file, or restores the original with on_destroy = "restore".
func (r *redisResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var st redisResourceModel
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

// ImportState takes host:/path or host:ssh_port:/path. Read then fills the managed
// attributes from the host; the settings that live only in Terraform get their defaults, and
// requirepass_wo_version is assumed to be 1.
func (r *redisResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	host, sshPort, p, err := parseImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID", err.Error()+
			" (for example probe-1.example.net:/etc/redis/redis.conf; the port, when given, is the SSH port)")
		return
	}
	st := redisResourceModel{
		ID: types.StringValue(hostID(host, sshPort, p)), Host: types.StringValue(host), SSHPort: sshPort,
		ConfigPath: types.StringValue(p), RequirepassWO: types.StringNull(), RequirepassWOVersion: types.Int64Value(1),
		Requirepass: types.StringNull(), RequirepassSHA256: types.StringNull(), Port: types.Int64Null(),
		Bind: types.ListNull(types.StringType), Unixsocket: types.StringNull(), Unixsocketperm: types.StringNull(),
		ProtectedMode: types.BoolNull(), RenameCommands: types.MapNull(types.StringType),
		RestartCommand: types.StringValue(r.hostDefaults(ctx, types.StringValue(host), sshPort).RestartCommand), VerifyLive: types.BoolValue(true),
		OnDestroy: types.StringValue(string(hostchange.OnDestroyKeep)), LiveAuthRequired: types.BoolNull(), LiveTCPListening: types.BoolNull(),
		ConfigFiles: types.ListNull(types.StringType),
	}
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &st)...)
}

// ModifyPlan plans the computed read-backs and checks the host: a redis.conf whose
// requirepass would be ignored (aclfile, `user default`) is refused before anything is
// written.
func (r *redisResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		resp.Diagnostics.Append(warnDestroy(ctx, "ntopng_redis", "config_path", req.State)...)
		return
	}
	var plan redisResourceModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	var prior *redisResourceModel
	if !req.State.Raw.IsNull() {
		prior = &redisResourceModel{}
		resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, prior)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	var cfg redisResourceModel
	if resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &cfg)...); resp.Diagnostics.HasError() {
		return
	}
	// Unset on a new resource (null in the configuration, so unknown in the plan): the host's
	// distribution decides. A value the configuration sets but cannot know yet (another
	// resource's output) stays unknown: planning a default for it would contradict the
	// configuration, and apply checks the real value before writing.
	fields := []struct {
		v, cfg *types.String
		def    func(distro.Redis) string
	}{
		{&plan.ConfigPath, &cfg.ConfigPath, func(d distro.Redis) string { return d.ConfigPath }},
		{&plan.Unixsocket, &cfg.Unixsocket, func(d distro.Redis) string { return d.Socket }},
		{&plan.RestartCommand, &cfg.RestartCommand, func(d distro.Redis) string { return d.RestartCommand }},
	}
	var def *distro.Redis
	for _, f := range fields {
		if !f.v.IsUnknown() || !f.cfg.IsNull() {
			continue
		}
		if def == nil {
			d := r.hostDefaults(ctx, plan.Host, plan.SSHPort)
			def = &d
		}
		*f.v = types.StringValue(f.def(*def))
	}
	stateHash, versionChanged := types.StringNull(), false
	if prior != nil {
		stateHash = prior.RequirepassSHA256
		versionChanged = !prior.RequirepassWOVersion.Equal(plan.RequirepassWOVersion)
	}
	h, d := redisPassword.plannedHash(ctx, req.Config, stateHash, versionChanged, req.Private,
		hostHasher(ctx, r.data, plan.Host, plan.SSHPort))
	resp.Diagnostics.Append(d...)
	plan.RequirepassSHA256 = h

	switch {
	case plan.VerifyLive.IsUnknown():
		plan.LiveAuthRequired, plan.LiveTCPListening = types.BoolUnknown(), types.BoolUnknown()
	case plan.VerifyLive.ValueBool():
		plan.LiveAuthRequired = types.BoolValue(true)
		plan.LiveTCPListening = types.BoolUnknown()
		if !plan.Port.IsUnknown() {
			plan.LiveTCPListening = types.BoolValue(plan.Port.ValueInt64() != 0)
		}
	default:
		plan.LiveAuthRequired, plan.LiveTCPListening = types.BoolNull(), types.BoolNull()
	}
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
	r.checkHost(ctx, plan, prior, &resp.Diagnostics)
}

// checkHost reads the host's redis.conf at plan time: conflicts are errors, a managed
// directive that an included file overrides is a warning (apply refuses it).
func (r *redisResource) checkHost(ctx context.Context, plan redisResourceModel, prior *redisResourceModel, diags *diag.Diagnostics) {
	if r.data == nil || r.data.unknown || !plan.knownForHost() {
		return
	}
	c, err := r.data.conn(ctx, plan.Host.ValueString(), plan.SSHPort)
	if err != nil {
		diags.AddAttributeWarning(pathHost, "redis.conf Not Checked at Plan Time", fmt.Sprintf(
			"The host could not be reached to check redis.conf now; apply checks it before writing anything: %v", err))
		return
	}
	confPath := plan.ConfigPath.ValueString()
	hc, err := readRedisConf(ctx, c, confPath, nil)
	if err != nil {
		diags.AddAttributeError(tfpath.Root("config_path"), "Cannot Read redis.conf", fmt.Sprintf(
			"Reading %s (and the files it includes) on %s failed: %v", confPath, plan.Host.ValueString(), err))
		return
	}
	if !hc.info.Exists {
		return
	}
	addConflicts(hc.cfg, diags)
	// The override check needs the file as apply would write it; the password does not
	// matter for it, so a placeholder stands in.
	edited := redisconf.Edit(hc.data, redisSettings(ctx, plan, prior, "placeholder"))
	after, err := readRedisConf(ctx, c, confPath, edited)
	if err != nil {
		return // the same error shows at apply, with the file named
	}
	for _, o := range managedOverrides(after.cfg, confPath, plan.renameKeys()) {
		diags.AddAttributeWarning(tfpath.Root("config_path"), "Managed Directive Overridden by an Included File",
			overrideMessage(o)+" Apply will fail until that line is removed.")
	}
}

// ValidateConfig refuses, before any host is touched, the values Redis or ntopng would
// misread.
func (r *redisResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m redisResourceModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validatePassword(m, &resp.Diagnostics)
	if !m.ConfigPath.IsNull() && !m.ConfigPath.IsUnknown() {
		if p := m.ConfigPath.ValueString(); !path.IsAbs(p) || path.Clean(p) != p {
			resp.Diagnostics.AddAttributeError(tfpath.Root("config_path"), "Invalid config_path",
				fmt.Sprintf("config_path = %q must be a clean absolute path, like %q.", p, defaultRedisConfPath))
		}
	}
	if !m.Unixsocket.IsNull() && !m.Unixsocket.IsUnknown() {
		s := m.Unixsocket.ValueString()
		switch {
		case s == "":
		case !path.IsAbs(s) || path.Clean(s) != s:
			resp.Diagnostics.AddAttributeError(tfpath.Root("unixsocket"), "Invalid unixsocket",
				fmt.Sprintf("unixsocket = %q must be a clean absolute path, like %q.", s, defaultRedisSocket))
		case len(s) > maxUnixSocketPath:
			resp.Diagnostics.AddAttributeError(tfpath.Root("unixsocket"), "unixsocket Too Long",
				fmt.Sprintf("unixsocket is %d bytes; a Unix socket path holds at most %d. Choose a shorter path.", len(s), maxUnixSocketPath))
		case redisconf.ValidateArg(s) != nil:
			resp.Diagnostics.AddAttributeError(tfpath.Root("unixsocket"), "Invalid unixsocket", redisconf.ValidateArg(s).Error())
		}
		if s == "" && !m.Port.IsUnknown() && !m.Port.IsNull() && m.Port.ValueInt64() == 0 {
			resp.Diagnostics.AddAttributeError(tfpath.Root("unixsocket"), "Redis Would Be Unreachable",
				"unixsocket = \"\" and port = 0 leave Redis with no way in: ntopng could not connect. Set a unixsocket "+
					"(the default is "+defaultRedisSocket+") or a port.")
		}
	}
	if !m.Bind.IsNull() && !m.Bind.IsUnknown() {
		for i, v := range m.Bind.Elements() {
			s, ok := v.(types.String)
			if !ok || s.IsUnknown() {
				continue
			}
			if err := validateBindAddress(s.ValueString()); err != nil {
				resp.Diagnostics.AddAttributeError(tfpath.Root("bind").AtListIndex(i), "Invalid bind Address", err.Error())
			}
		}
	}
	if !m.RenameCommands.IsNull() && !m.RenameCommands.IsUnknown() {
		seen := map[string]string{}
		for _, k := range sortedKeys(m.RenameCommands.Elements()) {
			lk := strings.ToLower(k)
			if other, dup := seen[lk]; dup {
				resp.Diagnostics.AddAttributeError(tfpath.Root("rename_commands").AtMapKey(k), "Command Renamed Twice",
					fmt.Sprintf("%q and %q name the same command (Redis ignores case): keep one of them.", other, k))
			}
			seen[lk] = k
			if s, ok := m.RenameCommands.Elements()[k].(types.String); ok && !s.IsUnknown() && !s.IsNull() {
				if err := redisconf.ValidateArg(s.ValueString()); err != nil {
					resp.Diagnostics.AddAttributeError(tfpath.Root("rename_commands").AtMapKey(k), "Invalid New Command Name", err.Error())
				}
			}
		}
	}
}

// validatePassword checks that exactly one password attribute is set and that a known
// value satisfies redisconf.ValidatePassword. The value never reaches a message.
func validatePassword(m redisResourceModel, diags *diag.Diagnostics) {
	wo, sens := m.RequirepassWO, m.Requirepass
	switch {
	case !wo.IsNull() && !sens.IsNull():
		diags.AddAttributeError(tfpath.Root("requirepass"), "Two Redis Passwords Set",
			"Set either requirepass_wo (write-only, Terraform 1.11 or later) or requirepass (sensitive, kept in the state), not both.")
		return
	case wo.IsNull() && sens.IsNull():
		diags.AddAttributeError(tfpath.Root("requirepass_wo"), "Redis Password Missing",
			"ntopng_redis sets a Redis password: set requirepass_wo (write-only, e.g. from ephemeral.random_password) "+
				"with requirepass_wo_version, or requirepass on Terraform before 1.11.")
		return
	}
	if !sens.IsNull() && !m.RequirepassWOVersion.IsNull() {
		diags.AddAttributeError(tfpath.Root("requirepass_wo_version"), "requirepass_wo_version Without requirepass_wo",
			"requirepass_wo_version only triggers writing requirepass_wo; with requirepass a change of the value is seen "+
				"directly. Remove requirepass_wo_version.")
	}
	attr, v := tfpath.Root("requirepass_wo"), wo
	if wo.IsNull() {
		attr, v = tfpath.Root("requirepass"), sens
	}
	if v.IsUnknown() {
		return
	}
	if err := redisconf.ValidatePassword(v.ValueString()); err != nil {
		diags.AddAttributeError(attr, "Unusable Redis Password", err.Error())
	}
}

// validateBindAddress accepts what Redis's bind takes: an IP address, * or ::*, optionally
// prefixed with "-".
func validateBindAddress(a string) error {
	s := strings.TrimPrefix(a, "-")
	if s == "*" || s == "::*" || net.ParseIP(s) != nil {
		return nil
	}
	return fmt.Errorf("bind address %q is not an IP address, \"*\" or \"::*\" (optionally prefixed with \"-\"); Redis binds "+
		"addresses, not host names: write an address such as \"127.0.0.1\" or \"-::1\"", a)
}

// apply writes the file for plan, restarts and verifies, and completes plan with what the
// host now has.
func (r *redisResource) apply(ctx context.Context, cfg tfsdk.Config, plan, prior *redisResourceModel) diag.Diagnostics {
	var diags diag.Diagnostics
	host, confPath := plan.Host.ValueString(), plan.ConfigPath.ValueString()
	c, err := r.data.conn(ctx, host, plan.SSHPort)
	if err != nil {
		diags.AddAttributeError(pathHost, "Cannot Connect to Host", err.Error())
		return diags
	}
	hc, err := readRedisConf(ctx, c, confPath, nil)
	if err != nil {
		diags.AddError("Cannot Read redis.conf", fmt.Sprintf(
			"Reading %s (and the files it includes) on %s failed: %v. Nothing was changed.", confPath, host, err))
		return diags
	}
	password, err := passwordToWrite(ctx, c, cfg, plan.RequirepassSHA256, hc)
	if err != nil {
		diags.AddAttributeError(tfpath.Root("requirepass_wo"), "Cannot Choose the Redis Password", err.Error())
		return diags
	}
	// The hash before any write: a host where it cannot be made is left as it was.
	hash, err := keyedHash(ctx, c, password)
	if err != nil {
		diags.AddError("Cannot Hash the Redis Password", err.Error()+". Nothing was changed.")
		return diags
	}
	data := redisconf.Edit(hc.data, redisSettings(ctx, *plan, prior, password))
	after, err := readRedisConf(ctx, c, confPath, data)
	if err != nil {
		diags.AddError("Cannot Check the New redis.conf", fmt.Sprintf(
			"Reading the edited %s with its includes failed: %v. Nothing was changed.", confPath, err))
		return diags
	}
	addConflicts(after.cfg, &diags)
	for _, o := range managedOverrides(after.cfg, confPath, plan.renameKeys()) {
		diags.AddAttributeError(tfpath.Root("config_path"), "Managed Directive Overridden by an Included File",
			overrideMessage(o)+" Nothing was changed.")
	}
	if diags.HasError() {
		return diags
	}

	// The file holds the password: owner and group stay, other users lose their access.
	file := hostchange.File{Path: confPath, Data: data, Mode: hc.info.Mode &^ 0o007, UID: hc.info.UID, GID: hc.info.GID}
	if !hc.info.Exists {
		ids, err := lookupIDs(ctx, c)
		if err != nil {
			diags.AddError("Cannot Read Users and Groups", err.Error())
			return diags
		}
		uid, uok := ids.UID("redis")
		gid, gok := ids.GID("redis")
		if !uok || !gok {
			diags.AddAttributeError(tfpath.Root("config_path"), "No redis User",
				fmt.Sprintf("%s does not exist on %s and a new one is owned by redis:redis, but the host has no user or group "+
					"redis. Install the redis-server package first (it creates them), or point config_path at the existing file.",
					confPath, host))
			return diags
		}
		file.Mode, file.UID, file.GID = 0o640, uid, gid
	}

	verify := plan.VerifyLive.ValueBool()
	network, addr := planProbeAddr(*plan)
	port := plan.Port
	var live redisLive
	verified := false
	force := false
	if verify && hc.info.Exists && bytes.Equal(hc.data, data) {
		// The file is right: restart only when the running server is not.
		l, st, err := probeRedisLive(ctx, c, network, addr, password, port)
		if err == nil && liveProblem(l, st, port) == "" {
			live, verified = l, true
		} else {
			force = true
		}
	}
	ch := hostchange.Change{
		Files:        []hostchange.File{file},
		Restart:      plan.RestartCommand.ValueString(),
		ForceRestart: force,
		KeepOriginal: hostchange.OnDestroy(plan.OnDestroy.ValueString()) == hostchange.OnDestroyRestore,
	}
	if verify && !verified {
		ch.Verify = func(ctx context.Context) error {
			l, st, err := probeRedisLive(ctx, c, network, addr, password, port)
			if err != nil {
				return err
			}
			if p := liveProblem(l, st, port); p != "" {
				return errors.New(p)
			}
			live, verified = l, true
			return nil
		}
	}
	res, err := hostchange.Apply(ctx, c, ch)
	if err != nil {
		diags.AddError("Cannot Apply redis.conf", fmt.Sprintf("Applying %s on %s failed: %v", confPath, host, err))
		return diags
	}
	tflog.Debug(ctx, "redis.conf applied", map[string]any{"path": confPath, "written": res.Written, "restarted": res.Restarted})
	if verify && !verified {
		// Nothing was written or restarted (file and server already right) and no check ran.
		l, st, err := probeRedisLive(ctx, c, network, addr, password, port)
		if err == nil {
			err = problemError(liveProblem(l, st, port))
		}
		if err != nil {
			diags.AddError("Redis Does Not Enforce Its Configuration", fmt.Sprintf(
				"%s on %s is as configured, but the running Redis failed the live check: %v. Restart Redis (%s).",
				confPath, host, err, plan.RestartCommand.ValueString()))
			return diags
		}
		live = l
	}

	plan.ID = types.StringValue(hostID(host, plan.SSHPort, confPath))
	plan.RequirepassSHA256 = types.StringValue(hash)
	plan.LiveAuthRequired, plan.LiveTCPListening = types.BoolNull(), types.BoolNull()
	if verify {
		plan.LiveAuthRequired = types.BoolValue(live.authRequired)
		plan.LiveTCPListening = types.BoolValue(live.tcpListening)
	}
	plan.ConfigFiles = stringList(after.cfg.Files)
	return diags
}

func problemError(p string) error {
	if p == "" {
		return nil
	}
	return errors.New(p)
}

// passwordToWrite picks the password the file gets: the configuration's, unless the plan
// keeps the host's (write-only value, version unchanged), in which case the password already
// on the host stays, so that an ephemeral password does not rotate on every apply.
func passwordToWrite(ctx context.Context, c *transport.Conn, cfg tfsdk.Config, planned types.String, hc redisHostConf) (string, error) {
	v, set, known, d := redisPassword.value(ctx, cfg)
	if d.HasError() || !set || !known {
		return "", errors.New("neither requirepass_wo nor requirepass has a value at apply time; set exactly one of them")
	}
	if !redisPassword.usesWriteOnly(ctx, cfg) || planned.IsUnknown() || planned.IsNull() {
		return v, nil
	}
	for _, pw := range []string{effectiveRedisPassword(hc), v} {
		if pw == "" {
			continue
		}
		h, err := keyedHash(ctx, c, pw)
		if err != nil {
			return "", err
		}
		if h == planned.ValueString() {
			return pw, nil
		}
	}
	return "", errors.New("the Redis password on the host changed since the plan was made, and requirepass_wo is not " +
		"the password the plan keeps; run terraform plan again, or bump requirepass_wo_version to write requirepass_wo")
}

// effectiveRedisPassword is the password Redis uses on the host ("" when none).
func effectiveRedisPassword(hc redisHostConf) string {
	if hc.cfg == nil {
		return ""
	}
	return effectiveRedis(hc.cfg).password
}

// redisSettings are the managed directives for plan. prior's rename_commands keys that the
// plan no longer has are removed from the file.
func redisSettings(ctx context.Context, plan redisResourceModel, prior *redisResourceModel, password string) []redisconf.Setting {
	var bind []string
	plan.Bind.ElementsAs(ctx, &bind, false)
	protected := "yes"
	if !plan.ProtectedMode.ValueBool() {
		protected = "no"
	}
	set := []redisconf.Setting{
		{Name: "port", Args: []string{strconv.FormatInt(plan.Port.ValueInt64(), 10)}},
		{Name: "bind", Args: bind},
		{Name: "protected-mode", Args: []string{protected}},
	}
	if s := plan.Unixsocket.ValueString(); s != "" {
		set = append(set, redisconf.Setting{Name: "unixsocket", Args: []string{s}})
	} else {
		set = append(set, redisconf.Setting{Name: "unixsocket", Remove: true})
	}
	set = append(set,
		redisconf.Setting{Name: "unixsocketperm", Args: []string{plan.Unixsocketperm.ValueString()}},
		redisconf.Setting{Name: "requirepass", Args: []string{password}},
	)
	renames := map[string]string{}
	plan.RenameCommands.ElementsAs(ctx, &renames, false)
	keep := map[string]bool{}
	for _, k := range sortedKeys(renames) {
		keep[strings.ToLower(k)] = true
		set = append(set, redisconf.Setting{Name: "rename-command", Args: []string{k, renames[k]}, Multi: true})
	}
	if prior != nil {
		for _, k := range prior.renameKeys() {
			if !keep[strings.ToLower(k)] {
				set = append(set, redisconf.Setting{Name: "rename-command", Args: []string{k}, Multi: true, Remove: true})
			}
		}
	}
	return set
}

// managedSingle are the single-value directives the resource owns.
var managedSingle = []string{"port", "bind", "protected-mode", "unixsocket", "unixsocketperm", "requirepass"}

// managedOverrides returns the directives, in files other than mainPath, that decide the
// value of a managed directive.
func managedOverrides(cfg *redisconf.Config, mainPath string, renameKeys []string) []redisconf.Directive {
	var out []redisconf.Directive
	for _, name := range managedSingle {
		if d, ok := cfg.Last(name); ok && d.File != mainPath {
			out = append(out, d)
		}
	}
	for _, d := range cfg.All("rename-command") {
		if d.File == mainPath || len(d.Args) == 0 {
			continue
		}
		for _, k := range renameKeys {
			if strings.EqualFold(d.Args[0], k) {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

func overrideMessage(d redisconf.Directive) string {
	return fmt.Sprintf("%s line %d sets %s after the line this resource manages, so Redis uses that value. The provider "+
		"never edits files it was not given: remove that line (or the include that reads the file).", d.File, d.Line, d.Name)
}

// addConflicts turns the directives that defeat requirepass into errors saying why.
func addConflicts(cfg *redisconf.Config, diags *diag.Diagnostics) {
	for _, c := range cfg.Conflicts() {
		diags.AddAttributeError(tfpath.Root("config_path"), "requirepass Would Be Ignored", c.Why+".")
	}
}

// redisHostConf is a host's redis.conf as Redis would load it.
type redisHostConf struct {
	data []byte
	info transport.FileInfo
	cfg  *redisconf.Config // nil when the main file does not exist
}

// readRedisConf reads mainPath and its includes over the shared SFTP channel. A non-nil
// replace stands in for the main file's content (the file as apply would write it).
func readRedisConf(ctx context.Context, c *transport.Conn, mainPath string, replace []byte) (redisHostConf, error) {
	var hc redisHostConf
	data, info, err := c.ReadFile(ctx, mainPath)
	if err != nil {
		return hc, err
	}
	if replace != nil {
		data, info.Exists = replace, true
	}
	hc.data, hc.info = data, info
	if !info.Exists {
		return hc, nil
	}
	hc.cfg, err = redisconf.Load(hostFS{ctx: ctx, c: c, overlay: map[string][]byte{path.Clean(mainPath): data}}, mainPath)
	return hc, err
}

// hostFS is redisconf.FS over the connection's shared SFTP client (the context is the one
// of the Terraform operation). overlay holds files already read.
type hostFS struct {
	ctx     context.Context
	c       *transport.Conn
	overlay map[string][]byte
}

// ReadFile reads a host file; a missing file satisfies errors.Is(err, fs.ErrNotExist).
func (h hostFS) ReadFile(p string) ([]byte, error) {
	if d, ok := h.overlay[p]; ok {
		return d, nil
	}
	data, info, err := h.c.ReadFile(h.ctx, p)
	if err != nil {
		return nil, err
	}
	if !info.Exists {
		return nil, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
	}
	return data, nil
}

// Glob lists the host paths matching pattern, sorted.
func (h hostFS) Glob(pattern string) ([]string, error) { return h.c.Glob(h.ctx, pattern) }

// redisEffective is what Redis uses, after includes and the last-wins rule.
type redisEffective struct {
	port          types.Int64
	bind          []string
	unixsocket    string
	socketPerm    string
	protectedMode types.Bool
	password      string
}

func effectiveRedis(cfg *redisconf.Config) redisEffective {
	e := redisEffective{port: types.Int64Value(6379), bind: redisDefaultBind, socketPerm: "0", protectedMode: types.BoolValue(true)}
	if d, ok := cfg.Last("port"); ok {
		e.port = types.Int64Null()
		if len(d.Args) == 1 {
			if n, err := strconv.ParseInt(d.Args[0], 10, 64); err == nil {
				e.port = types.Int64Value(n)
			}
		}
	}
	if d, ok := cfg.Last("bind"); ok {
		e.bind = d.Args
	}
	e.unixsocket = lastArg(cfg, "unixsocket", "")
	e.socketPerm = lastArg(cfg, "unixsocketperm", "0")
	e.password = lastArg(cfg, "requirepass", "")
	if v, ok := cfg.Last("protected-mode"); ok {
		e.protectedMode = types.BoolNull()
		if len(v.Args) == 1 {
			switch strings.ToLower(v.Args[0]) {
			case "yes":
				e.protectedMode = types.BoolValue(true)
			case "no":
				e.protectedMode = types.BoolValue(false)
			}
		}
	}
	return e
}

// lastArg is the first argument of the last name directive, or def.
func lastArg(cfg *redisconf.Config, name, def string) string {
	d, ok := cfg.Last(name)
	if !ok || len(d.Args) == 0 {
		return def
	}
	return d.Args[0]
}

// probeAddr is where the running server is asked: its socket, else its TCP port on loopback.
func (e redisEffective) probeAddr() (network, addr string) {
	if e.unixsocket != "" {
		return "unix", e.unixsocket
	}
	return "tcp", net.JoinHostPort("127.0.0.1", strconv.FormatInt(e.port.ValueInt64(), 10))
}

// planProbeAddr is probeAddr for the planned configuration.
func planProbeAddr(m redisResourceModel) (network, addr string) {
	if s := m.Unixsocket.ValueString(); s != "" {
		return "unix", s
	}
	return "tcp", net.JoinHostPort("127.0.0.1", strconv.FormatInt(m.Port.ValueInt64(), 10))
}

// redisLive is what the running server showed.
type redisLive struct {
	authRequired bool // NOAUTH without a password, +OK with it
	tcpListening bool
}

// probeRedisLive asks the server through one tunnel; when INFO could not tell the TCP port
// (renamed away), the host's listening sockets are read instead.
func probeRedisLive(ctx context.Context, c *transport.Conn, network, addr, password string, port types.Int64) (redisLive, livecheck.RedisStatus, error) {
	var l redisLive
	if network == "tcp" && port.ValueInt64() == 0 {
		return l, livecheck.RedisStatus{Detail: "no Unix socket and port 0: nowhere to connect", Via: "none"}, nil
	}
	st, err := livecheck.ProbeRedis(ctx, c, network, addr, password)
	if err != nil {
		return l, st, err
	}
	l.authRequired = st.Reachable && st.AuthRequired && password != "" && st.AuthOK
	switch {
	case st.TCPPort >= 0:
		l.tcpListening = st.TCPPort > 0
	case st.Reachable:
		ls, err := livecheck.ProcessListeners(ctx, c, "redis-server")
		if err != nil {
			return l, st, fmt.Errorf("INFO did not say Redis's TCP port, and reading the listening sockets failed: %w", err)
		}
		l.tcpListening = len(ls) > 0
	}
	return l, st, nil
}

// liveProblem says, in Redis's own words, why the server does not enforce the
// configuration; "" when it does.
func liveProblem(l redisLive, st livecheck.RedisStatus, port types.Int64) string {
	switch {
	case !st.Reachable:
		return fmt.Sprintf("Redis did not answer at %s: %s", st.Via, st.Detail)
	case !st.AuthRequired:
		return fmt.Sprintf("an unauthenticated PING at %s answered %q instead of -NOAUTH: Redis does not demand the password", st.Via, st.PingReply)
	case !st.AuthOK:
		return fmt.Sprintf("AUTH with the configured password at %s answered %q instead of +OK", st.Via, st.AuthReply)
	case l.tcpListening != (port.ValueInt64() != 0):
		if l.tcpListening {
			return fmt.Sprintf("Redis listens on TCP port %d although port = 0", st.TCPPort)
		}
		return fmt.Sprintf("Redis does not listen on TCP port %d", port.ValueInt64())
	case st.TCPPort > 0 && int64(st.TCPPort) != port.ValueInt64():
		return fmt.Sprintf("Redis listens on TCP port %d, not %d", st.TCPPort, port.ValueInt64())
	}
	return ""
}

// redisResourceModel is the resource's data.
type redisResourceModel struct {
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
}

// knownForHost reports whether every value the host checks need is known.
func (m redisResourceModel) knownForHost() bool {
	return !m.Host.IsUnknown() && !m.SSHPort.IsUnknown() && !m.ConfigPath.IsUnknown() && !m.Port.IsUnknown() &&
		!m.Bind.IsUnknown() && !m.Unixsocket.IsUnknown() && !m.Unixsocketperm.IsUnknown() &&
		!m.ProtectedMode.IsUnknown() && !m.RenameCommands.IsUnknown()
}

// renameKeys are the rename_commands names, sorted.
func (m redisResourceModel) renameKeys() []string {
	if m.RenameCommands.IsNull() || m.RenameCommands.IsUnknown() {
		return nil
	}
	return sortedKeys(m.RenameCommands.Elements())
}

// fillFromHost sets the managed attributes to what Redis uses on the host. rename_commands
// keeps the names already managed; a null map (import) adopts every rename-command line.
// hash makes requirepass_sha256 from the password (keyedHash).
func (m *redisResourceModel) fillFromHost(e redisEffective, cfg *redisconf.Config, hash func(string) (string, error)) error {
	m.Port = e.port
	m.Bind = stringList(e.bind)
	m.Unixsocket = types.StringValue(e.unixsocket)
	if !samePerm(m.Unixsocketperm.ValueString(), e.socketPerm) || m.Unixsocketperm.IsNull() {
		m.Unixsocketperm = types.StringValue(e.socketPerm)
	}
	m.ProtectedMode = e.protectedMode
	m.RequirepassSHA256 = types.StringNull()
	if e.password != "" && len(cfg.Conflicts()) == 0 { // with a conflict Redis ignores requirepass
		h, err := hash(e.password)
		if err != nil {
			return err
		}
		m.RequirepassSHA256 = types.StringValue(h)
	}
	renames := map[string]attr.Value{}
	if m.RenameCommands.IsNull() {
		for _, d := range cfg.All("rename-command") {
			if len(d.Args) == 2 {
				for k := range renames {
					if strings.EqualFold(k, d.Args[0]) {
						delete(renames, k)
					}
				}
				renames[d.Args[0]] = types.StringValue(d.Args[1])
			}
		}
	} else {
		for k := range m.RenameCommands.Elements() {
			for _, d := range cfg.All("rename-command") {
				if len(d.Args) == 2 && strings.EqualFold(d.Args[0], k) {
					renames[k] = types.StringValue(d.Args[1])
				}
			}
		}
	}
	m.RenameCommands = types.MapValueMust(types.StringType, renames)
	m.ConfigFiles = stringList(cfg.Files)
	return nil
}

// samePerm compares two octal permission strings by value ("770" and "0770").
func samePerm(a, b string) bool {
	x, err1 := strconv.ParseUint(a, 8, 32)
	y, err2 := strconv.ParseUint(b, 8, 32)
	return err1 == nil && err2 == nil && x == y
}

// hostDefaults are the Redis paths and restart command of host's distribution, from its
// /etc/os-release (internal/distro); Debian's when the host cannot be asked (the provider's
// settings are not known yet, or it does not answer: then the plan's host check says why).
func (r *redisResource) hostDefaults(ctx context.Context, host types.String, sshPort types.Int64) distro.Redis {
	family, exists := distro.Debian, map[string]bool{}
	if r.data != nil && !r.data.unknown && !host.IsUnknown() && !sshPort.IsUnknown() {
		if c, err := r.data.conn(ctx, host.ValueString(), sshPort); err == nil {
			if files, err := c.ReadFiles(ctx, append([]string{"/etc/os-release"}, distro.ConfigCandidates...)); err == nil {
				family = distro.FamilyOf(files[0].Data)
				for i, p := range distro.ConfigCandidates {
					exists[p] = files[i+1].Info.Exists
				}
			}
		}
	}
	return distro.RedisDefaults(family, func(p string) bool { return exists[p] })
}
