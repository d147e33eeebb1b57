package provider

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	tfpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/hostids"
	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/tfmodel"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
	"github.com/hardenops/terraform-provider-ntopng/internal/validators"
)

// certPathRE: ntopng reads its certificate only from <httpdocs>/ssl/ntopng-cert.pem.
var certPathRE = regexp.MustCompile(`^/.*/ssl/ntopng-cert\.pem$`)

// objectAsOptions reads nested objects whose optional fields may be null.
var objectAsOptions = basetypes.ObjectAsOptions{UnhandledNullAsEmpty: true, UnhandledUnknownAsEmpty: true}

var (
	_ resource.ResourceWithConfigure        = (*instanceResource)(nil)
	_ resource.ResourceWithImportState      = (*instanceResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*instanceResource)(nil)
	_ resource.ResourceWithValidateConfig   = (*instanceResource)(nil)
	_ resource.ResourceWithConfigValidators = (*instanceResource)(nil)
)

// NewInstanceResource is ntopng_instance: ntopng's hardened configuration file.
func NewInstanceResource() resource.Resource { return &instanceResource{} }

type instanceResource struct {
	data *providerData
}

const (
	defaultNtopngConf    = "/etc/ntopng/ntopng.conf"
	ntopngConfMode       = 0o640
	instanceImportedKey  = "imported"
	certFileSuffix       = "/ssl/ntopng-cert.pem"
	defaultNtopngRestart = "systemctl restart ntopng"
	defaultNtopngService = "ntopng.service"
)

// instanceOnDestroyValues lists the allowed on_destroy values, for the validator.
var instanceOnDestroyValues = hostchange.OnDestroyValues(hostchange.OnDestroyKeep, hostchange.OnDestroyRestore)

// instanceConfRE is ntop's per-interface file, read by ntopng@IFACE.service (no drop-ins).
// IFACE is limited to what a unit name carries unescaped: the default restart_command is a shell
// command.
var instanceConfRE = regexp.MustCompile(`^ntopng-([A-Za-z0-9:_.-]+)\.conf$`)

// serviceRE: a systemd service unit name (letters, digits, ":_.-" and one "@" instance part).
var serviceRE = regexp.MustCompile(`^[A-Za-z0-9:_.-]+(@[A-Za-z0-9:_.-]*)?\.service$`)

// defaultService is the unit of ntop's packages that reads confPath: ntopng@IFACE.service for
// /etc/ntopng/ntopng-IFACE.conf, otherwise ntopng.service.
func defaultService(confPath string) string {
	if m := instanceConfRE.FindStringSubmatch(path.Base(confPath)); m != nil {
		return "ntopng@" + m[1] + ".service"
	}
	return defaultNtopngService
}

// defaultRestart restarts service; for ntopng.service it keeps the spelling of earlier releases.
func defaultRestart(service string) string {
	if service == defaultNtopngService {
		return defaultNtopngRestart
	}
	return "systemctl restart " + service
}

// readsDropIns: only ntop's ntopng.service appends ntopng.conf.d/*.conf to the file it starts
// ntopng with; ntopng@IFACE.service reads its ntopng-IFACE.conf alone.
func readsDropIns(confPath string) bool {
	return instanceConfRE.FindString(path.Base(confPath)) == ""
}

// Options owned by dedicated attributes; extra_options may not name them.
var instanceAttributeOptions = map[string]string{
	"http-port":        "http_listen",
	"https-port":       "https_listen",
	"user":             "user",
	"dont-change-user": "user",
	"redis":            "redis",
	"interface":        "interfaces",
	"data-dir":         "data_dir",
	"local-networks":   "local_networks",
}

var redisAttrTypes = map[string]attr.Type{
	"socket": types.StringType,
	"host":   types.StringType,
	"port":   types.Int64Type,
	"db":     types.Int64Type,
}

var instanceRedisPassword = secretInput{
	writeOnly: "redis_password_wo", version: "redis_password_wo_version", sensitive: "redis_password",
	privateKey: "redis_password_sha256",
}

// Metadata names the resource.
func (r *instanceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_instance"
}

// Schema is the contract operators write; see docs/resources/instance.md.
func (r *instanceResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	restarts := " A change rewrites the file and restarts ntopng."
	resp.Schema = schema.Schema{
		MarkdownDescription: "ntopng's hardened configuration file: HTTPS only on chosen addresses, a dedicated run-as " +
			"user, Redis behind a password. Managed options are written exactly as `--name=value`, one line each; every " +
			"other line of the file is kept byte for byte. Read back for drift: the main file and the " +
			"`ntopng.conf.d/*.conf` drop-ins (what ntopng really uses), the run-as user, and the addresses the running " +
			"ntopng process listens on.",
		Attributes: map[string]schema.Attribute{
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
			"http_listen": schema.StringAttribute{
				MarkdownDescription: "Where the plain HTTP server listens (`--http-port`): `disabled` (default, no HTTP), `PORT` " +
					"(every IPv4 address, warned), `:PORT` (127.0.0.1 only), `IPv4:PORT` or `[IPv6]:PORT`. Host names are " +
					"refused: ntopng's web server exits on them. With HTTP disabled the certificate at `cert_path` must exist." + restarts,
				Optional: true, Computed: true,
				Default:    stringdefault.StaticString(ntopngconf.ListenDisabled),
				Validators: []validator.String{validators.Listen()},
			},
			"https_listen": schema.StringAttribute{
				MarkdownDescription: "Where the HTTPS server listens (`--https-port`), same forms as `http_listen`. Default `443` " +
					"(every IPv4 address, with a warning: choose the address). HTTPS starts only when the certificate exists." + restarts,
				Optional: true, Computed: true,
				Default:    stringdefault.StaticString("443"),
				Validators: []validator.String{validators.Listen()},
			},
			"cert_path": schema.StringAttribute{
				MarkdownDescription: "The certificate file ntopng serves: `<httpdocs>/ssl/ntopng-cert.pem`. Default `" + defaultCertPath +
					"`. Reference `ntopng_tls_cert.<name>.path` so that the certificate is pushed first. Not rendered into the file; " +
					"checked to exist (fail closed) when HTTP is disabled.",
				Optional: true, Computed: true,
				Default:    stringdefault.StaticString(defaultCertPath),
				Validators: []validator.String{validators.AbsolutePath(), stringvalidator.RegexMatches(certPathRE, "must end with /ssl/ntopng-cert.pem: ntopng reads its certificate only from <httpdocs>/ssl/ntopng-cert.pem")},
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
				MarkdownDescription: "Supplementary groups `user` must be in, e.g. `[\"redis\"]` to reach a Redis socket with mode 770. " +
					"Groups are added, never removed. Read back from /etc/group. Default `[]`.",
				ElementType: types.StringType,
				Optional:    true, Computed: true,
				Default:    listdefault.StaticValue(types.ListValueMust(types.StringType, nil)),
				Validators: []validator.List{listvalidator.ValueStringsAre(stringvalidator.RegexMatches(userNameRE, "must be a group name, like \"redis\""))},
			},
			"redis": schema.SingleNestedAttribute{
				MarkdownDescription: "How ntopng reaches Redis (`--redis`): `socket` (a Unix socket path, preferred) or `host` and " +
					"`port`; `db` defaults to 0. Unset: the `--redis` line is not managed. The rendered value (with the password) " +
					"must fit ntopng's 127 characters." + restarts,
				Optional: true,
				Attributes: map[string]schema.Attribute{
					"socket": schema.StringAttribute{Optional: true, MarkdownDescription: "Absolute path of the Redis Unix socket, e.g. `ntopng_redis.cache.unixsocket`."},
					"host":   schema.StringAttribute{Optional: true, MarkdownDescription: "IPv4 address or name of Redis (IPv6 is not supported by ntopng)."},
					"port":   schema.Int64Attribute{Optional: true, MarkdownDescription: "TCP port of Redis; default 6379. Not with `socket`."},
					"db": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(0),
						MarkdownDescription: "Redis database number, 0 to 255. Default `0`."},
				},
			},
			"redis_password_wo": schema.StringAttribute{
				MarkdownDescription: "Redis password, write-only (Terraform >= 1.11): never stored in the state or plan. Written " +
					"when the resource is created, when `redis_password_wo_version` changes, or to repair drift. 32 to 64 " +
					"characters without white space, quotes, `\\` or backtick (what `--redis` can carry).",
				Optional: true, Sensitive: true, WriteOnly: true,
			},
			"redis_password_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Bump to write a new `redis_password_wo`. Default `1`.",
				Optional:            true, Computed: true,
				Default: int64default.StaticInt64(1),
			},
			"redis_password": schema.StringAttribute{
				MarkdownDescription: "Redis password as a sensitive attribute, for Terraform < 1.11. **Kept in the state** (encrypt " +
					"your state); prefer `redis_password_wo`. At most one of the two.",
				Optional: true, Sensitive: true,
			},
			"redis_password_sha256": schema.StringAttribute{
				MarkdownDescription: "Keyed hash of the Redis password in the file on the host (null when none): drift on the " +
					"password shows without storing it. " + keyedHashDescription + " Sensitive.",
				Computed:  true,
				Sensitive: true,
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
					"a flag takes `\"\"`. Names are checked against ntopng's own option list (ntopng ignores unknown options " +
					"silently, so a typo would disable a setting: `pid-path` is refused, the option is `pid`). Options with a " +
					"dedicated attribute are refused here, and so are values that can carry a credential (those " +
					"`effective_options` masks: `zmq-encrypt-pwd`, `zmq-encryption-key-priv`, `test-script`, `dump-flows` " +
					"with a database or Elasticsearch target, a URL with `user:password@`), since extra_options is stored in " +
					"the state and the plan in clear text: put those in a drop-in written outside Terraform. Read back for " +
					"drift (masked like `effective_options`)." + restarts,
				ElementType: types.StringType, Optional: true,
			},
			"restart_command": schema.StringAttribute{
				MarkdownDescription: "Shell command run (through `sudo -n` with `sudo = true`) after the file changed. Default `" +
					defaultNtopngRestart + "`, or `systemctl restart SERVICE` when `service` is another unit. Nothing is " +
					"restarted when nothing changed.",
				Optional: true, Computed: true,
				Validators: []validator.String{noNUL},
			},
			"service": schema.StringAttribute{
				MarkdownDescription: "The systemd unit that runs this ntopng. Its processes, as the service manager knows them " +
					"(the unit's control group, or its main PID and their children, from `systemctl show`), are the ones whose " +
					"listeners are read back and verified: a process elsewhere that merely calls itself `ntopng` is ignored. " +
					"Default `" + defaultNtopngService + "`, or `ntopng@IFACE.service` when `config_path` is ntop's per-interface " +
					"file `ntopng-IFACE.conf` (whose unit reads no drop-ins, so none are read then). Read back for drift: when the " +
					"unit is not running the plan shows an update, and apply starts it with `restart_command`.",
				Optional: true, Computed: true,
				Validators: []validator.String{stringvalidator.RegexMatches(serviceRE, "must be a systemd service unit name such as \"ntopng.service\" or \"ntopng@eth0.service\"")},
			},
			"verify_listeners": schema.BoolAttribute{
				MarkdownDescription: "After a restart, wait until the ntopng process listens on exactly the configured " +
					"addresses; otherwise restore the previous file, restart again and fail. Default `true`.",
				Optional: true, Computed: true,
				Default: booldefault.StaticBool(true),
			},
			"verify_timeout": schema.StringAttribute{
				MarkdownDescription: "How long `verify_listeners` waits, as a Go duration. Default `60s`.",
				Optional:            true, Computed: true,
				Default:    stringdefault.StaticString("60s"),
				Validators: []validator.String{validators.Duration()},
			},
			"on_destroy": schema.StringAttribute{
				MarkdownDescription: "What destroy does: `keep` (default: stop managing, leave the hardened file) or `restore` " +
					"(put back the file as it was before the first apply, then restart).",
				Optional: true, Computed: true,
				Default:    stringdefault.StaticString(string(hostchange.OnDestroyKeep)),
				Validators: []validator.String{stringvalidator.OneOf(instanceOnDestroyValues...)},
			},
			"web_allowed_networks": webAllowedNetworksAttribute(),
			"effective_options": schema.MapAttribute{
				MarkdownDescription: "What ntopng will really use after the main file and the drop-ins: the last value of " +
					"every option by long name (flags as `\"\"`), from the main file and the drop-ins. Values that can carry a " +
					"credential never reach the state or the plan: they show as `" + maskedValue + "` (the password part of " +
					"`redis`, everything after the mode of `dump-flows`, a URL's `user:password@`, and the whole value of " +
					"every option not known to be credential-free, such as `zmq-encrypt-pwd`, `zmq-encryption-key-priv`, " +
					"`test-script`, and options of a newer ntopng). The mask is a constant, not a hash.",
				ElementType: types.StringType, Computed: true,
			},
			"observed_listeners": schema.ListAttribute{
				MarkdownDescription: "`ADDRESS:PORT` of every TCP socket the processes of `service` listen on, except the flow " +
					"collector endpoints of collector mode (`--interface=tcp://ADDRESS:PORTc`): the web servers. Empty when ntopng " +
					"is not running. A difference from the configuration (changed but not restarted, or stopped) is drift.",
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
		},
	}
}

// ConfigValidators: one password attribute at most.
func (r *instanceResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.Conflicting(tfpath.MatchRoot("redis_password_wo"), tfpath.MatchRoot("redis_password")),
	}
}

// Configure takes the provider's connection pool.
func (r *instanceResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureData(req.ProviderData, &resp.Diagnostics)
}

type instanceModel struct {
	ID                     types.String `tfsdk:"id"`
	Host                   types.String `tfsdk:"host"`
	SSHPort                types.Int64  `tfsdk:"ssh_port"`
	ConfigPath             types.String `tfsdk:"config_path"`
	HTTPListen             types.String `tfsdk:"http_listen"`
	HTTPSListen            types.String `tfsdk:"https_listen"`
	CertPath               types.String `tfsdk:"cert_path"`
	User                   types.String `tfsdk:"user"`
	ManageUser             types.Bool   `tfsdk:"manage_user"`
	UserGroups             types.List   `tfsdk:"user_groups"`
	Redis                  types.Object `tfsdk:"redis"`
	RedisPasswordWO        types.String `tfsdk:"redis_password_wo"`
	RedisPasswordWOVersion types.Int64  `tfsdk:"redis_password_wo_version"`
	RedisPassword          types.String `tfsdk:"redis_password"`
	RedisPasswordSHA256    types.String `tfsdk:"redis_password_sha256"`
	Interfaces             types.List   `tfsdk:"interfaces"`
	DataDir                types.String `tfsdk:"data_dir"`
	LocalNetworks          types.List   `tfsdk:"local_networks"`
	ExtraOptions           types.Map    `tfsdk:"extra_options"`
	RestartCommand         types.String `tfsdk:"restart_command"`
	Service                types.String `tfsdk:"service"`
	VerifyListeners        types.Bool   `tfsdk:"verify_listeners"`
	VerifyTimeout          types.String `tfsdk:"verify_timeout"`
	OnDestroy              types.String `tfsdk:"on_destroy"`
	EffectiveOptions       types.Map    `tfsdk:"effective_options"`
	ObservedListeners      types.List   `tfsdk:"observed_listeners"`
	ConfigOwner            types.String `tfsdk:"config_owner"`
	ConfigMode             types.String `tfsdk:"config_mode"`
	WritableConfigPaths    types.List   `tfsdk:"writable_config_paths"`
	WebAllowedNetworks     types.List   `tfsdk:"web_allowed_networks"`
}

type redisModel struct {
	Socket types.String `tfsdk:"socket"`
	Host   types.String `tfsdk:"host"`
	Port   types.Int64  `tfsdk:"port"`
	DB     types.Int64  `tfsdk:"db"`
}

// Create writes the file (creating the user first when asked), restarts ntopng and verifies.
func (r *instanceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if resp.Diagnostics.Append(checkAtApply(ctx, r, req.Config)...); resp.Diagnostics.HasError() {
		return // refused before anything is written
	}
	var plan instanceModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	hash, diags := r.apply(ctx, req.Config, &plan, nil, true)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.afterApply(ctx, &plan, hash, resp.Private, &resp.State)...)
}

// afterApply remembers the password's hash, reads the host back and sets the state: the last
// steps of Create and Update.
func (r *instanceResource) afterApply(ctx context.Context, plan *instanceModel, hash string, private privateSetter, state *tfsdk.State) diag.Diagnostics {
	var diags diag.Diagnostics
	diags.Append(instanceRedisPassword.remember(ctx, private, hash)...)
	diags.Append(private.SetKey(ctx, instanceImportedKey, nil)...)
	plan.ID = types.StringValue(hostID(plan.Host.ValueString(), plan.SSHPort, plan.ConfigPath.ValueString()))
	gone := false
	diags.Append(r.refreshInto(ctx, plan, false, &gone)...)
	diags.Append(tfmodel.Set(ctx, state, plan)...)
	return diags
}

// Read reads the files, the users and the listeners back into the state.
func (r *instanceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var st instanceModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &st)...)
	if resp.Diagnostics.HasError() {
		return
	}
	imported, _ := req.Private.GetKey(ctx, instanceImportedKey)
	gone := false
	diags := r.refreshInto(ctx, &st, string(imported) == "true", &gone)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if gone {
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &st)...)
}

// Update rewrites the file, or only restarts when the running ntopng drifted from a right file.
func (r *instanceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if resp.Diagnostics.Append(checkAtApply(ctx, r, req.Config)...); resp.Diagnostics.HasError() {
		return // refused before anything is written
	}
	var plan, prior instanceModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	hash, diags := r.apply(ctx, req.Config, &plan, &prior, r.rotatePassword(ctx, plan, prior, req.Private))
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.afterApply(ctx, &plan, hash, resp.Private, &resp.State)...)
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
		resp.Diagnostics.AddError("Cannot Connect to Host", err.Error())
		return
	}
	// The main file and every drop-in the provider edited (each has its original copy).
	paths := []string{st.ConfigPath.ValueString()}
	copies, err := c.Glob(ctx, path.Join(path.Dir(st.ConfigPath.ValueString()), "ntopng.conf.d", "*.conf"+hostchange.OriginalSuffix))
	if err != nil {
		resp.Diagnostics.AddError("Cannot Restore ntopng.conf", err.Error())
		return
	}
	for _, p := range copies {
		paths = append(paths, strings.TrimSuffix(p, hostchange.OriginalSuffix))
	}
	resp.Diagnostics.Append(restoreOriginals(ctx, c, st.Host.ValueString(), paths, st.RestartCommand.ValueString())...)
}

// ImportState takes host:/path or host:ssh_port:/path; Read then fills everything from the host.
func (r *instanceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	host, sshPort, p, err := parseImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID", err.Error())
		return
	}
	st := instanceModel{
		ID: types.StringValue(hostID(host, sshPort, p)), Host: types.StringValue(host), SSHPort: sshPort, ConfigPath: types.StringValue(p),
		CertPath: types.StringValue(defaultCertPath), ManageUser: types.BoolValue(true),
		RedisPasswordWOVersion: types.Int64Value(1), RedisPassword: types.StringNull(), RedisPasswordWO: types.StringNull(),
		RestartCommand: types.StringValue(defaultRestart(defaultService(p))), Service: types.StringValue(defaultService(p)),
		VerifyListeners: types.BoolValue(true),
		VerifyTimeout:   types.StringValue("60s"), OnDestroy: types.StringValue(string(hostchange.OnDestroyKeep)),
		UserGroups: types.ListNull(types.StringType), Redis: types.ObjectNull(redisAttrTypes),
		Interfaces: types.ListNull(types.StringType), DataDir: types.StringNull(), LocalNetworks: types.ListNull(types.StringType),
		ExtraOptions: types.MapNull(types.StringType), EffectiveOptions: types.MapNull(types.StringType),
		ObservedListeners: types.ListNull(types.StringType), RedisPasswordSHA256: types.StringNull(),
		HTTPListen: types.StringNull(), HTTPSListen: types.StringNull(), User: types.StringNull(),
		WebAllowedNetworks: types.ListNull(types.StringType),
		ConfigOwner:        types.StringNull(), ConfigMode: types.StringNull(), WritableConfigPaths: types.ListNull(types.StringType),
	}
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &st)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, instanceImportedKey, []byte("true"))...)
}

// ValidateConfig refuses, before any host is touched, every value ntopng would misread.
func (r *instanceResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m instanceModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	desired, diags := desiredInstance(ctx, m, "")
	resp.Diagnostics.Append(diags...)
	if desired == nil {
		return
	}
	if desired.http.Disabled && desired.https != nil && desired.https.Disabled {
		resp.Diagnostics.AddAttributeError(tfpath.Root("https_listen"), "No Web Server Left",
			"http_listen and https_listen are both \"disabled\": ntopng would then fall back to plain HTTP on an ephemeral "+
				"port on every IPv4 address. Set https_listen to an address, e.g. \"192.0.2.10:443\".")
	}
	pw, set, known, d := instanceRedisPassword.value(ctx, req.Config)
	resp.Diagnostics.Append(d...)
	if set && known {
		if err := ntopngconf.ValidateRedisPassword(pw); err != nil {
			resp.Diagnostics.AddAttributeError(r.passwordPath(ctx, req), "Redis Password Not Usable by ntopng", err.Error())
		} else if desired.redis != nil {
			red := *desired.redis
			red.Password = pw
			if _, err := ntopngconf.RenderRedis(red); err != nil {
				resp.Diagnostics.AddAttributeError(tfpath.Root("redis"), "Redis Setting Too Long for ntopng", err.Error())
			}
		}
	}
	// Warnings: legal but risky.
	for _, l := range []struct {
		attr   string
		listen *ntopngconf.Listen
	}{{"http_listen", &desired.http}, {"https_listen", desired.https}} {
		if l.listen != nil && l.listen.AllAddresses() {
			resp.Diagnostics.AddAttributeWarning(tfpath.Root(l.attr), "Web Server on Every Address",
				fmt.Sprintf("%s = %q listens on every address of the host. Bind it to the management address, e.g. \"192.0.2.10:%d\".",
					l.attr, l.listen.String(), l.listen.Port))
		}
	}
	if m.User.ValueString() == "nobody" {
		resp.Diagnostics.AddAttributeWarning(tfpath.Root("user"), "ntopng Runs as nobody",
			"user = \"nobody\" shares an account with other daemons. Use a dedicated user such as \"ntopng\" (manage_user creates it).")
	}
	if _, ok := desired.extra["disable-login"]; ok {
		resp.Diagnostics.AddAttributeWarning(tfpath.Root("extra_options").AtMapKey("disable-login"), "Login Disabled",
			"disable-login turns off authentication of the web interface (1: for everyone, 0: from localhost). Anyone who reaches the port gets in.")
	}
	if desired.redis != nil && desired.redis.Socket == "" && !set {
		resp.Diagnostics.AddAttributeWarning(tfpath.Root("redis"), "Redis over TCP Without a Password",
			"ntopng reaches Redis over TCP and no redis_password_wo or redis_password is set: anyone on the host can read "+
				"and change ntopng's data. Protect Redis with ntopng_redis and pass the same password here, or use the Unix socket.")
	}
}

func (r *instanceResource) passwordPath(ctx context.Context, req resource.ValidateConfigRequest) tfpath.Path {
	if instanceRedisPassword.usesWriteOnly(ctx, req.Config) {
		return tfpath.Root("redis_password_wo")
	}
	return tfpath.Root("redis_password")
}

// ModifyPlan checks the certificate on the host (fail closed) and turns drift of the running
// process and of the password into planned changes.
func (r *instanceResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		resp.Diagnostics.Append(warnDestroy(ctx, "ntopng_instance", "config_path", req.State)...)
		return
	}
	if r.data == nil {
		return
	}
	var plan instanceModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var prior *instanceModel
	if !req.State.Raw.IsNull() {
		prior = &instanceModel{}
		resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, prior)...)
	}
	if !plan.Host.IsUnknown() && !plan.HTTPSListen.IsUnknown() {
		for _, w := range r.data.endpoints.noteHTTPSListen(plan.Host.ValueString(), plan.HTTPSListen.ValueString()) {
			resp.Diagnostics.AddAttributeWarning(tfpath.Root("https_listen"), "verify_endpoint Matches No https_listen", w)
		}
	}
	// service and restart_command default to ntop's unit for config_path.
	var cfgService, cfgRestart types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, tfpath.Root("service"), &cfgService)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, tfpath.Root("restart_command"), &cfgRestart)...)
	if cfgService.IsNull() && !plan.ConfigPath.IsUnknown() {
		plan.Service = types.StringValue(defaultService(plan.ConfigPath.ValueString()))
	}
	if cfgRestart.IsNull() && !plan.Service.IsUnknown() {
		plan.RestartCommand = types.StringValue(defaultRestart(plan.Service.ValueString()))
	}
	// The certificate must exist when HTTP is disabled: a warning now, an error at apply.
	if plan.HTTPListen.ValueString() == ntopngconf.ListenDisabled && !plan.CertPath.IsUnknown() && !plan.Host.IsUnknown() && !r.data.unknown {
		if c, err := r.data.conn(ctx, plan.Host.ValueString(), plan.SSHPort); err == nil {
			if fi, err := c.Stat(ctx, plan.CertPath.ValueString()); err == nil && !fi.Exists {
				resp.Diagnostics.AddAttributeWarning(tfpath.Root("cert_path"), "HTTPS Certificate Missing",
					fmt.Sprintf("%s does not exist on %s yet. With http_listen = \"disabled\" ntopng would fall back to plain HTTP on "+
						"every address, so apply checks again before writing ntopng.conf and refuses when it is still missing. "+
						"This is expected when ntopng_tls_cert pushes it in this same apply (cert_path = ntopng_tls_cert.<name>.path "+
						"makes it go first).", plan.CertPath.ValueString(), plan.Host.ValueString()))
			}
		}
	}
	var stateHash types.String = types.StringNull()
	versionChanged := false
	if prior != nil {
		stateHash = prior.RedisPasswordSHA256
		versionChanged = !prior.RedisPasswordWOVersion.Equal(plan.RedisPasswordWOVersion)
	}
	h, d := instanceRedisPassword.plannedHash(ctx, req.Config, stateHash, versionChanged, req.Private,
		hostHasher(ctx, r.data, plan.Host, plan.SSHPort))
	resp.Diagnostics.Append(d...)
	if _, set, _, _ := instanceRedisPassword.value(ctx, req.Config); !set {
		// No password given: the attribute still reads back the one in the host's files
		// (an unmanaged --redis line, a drop-in), which apply leaves as it is.
		h = types.StringUnknown()
		if prior != nil {
			h = prior.RedisPasswordSHA256
		}
	}
	plan.RedisPasswordSHA256 = h
	if prior == nil {
		plan.EffectiveOptions = types.MapUnknown(types.StringType)
		plan.ObservedListeners = types.ListUnknown(types.StringType)
		plan.ConfigOwner, plan.ConfigMode = types.StringUnknown(), types.StringUnknown()
		plan.WritableConfigPaths = types.ListUnknown(types.StringType)
		resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.Plan, &plan)...)
		return
	}
	changed := !configEqual(plan, *prior) || !h.Equal(prior.RedisPasswordSHA256)
	if !changed && !listenersDrifted(*prior) && !filesDrifted(plan, *prior) {
		plan.EffectiveOptions = prior.EffectiveOptions
		plan.ObservedListeners = prior.ObservedListeners
		plan.ConfigOwner, plan.ConfigMode, plan.WritableConfigPaths = prior.ConfigOwner, prior.ConfigMode, prior.WritableConfigPaths
	} else {
		plan.EffectiveOptions = types.MapUnknown(types.StringType)
		plan.ObservedListeners = types.ListUnknown(types.StringType)
		plan.ConfigOwner, plan.ConfigMode = types.StringUnknown(), types.StringUnknown()
		plan.WritableConfigPaths = types.ListUnknown(types.StringType)
	}
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.Plan, &plan)...)
}

// filesDrifted: what ntop's package (or anyone) left that apply repairs: the file not root's or
// not 0640, a configuration path others may change, or --disable-login in the file or a
// drop-in that extra_options does not ask for.
func filesDrifted(plan, prior instanceModel) bool {
	if !prior.ConfigOwner.IsNull() && !strings.HasPrefix(prior.ConfigOwner.ValueString(), "root:") {
		return true
	}
	if !prior.ConfigMode.IsNull() && prior.ConfigMode.ValueString() != fmt.Sprintf("%04o", ntopngConfMode) {
		return true
	}
	if len(prior.WritableConfigPaths.Elements()) > 0 {
		return true
	}
	_, effective := prior.EffectiveOptions.Elements()["disable-login"]
	_, wanted := plan.ExtraOptions.Elements()["disable-login"]
	return effective && !wanted
}

// configEqual compares what the resource writes (not the computed read-backs).
func configEqual(a, b instanceModel) bool {
	return a.HTTPListen.Equal(b.HTTPListen) && a.HTTPSListen.Equal(b.HTTPSListen) && a.User.Equal(b.User) &&
		a.UserGroups.Equal(b.UserGroups) && a.Redis.Equal(b.Redis) && a.Interfaces.Equal(b.Interfaces) &&
		a.DataDir.Equal(b.DataDir) && a.LocalNetworks.Equal(b.LocalNetworks) && a.ExtraOptions.Equal(b.ExtraOptions) &&
		a.ManageUser.Equal(b.ManageUser) && a.RedisPassword.Equal(b.RedisPassword) &&
		a.RedisPasswordWOVersion.Equal(b.RedisPasswordWOVersion) && a.WebAllowedNetworks.Equal(b.WebAllowedNetworks)
}

// listenersDrifted: the running ntopng listens elsewhere than its configuration says, or its
// unit is not running at all (stopped by hand, or failing to start, e.g. without its Redis).
func listenersDrifted(st instanceModel) bool {
	if st.ObservedListeners.IsNull() || st.ObservedListeners.IsUnknown() {
		return false // never read
	}
	var observed []string
	st.ObservedListeners.ElementsAs(context.Background(), &observed, false)
	return !slices.Equal(observed, expectedListeners(st.HTTPListen.ValueString(), st.HTTPSListen.ValueString(), true))
}

// expectedListeners is where ntopng listens for this configuration, sorted like the
// observed list. certPresent says whether HTTPS can start.
func expectedListeners(httpListen, httpsListen string, certPresent bool) []string {
	var out []string
	add := func(s string) {
		l, err := ntopngconf.ParseListen(s)
		if err != nil || l.Disabled {
			return
		}
		addr := strings.Trim(l.Address, "[]")
		switch {
		case l.Loopback:
			addr = "127.0.0.1"
		case addr == "":
			addr = "0.0.0.0"
		}
		out = append(out, livecheck.Listener{Address: addr, Port: l.Port}.HostPort())
	}
	add(httpListen)
	if certPresent {
		add(httpsListen)
	}
	sort.Strings(out)
	return out
}

// desired is what the configuration asks for, validated.
type desired struct {
	http   ntopngconf.Listen
	https  *ntopngconf.Listen
	redis  *ntopngconf.Redis
	extra  map[string]string
	groups []string
}

// desiredInstance validates the model; unknown values are skipped (nil parts).
func desiredInstance(ctx context.Context, m instanceModel, _ string) (*desired, diag.Diagnostics) {
	var diags diag.Diagnostics
	d := &desired{extra: map[string]string{}}
	listen := func(attrName string, v types.String) *ntopngconf.Listen {
		if v.IsUnknown() || v.IsNull() {
			return nil
		}
		l, err := ntopngconf.ParseListen(v.ValueString())
		if err != nil {
			return nil // listenValidator reports it
		}
		return &l
	}
	if l := listen("http_listen", m.HTTPListen); l != nil {
		d.http = *l
	} else if m.HTTPListen.IsNull() {
		d.http = ntopngconf.Listen{Disabled: true}
	}
	d.https = listen("https_listen", m.HTTPSListen)
	if u := m.User.ValueString(); u == "root" {
		diags.AddAttributeError(tfpath.Root("user"), "ntopng Must Not Run as root",
			"user = \"root\" keeps ntopng's full privileges after start-up, like --dont-change-user. Use a dedicated user such as \"ntopng\" (manage_user creates it).")
	}
	if !m.Redis.IsNull() && !m.Redis.IsUnknown() {
		var rm redisModel
		diags.Append(m.Redis.As(ctx, &rm, objectAsOptions)...)
		if !rm.Socket.IsUnknown() && !rm.Host.IsUnknown() && !rm.Port.IsUnknown() && !rm.DB.IsUnknown() {
			red := ntopngconf.Redis{Socket: rm.Socket.ValueString(), Host: rm.Host.ValueString(), Port: int(rm.Port.ValueInt64()), DB: int(rm.DB.ValueInt64())}
			if _, err := ntopngconf.RenderRedis(red); err != nil {
				diags.AddAttributeError(tfpath.Root("redis"), "Invalid Redis Setting", err.Error())
			} else {
				d.redis = &red
			}
		}
	}
	if !m.ExtraOptions.IsNull() && !m.ExtraOptions.IsUnknown() {
		for name, v := range m.ExtraOptions.Elements() {
			p := tfpath.Root("extra_options").AtMapKey(name)
			s, ok := v.(types.String)
			if !ok || s.IsUnknown() {
				continue
			}
			opt, known := ntopngconf.LookupOption(name)
			if known && name != opt.Long {
				diags.AddAttributeError(p, "Use the Long Option Name", fmt.Sprintf("extra_options key %q: write ntopng's long option name %q without dashes.", name, opt.Long))
				continue
			}
			if attrName, taken := instanceAttributeOptions[name]; taken {
				msg := fmt.Sprintf("--%s is managed by the %s attribute; set it there, not in extra_options.", name, attrName)
				if name == "dont-change-user" {
					msg = "--dont-change-user keeps ntopng running as root after start-up; the provider refuses it and removes it from the file. Remove it from extra_options."
				}
				diags.AddAttributeError(p, "Option Not Allowed in extra_options", msg)
				continue
			}
			if err := ntopngconf.ValidateValue(name, s.ValueString()); err != nil {
				diags.AddAttributeError(p, "Invalid ntopng Option", err.Error())
				continue
			}
			if maskOption(name, s.ValueString()) != s.ValueString() {
				diags.AddAttributeError(p, "Secret in extra_options", fmt.Sprintf("The value of --%s can carry a credential "+
					"(a password, a private key, a URL's user:password), and extra_options is stored in the state and the plan in "+
					"clear text. Put that line in a drop-in written outside Terraform, %s (mode 0600): the provider leaves "+
					"options it does not manage alone there, and effective_options shows the value masked.",
					name, "ntopng.conf.d/"+name+".conf beside config_path"))
				continue
			}
			d.extra[name] = s.ValueString()
		}
	}
	for _, attrName := range []string{"interfaces", "local_networks"} {
		var l types.List
		if attrName == "interfaces" {
			l = m.Interfaces
		} else {
			l = m.LocalNetworks
		}
		for i, v := range l.Elements() {
			s, ok := v.(types.String)
			if !ok || s.IsUnknown() {
				continue
			}
			opt := map[string]string{"interfaces": "interface", "local_networks": "local-networks"}[attrName]
			if err := ntopngconf.ValidateValue(opt, s.ValueString()); err != nil {
				diags.AddAttributeError(tfpath.Root(attrName).AtListIndex(i), "Invalid Value", err.Error())
			} else if strings.Contains(s.ValueString(), ",") {
				diags.AddAttributeError(tfpath.Root(attrName).AtListIndex(i), "Invalid Value",
					fmt.Sprintf("%q contains a comma: give one value per list element.", s.ValueString()))
			}
		}
	}
	if !m.DataDir.IsNull() && !m.DataDir.IsUnknown() {
		if err := ntopngconf.ValidateValue("data-dir", m.DataDir.ValueString()); err != nil {
			diags.AddAttributeError(tfpath.Root("data_dir"), "Invalid data_dir", err.Error())
		}
	}
	diags.Append(m.UserGroups.ElementsAs(ctx, &d.groups, false)...)
	if diags.HasError() {
		return nil, diags
	}
	return d, diags
}

// settings renders the model into the managed options of the file.
func (r *instanceResource) settings(ctx context.Context, m instanceModel, password string) ([]ntopngconf.Setting, []string, diag.Diagnostics) {
	var diags diag.Diagnostics
	http, _ := ntopngconf.ParseListen(m.HTTPListen.ValueString())
	https, _ := ntopngconf.ParseListen(m.HTTPSListen.ValueString())
	set := []ntopngconf.Setting{
		{Name: "http-port", Value: http.Render()},
		{Name: "https-port", Value: https.Render()},
		{Name: "user", Value: m.User.ValueString()},
	}
	remove := []string{"dont-change-user"}
	if !m.Redis.IsNull() {
		var rm redisModel
		diags.Append(m.Redis.As(ctx, &rm, objectAsOptions)...)
		v, err := ntopngconf.RenderRedis(ntopngconf.Redis{Socket: rm.Socket.ValueString(), Host: rm.Host.ValueString(),
			Port: int(rm.Port.ValueInt64()), DB: int(rm.DB.ValueInt64()), Password: password})
		if err != nil {
			diags.AddAttributeError(tfpath.Root("redis"), "Invalid Redis Setting", err.Error())
		}
		set = append(set, ntopngconf.Setting{Name: "redis", Value: v})
	}
	if !m.Interfaces.IsNull() {
		var ifs []string
		diags.Append(m.Interfaces.ElementsAs(ctx, &ifs, false)...)
		for _, i := range ifs {
			set = append(set, ntopngconf.Setting{Name: "interface", Value: i})
		}
		if len(ifs) == 0 {
			remove = append(remove, "interface")
		}
	}
	if !m.DataDir.IsNull() {
		set = append(set, ntopngconf.Setting{Name: "data-dir", Value: m.DataDir.ValueString()})
	}
	if !m.LocalNetworks.IsNull() {
		var nets []string
		diags.Append(m.LocalNetworks.ElementsAs(ctx, &nets, false)...)
		if len(nets) > 0 {
			set = append(set, ntopngconf.Setting{Name: "local-networks", Value: strings.Join(nets, ",")})
		} else {
			remove = append(remove, "local-networks")
		}
	}
	extra := map[string]string{}
	diags.Append(m.ExtraOptions.ElementsAs(ctx, &extra, false)...)
	for _, name := range sortedKeys(extra) {
		opt, _ := ntopngconf.LookupOption(name)
		set = append(set, ntopngconf.Setting{Name: name, Value: extra[name], Flag: !opt.TakesValue})
	}
	return set, remove, diags
}

// hostState is everything read from the host in one go.
type hostState struct {
	main      transport.File
	dropIns   []transport.File
	ids       *hostids.IDs
	eff       ntopngconf.Effective
	listeners []livecheck.Listener
	writable  []string // configuration paths someone other than root may change
}

// readHost reads the main file, the drop-ins, /etc/passwd and /etc/group over the shared SFTP
// channel and, at the same time, the listeners with one command.
func (r *instanceResource) readHost(ctx context.Context, c *transport.Conn, m instanceModel, withListeners bool) (*hostState, error) {
	// The listeners do not depend on the files: list them while the files are read.
	type listenersResult struct {
		ls  []livecheck.Listener
		err error
	}
	var listening chan listenersResult
	if withListeners {
		listening = make(chan listenersResult, 1)
		go func() {
			u, err := unitListening(ctx, c, m.Service.ValueString())
			listening <- listenersResult{u.Listeners, err}
		}()
	}
	confPath := m.ConfigPath.ValueString()
	var dropIns []string
	if readsDropIns(confPath) {
		var err error
		if dropIns, err = c.Glob(ctx, path.Join(path.Dir(confPath), "ntopng.conf.d", "*.conf")); err != nil {
			return nil, fmt.Errorf("listing the drop-ins beside %s: %w", confPath, err)
		}
	}
	paths := append([]string{confPath}, hostids.Files...)
	paths = append(paths, dropIns...)
	files, err := c.ReadFiles(ctx, paths)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", confPath, err)
	}
	hs := &hostState{main: files[0], dropIns: files[3:], ids: hostids.Parse(files[1].Data, files[2].Data)}
	// Who may change the configuration: its folder, the drop-in folder, the drop-ins.
	dirs := []string{path.Dir(confPath)}
	if readsDropIns(confPath) {
		dirs = append(dirs, path.Join(path.Dir(confPath), "ntopng.conf.d"))
	}
	for _, d := range dirs {
		fi, err := c.Stat(ctx, d)
		if err != nil {
			return nil, fmt.Errorf("checking %s: %w", d, err)
		}
		if fi.Exists && (fi.UID != 0 || fi.Mode.Perm()&0o022 != 0) {
			hs.writable = append(hs.writable, d)
		}
	}
	for _, f := range hs.dropIns {
		if f.Info.Exists && (f.Info.UID != 0 || f.Info.Mode.Perm()&0o022 != 0) {
			hs.writable = append(hs.writable, f.Path)
		}
	}
	all := []ntopngconf.File{{Name: confPath, Text: string(hs.main.Data)}}
	for _, f := range hs.dropIns {
		all = append(all, ntopngconf.File{Name: f.Path, Text: string(f.Data)})
	}
	hs.eff = ntopngconf.Evaluate(all...)
	if listening != nil {
		res := <-listening
		if res.err != nil {
			return nil, res.err
		}
		hs.listeners = res.ls
	}
	return hs, nil
}

// refreshInto overwrites the model's managed attributes with what the host really has.
func (r *instanceResource) refreshInto(ctx context.Context, m *instanceModel, imported bool, gone *bool) diag.Diagnostics {
	var diags diag.Diagnostics
	c, err := r.data.conn(ctx, m.Host.ValueString(), m.SSHPort)
	if err != nil {
		diags.AddAttributeError(pathHost, "Cannot Connect to Host", err.Error())
		return diags
	}
	if !recoverInterrupted(ctx, c, m.ConfigPath.ValueString(), m.RestartCommand.ValueString(), &diags) {
		return diags
	}
	hs, err := r.readHost(ctx, c, *m, true)
	if err != nil {
		diags.AddError("Cannot Read ntopng Configuration", err.Error())
		return diags
	}
	if !hs.main.Info.Exists {
		*gone = true
		return diags
	}
	eff := hs.eff
	m.HTTPListen = sameListen(m.HTTPListen, eff.HTTPListen(), eff.Options["http-port"])
	m.HTTPSListen = sameListen(m.HTTPSListen, eff.HTTPSListen(), eff.Options["https-port"])
	user := eff.User
	if !eff.ChangeUser {
		user = "root"
	} else if _, ok := hs.ids.UID(user); !ok {
		user = "nobody" // ntopng's fallback when the user does not exist
	}
	m.User = types.StringValue(user)
	var wantGroups []string
	m.UserGroups.ElementsAs(ctx, &wantGroups, false)
	var have []attr.Value
	for _, g := range wantGroups {
		if hs.ids.InGroup(eff.User, g) {
			have = append(have, types.StringValue(g))
		}
	}
	m.UserGroups = types.ListValueMust(types.StringType, have)

	managedRedis := !m.Redis.IsNull() || (imported && eff.Options["redis"] != "")
	if managedRedis {
		m.Redis = redisObject(eff, m.Redis)
	}
	if eff.RedisPassword != nil && *eff.RedisPassword != "" {
		h, err := keyedHash(ctx, c, *eff.RedisPassword)
		if err != nil {
			diags.AddError("Cannot Read ntopng Configuration", err.Error())
			return diags
		}
		m.RedisPasswordSHA256 = types.StringValue(h)
	} else {
		m.RedisPasswordSHA256 = types.StringNull()
	}
	ifs := optionValues(hs, "interface")
	if !m.Interfaces.IsNull() || (imported && len(ifs) > 0) {
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
	extra := map[string]attr.Value{}
	if !m.ExtraOptions.IsNull() {
		for name := range m.ExtraOptions.Elements() {
			if v, ok := eff.Options[name]; ok {
				extra[name] = types.StringValue(maskOption(name, v))
			}
		}
		m.ExtraOptions = types.MapValueMust(types.StringType, extra)
	} else if imported {
		for _, name := range managedBlockOptions(string(hs.main.Data)) {
			if _, taken := instanceAttributeOptions[name]; !taken {
				if v, ok := eff.Options[name]; ok {
					extra[name] = types.StringValue(maskOption(name, v))
				}
			}
		}
		if len(extra) > 0 {
			m.ExtraOptions = types.MapValueMust(types.StringType, extra)
		}
	}
	if imported {
		docs := eff.DocsDir
		if docs == "" {
			docs = ntopngconf.DefaultDocsDir
		}
		m.CertPath = types.StringValue(strings.TrimSuffix(docs, "/") + certFileSuffix)
	}
	opts := map[string]attr.Value{}
	for k, v := range eff.Options {
		opts[k] = types.StringValue(maskOption(k, v))
	}
	m.EffectiveOptions = types.MapValueMust(types.StringType, opts)
	obs := make([]string, 0, len(hs.listeners))
	collectors := collectorPorts(optionValues(hs, "interface"))
	for _, l := range hs.listeners {
		if !collectors[l.Port] {
			obs = append(obs, l.HostPort())
		}
	}
	sort.Strings(obs)
	m.ObservedListeners = stringList(obs)
	m.ConfigOwner = types.StringValue(hs.ids.UserName(hs.main.Info.UID) + ":" + hs.ids.GroupName(hs.main.Info.GID))
	m.ConfigMode = types.StringValue(fmt.Sprintf("%04o", hs.main.Info.Mode.Perm()))
	m.WritableConfigPaths = stringList(hs.writable)
	if !m.WebAllowedNetworks.IsNull() {
		if m.WebAllowedNetworks, _, err = readWebACL(ctx, c, eff); err != nil {
			diags.AddAttributeError(tfpath.Root("web_allowed_networks"), "Cannot Read the Web Access List", err.Error())
		}
	}
	return diags
}

// sameListen keeps the operator's spelling, or else the file's, when it means the same
// listener as what ntopng uses ("127.0.0.1:443" and ":443" both bind 127.0.0.1), so that
// only real drift shows.
func sameListen(prior types.String, effective, raw string) types.String {
	same := func(s string) bool {
		return slices.Equal(expectedListeners(s, "", true), expectedListeners(effective, "", true))
	}
	if !prior.IsNull() && !prior.IsUnknown() && same(prior.ValueString()) {
		return prior
	}
	if _, err := ntopngconf.ParseListen(raw); err == nil && same(raw) {
		return types.StringValue(raw)
	}
	return types.StringValue(effective)
}

// managedBlockOptions lists the options after the provider's marker line: on import they are
// the ones this provider wrote for extra_options.
func managedBlockOptions(text string) []string {
	i := strings.Index(text, ntopngconf.ManagedMarker)
	if i < 0 {
		return nil
	}
	var names []string
	for _, l := range ntopngconf.ParseLines(text[i:]) {
		if !l.Ignored && l.Name != "" {
			names = append(names, l.Name)
		}
	}
	return names
}

// optionValues returns every value of a repeatable option, main file then drop-ins.
func optionValues(hs *hostState, name string) []string {
	var out []string
	for _, f := range append([]transport.File{hs.main}, hs.dropIns...) {
		for _, l := range ntopngconf.ParseLines(string(f.Data)) {
			if !l.Ignored && l.Name == name {
				out = append(out, l.Value)
			}
		}
	}
	return out
}

// redisObject is the redis attribute as the host's files set it. The default port stays
// null, unless prior (the configuration's or the state's) wrote it out: both spellings mean
// the same, and the read-back must keep the operator's.
func redisObject(eff ntopngconf.Effective, prior types.Object) types.Object {
	v := map[string]attr.Value{
		"socket": types.StringNull(), "host": types.StringNull(), "port": types.Int64Null(),
		"db": types.Int64Value(int64(eff.RedisDB)),
	}
	if strings.HasPrefix(eff.RedisHost, "/") {
		v["socket"] = types.StringValue(eff.RedisHost)
	} else {
		v["host"] = types.StringValue(eff.RedisHost)
		priorPort, _ := prior.Attributes()["port"].(types.Int64)
		if eff.RedisPort != ntopngconf.DefaultRedisPort || (!priorPort.IsNull() && !priorPort.IsUnknown()) {
			v["port"] = types.Int64Value(int64(eff.RedisPort))
		}
	}
	return types.ObjectValueMust(redisAttrTypes, v)
}

// rotatePassword: write the configuration's password (instead of keeping the host's) when
// the version changed, when the host drifted from what was applied, or when there is none.
func (r *instanceResource) rotatePassword(ctx context.Context, plan, prior instanceModel, p privateGetter) bool {
	if !plan.RedisPassword.IsNull() {
		return true
	}
	if !plan.RedisPasswordWOVersion.Equal(prior.RedisPasswordWOVersion) || prior.RedisPasswordSHA256.IsNull() {
		return true
	}
	applied := instanceRedisPassword.applied(ctx, p)
	return applied != "" && applied != prior.RedisPasswordSHA256.ValueString()
}

// apply runs the whole change: validate against the host, user, drop-ins, file, restart,
// verify. It returns the hash of the Redis password now in the file.
func (r *instanceResource) apply(ctx context.Context, cfg tfsdk.Config, plan, prior *instanceModel, writeConfigPassword bool) (string, diag.Diagnostics) {
	var diags diag.Diagnostics
	c, err := r.data.conn(ctx, plan.Host.ValueString(), plan.SSHPort)
	if err != nil {
		diags.AddAttributeError(pathHost, "Cannot Connect to Host", err.Error())
		return "", diags
	}
	hs, err := r.readHost(ctx, c, *plan, false)
	if err != nil {
		diags.AddError("Cannot Read ntopng Configuration", err.Error())
		return "", diags
	}
	// Only apply needs the certificate's presence (Read has no use for it).
	cert, err := c.Stat(ctx, plan.CertPath.ValueString())
	if err != nil {
		diags.AddError("Cannot Read ntopng Configuration", fmt.Sprintf("checking %s: %v", plan.CertPath.ValueString(), err))
		return "", diags
	}
	if plan.HTTPListen.ValueString() == ntopngconf.ListenDisabled && !cert.Exists {
		diags.AddAttributeError(tfpath.Root("cert_path"), "HTTPS Certificate Missing",
			fmt.Sprintf("%s does not exist on %s. With http_listen = \"disabled\" and no certificate ntopng falls back to plain HTTP "+
				"on an ephemeral port on every address, so nothing was written. Push the certificate with ntopng_tls_cert "+
				"(cert_path = ntopng_tls_cert.<name>.path) or keep an HTTP listener.", plan.CertPath.ValueString(), plan.Host.ValueString()))
		return "", diags
	}
	// The Redis password: the configuration's, or the one already on the host.
	password := ""
	if writeConfigPassword {
		v, set, _, d := instanceRedisPassword.value(ctx, cfg)
		diags.Append(d...)
		if set {
			password = v
		}
	} else if hs.eff.RedisPassword != nil {
		password = *hs.eff.RedisPassword
	}
	// The hash before any write: a host where it cannot be made is left as it was.
	hash := ""
	if password != "" {
		if hash, err = keyedHash(ctx, c, password); err != nil {
			diags.AddError("Cannot Hash the Redis Password", err.Error()+". Nothing was changed.")
			return "", diags
		}
	}
	set, remove, d := r.settings(ctx, *plan, password)
	diags.Append(d...)
	if diags.HasError() {
		return "", diags
	}
	if plan.ManageUser.ValueBool() {
		if err := r.ensureUser(ctx, c, *plan); err != nil {
			diags.AddAttributeError(tfpath.Root("user"), "Cannot Prepare the ntopng User", err.Error())
			return "", diags
		}
		if hs.ids, err = lookupIDs(ctx, c); err != nil {
			diags.AddError("Cannot Read Users", err.Error())
			return "", diags
		}
	}
	gid, ok := hs.ids.PrimaryGID(plan.User.ValueString())
	if !ok {
		diags.AddAttributeError(tfpath.Root("user"), "ntopng User Missing",
			fmt.Sprintf("User %q does not exist on %s and manage_user is false: ntopng would run as nobody. Create the user or set manage_user = true.",
				plan.User.ValueString(), plan.Host.ValueString()))
		return "", diags
	}
	// The configuration belongs to root: ntop's package gives it to the service account.
	if len(hs.writable) > 0 {
		const fix = `for p; do chown -h -- 0 "$p" || exit 1; [ -L "$p" ] || chmod -- go-w "$p" || exit 1; done`
		res, err := c.Run(ctx, append([]string{"sh", "-c", fix, "sh"}, hs.writable...), nil)
		if err == nil && res.ExitCode != 0 {
			err = fmt.Errorf("exit %d: %s", res.ExitCode, strings.TrimSpace(string(res.Stderr)))
		}
		if err != nil {
			diags.AddError("Cannot Give ntopng's Configuration to root", fmt.Sprintf("chown/chmod of %s failed: %v", strings.Join(hs.writable, ", "), err))
			return "", diags
		}
	}
	// --disable-login, in the file or a drop-in, goes unless extra_options asks for it.
	if _, wanted := plan.ExtraOptions.Elements()["disable-login"]; !wanted {
		remove = append(remove, "disable-login")
	}
	newText := ntopngconf.Edit(string(hs.main.Data), set, remove)
	files := []hostchange.File{{Path: plan.ConfigPath.ValueString(), Data: []byte(newText), Mode: ntopngConfMode, UID: 0, GID: gid}}
	// Drop-ins must not override managed options: remove them there (other lines stay), in
	// the same change, so that a failed restart puts them back too.
	managed := append([]string{}, remove...)
	for _, s := range set {
		managed = append(managed, s.Name)
	}
	for _, f := range hs.dropIns {
		edited := ntopngconf.Edit(string(f.Data), nil, managed)
		if edited == string(f.Data) || strings.TrimSpace(edited) == "" && strings.TrimSpace(string(f.Data)) == "" {
			continue
		}
		tflog.Debug(ctx, "removing managed options from a drop-in", map[string]any{"path": f.Path})
		// root's, like the folder: never given back to an owner that may have planted it.
		files = append(files, hostchange.File{Path: f.Path, Data: []byte(edited), Mode: f.Info.Mode.Perm() &^ 0o022, UID: 0, GID: f.Info.GID})
	}
	timeout, _ := time.ParseDuration(plan.VerifyTimeout.ValueString())
	want := expectedListeners(plan.HTTPListen.ValueString(), plan.HTTPSListen.ValueString(), cert.Exists)
	ch := hostchange.Change{
		Files:        files,
		Restart:      plan.RestartCommand.ValueString(),
		KeepOriginal: true,
		ForceRestart: prior != nil && listenersDrifted(*prior),
	}
	if plan.VerifyListeners.ValueBool() {
		service := plan.Service.ValueString()
		ifaces := optionValues(hs, "interface")
		if !plan.Interfaces.IsNull() {
			ifaces = nil
			plan.Interfaces.ElementsAs(ctx, &ifaces, false)
		}
		collectors := collectorPorts(ifaces)
		ch.Verify = func(ctx context.Context) error { return waitListeners(ctx, c, service, want, collectors, timeout) }
	}
	var webNets []string
	plan.WebAllowedNetworks.ElementsAs(ctx, &webNets, false)
	if err := applyWithWebACL(ctx, c, ch, newEffective(plan.ConfigPath.ValueString(), newText, hs.dropIns, managed), webNets, !plan.WebAllowedNetworks.IsNull()); err != nil {
		diags.AddError("Cannot Apply ntopng Configuration", err.Error())
		return "", diags
	}
	return hash, diags
}

// startupWait is how long a read waits for a running ntopng that does not listen yet: ntopng
// binds its web servers only after Redis, the interfaces and its scripts are ready (about 2 s
// on a small probe), and restarting Redis restarts it (ntop's unit is PartOf=redis.service).
const startupWait = 20 * time.Second

// unitListening reads the unit's listeners; while the unit has a main process but no listener
// yet (ntopng starting), it asks again for up to startupWait. A unit without a main process
// (stopped, failed, or between two restarts) is answered at once.
func unitListening(ctx context.Context, c *transport.Conn, service string) (livecheck.Unit, error) {
	deadline := time.Now().Add(startupWait)
	for {
		u, err := livecheck.UnitListeners(ctx, c, service)
		if err != nil || u.MainPID == 0 || len(u.Listeners) > 0 || time.Now().After(deadline) {
			return u, err
		}
		select {
		case <-ctx.Done():
			return u, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// collectorPorts are the ports ntopng binds for flow collection, not for its web servers: an
// interface "tcp://ADDRESS:PORTc" (the "c" suffix: ntopng binds and nProbe connects, collector
// mode). Drift and verification look at the web servers only.
func collectorPorts(ifaces []string) map[int]bool {
	ports := map[int]bool{}
	for _, i := range ifaces {
		for _, ep := range strings.Split(i, ",") { // several endpoints on one interface
			rest, ok := strings.CutPrefix(strings.TrimSpace(ep), "tcp://")
			if !ok || !strings.HasSuffix(rest, "c") {
				continue
			}
			rest = strings.TrimSuffix(rest, "c")
			if p, err := strconv.Atoi(rest[strings.LastIndexByte(rest, ':')+1:]); err == nil {
				ports[p] = true
			}
		}
	}
	return ports
}

// waitListeners polls until the processes of service listen on exactly want.
func waitListeners(ctx context.Context, c *transport.Conn, service string, want []string, collectors map[int]bool, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	delay := 200 * time.Millisecond
	var seen []string
	for {
		u, err := livecheck.UnitListeners(ctx, c, service)
		if err != nil {
			return err
		}
		seen = seen[:0]
		for _, l := range u.Listeners {
			if !collectors[l.Port] {
				seen = append(seen, l.HostPort())
			}
		}
		sort.Strings(seen)
		if slices.Equal(seen, want) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %s the processes of %s (%s, main PID %d) listen on %v, want exactly %v", timeout, service, u.ActiveState, u.MainPID, seen, want)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		if delay < 2*time.Second {
			delay *= 2
		}
	}
}

// ensureUser creates the system user and its group when missing, adds the supplementary
// groups and gives it the data directory. Names are validated and quoted.
func (r *instanceResource) ensureUser(ctx context.Context, c *transport.Conn, m instanceModel) error {
	user := transport.Quote(m.User.ValueString())
	dataDir := "/var/lib/ntopng"
	if !m.DataDir.IsNull() {
		dataDir = m.DataDir.ValueString()
	}
	// Root creates the data directory and gives it away: never through a link that the
	// service account (or anyone but root) could have planted, or a compromised ntopng
	// could make /root its own. GuardPath refuses such links, naming them, and resolves the
	// trusted ones; the script then works on the directory it entered (cd -P, checked with
	// pwd -P) and changes "." only, so a swap after the check cannot redirect the chown.
	realDir, err := c.GuardPath(ctx, dataDir)
	if err != nil {
		return fmt.Errorf("data_dir %s: %w", dataDir, err)
	}
	var groups []string
	m.UserGroups.ElementsAs(ctx, &groups, false)
	script := fmt.Sprintf(`set -e
getent group ntop >/dev/null || groupadd --system ntop
if ! getent passwd %[1]s >/dev/null; then
  useradd --system --gid ntop --no-create-home --home-dir %[2]s --shell /usr/sbin/nologin --comment 'ntopng' %[1]s
fi
mkdir -p -- %[3]s
cd -P -- %[3]s
if [ "$(pwd -P)" != %[3]s ]; then echo "data_dir %[2]s changed while it was prepared (it leads to $(pwd -P) now); its owner was not changed" >&2; exit 4; fi
chown %[1]s:"$(id -gn %[1]s)" .
chmod 0700 .
`, user, transport.Quote(dataDir), transport.Quote(realDir))
	for _, g := range groups {
		script += fmt.Sprintf("getent group %[1]s >/dev/null || { echo \"group %[1]s does not exist\" >&2; exit 3; }\nid -Gn %[2]s | tr ' ' '\\n' | grep -qx %[1]s || usermod -a -G %[1]s %[2]s\n",
			transport.Quote(g), user)
	}
	res, err := c.RunShell(ctx, script, nil)
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("preparing user %s failed (exit %d): %s", m.User.ValueString(), res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	return nil
}
