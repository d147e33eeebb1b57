package provider

import (
	"context"
	"maps"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
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
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopnghardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/tfmodel"
	"github.com/hardenops/terraform-provider-ntopng/internal/tlsciphers"
	"github.com/hardenops/terraform-provider-ntopng/internal/unithardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/validators"
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
// Terraform side (instance_host.go: the model to and from the host).
func NewInstanceResource() resource.Resource { return &instanceResource{} }

type instanceResource struct {
	data *providerData
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
	RedisStatus            types.String `tfsdk:"redis_status"`
	ConfigOwner            types.String `tfsdk:"config_owner"`
	ConfigMode             types.String `tfsdk:"config_mode"`
	WritableConfigPaths    types.List   `tfsdk:"writable_config_paths"`
	WebAllowedNetworks     types.List   `tfsdk:"web_allowed_networks"`
	RevokePackageGrants    types.Object `tfsdk:"revoke_package_grants"`
	// resource_instance_zmq.go
	ZMQEncryption      types.Bool   `tfsdk:"zmq_encryption"`
	ZMQPublicKey       types.String `tfsdk:"zmq_public_key"`
	ZMQPrivateKeyOwner types.String `tfsdk:"zmq_private_key_owner"`
	ZMQPrivateKeyMode  types.String `tfsdk:"zmq_private_key_mode"`
	// resource_instance_confine.go
	Confinement              types.Bool   `tfsdk:"confinement"`
	ConfinementWritablePaths types.List   `tfsdk:"confinement_writable_paths"`
	ConfinementStatus        types.String `tfsdk:"confinement_status"`
	// resource_instance_tls.go
	TLSProfile  types.String `tfsdk:"tls_profile"`
	TLSCiphers  types.List   `tfsdk:"tls_ciphers"`
	TLSObserved types.Object `tfsdk:"tls_observed"`
}

const (
	defaultNtopngConf    = ntopnghardening.DefaultConfPath
	instanceImportedKey  = "imported"
	certFileSuffix       = ntopnghardening.CertFileSuffix
	defaultNtopngRestart = ntopnghardening.DefaultRestartCommand
	defaultNtopngService = ntopnghardening.DefaultServiceName
)

// instanceOnDestroyValues lists the allowed on_destroy values, for the validator.
var instanceOnDestroyValues = hostchange.OnDestroyValues(hostchange.OnDestroyKeep, hostchange.OnDestroyRestore)

// certPathRE: ntopng reads its certificate only from <httpdocs>/ssl/ntopng-cert.pem.
var certPathRE = regexp.MustCompile(`^/.*/ssl/ntopng-cert\.pem$`)

// serviceRE: a systemd service unit name (letters, digits, ":_.-" and one "@" instance part).
var serviceRE = regexp.MustCompile(`^[A-Za-z0-9:_.-]+(@[A-Za-z0-9:_.-]*)?\.service$`)

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
				MarkdownDescription: "Supplementary groups `user` must be in, e.g. `[\"redis\"]` to reach a Redis socket with mode 770 " +
					"(`[\"valkey\"]` on a Debian 13 host running Valkey, whose socket's group is `valkey`). " +
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
			"verify_listeners": schema.BoolAttribute{
				MarkdownDescription: "After a restart, wait until the ntopng process listens on exactly the configured " +
					"addresses; otherwise restore the previous file, restart again and fail. Default `true`. On a host without " +
					"systemd this needs the PID file of `--pid`; where ntopng's listeners cannot be checked the apply fails " +
					"(fail closed) and the previous file is put back: set `false` on such hosts.",
				Optional: true, Computed: true,
				Default: booldefault.StaticBool(true),
			},
			"verify_timeout": schema.StringAttribute{
				MarkdownDescription: "How long `verify_listeners` waits, and the bound of all the TLS probes of a read or an apply together (`tls_observed`), as a Go duration. Default `60s`.",
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
			"web_allowed_networks":  webAllowedNetworksAttribute(),
			"revoke_package_grants": revokePackageGrantsAttribute(),
		},
	}
	maps.Copy(resp.Schema.Attributes, instanceReadBackAttributes())
	maps.Copy(resp.Schema.Attributes, confinementAttributes())
	maps.Copy(resp.Schema.Attributes, zmqAttributes())
	maps.Copy(resp.Schema.Attributes, tlsAttributes())
}

// ConfigValidators: one password attribute at most.
func (r *instanceResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		validators.AtMostOneOf("give the Redis password in `redis_password_wo` (write-only, never in the state) or, "+
			"before Terraform 1.11, in `redis_password`", "redis_password_wo", "redis_password"),
	}
}

// Configure takes the provider's connection pool.
func (r *instanceResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	data, diags := configureData(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = data
}

// ValidateConfig refuses, before any host is touched, every value ntopng would misread.
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
	http, https := parsedListen(d.HTTPListen), parsedListen(d.HTTPSListen)
	if http != nil && http.Disabled && https != nil && https.Disabled {
		resp.Diagnostics.AddAttributeError(tfpath.Root("https_listen"), "No Web Server Left",
			"http_listen and https_listen are both \"disabled\": ntopng would then fall back to plain HTTP on an ephemeral "+
				"port on every IPv4 address. Set https_listen to an address, e.g. \"192.0.2.10:443\".")
	}
	pw, set, known, pd := instanceRedisPassword.value(ctx, req.Config)
	resp.Diagnostics.Append(pd...)
	if set && known {
		if err := ntopngconf.ValidateRedisPassword(pw); err != nil {
			resp.Diagnostics.AddAttributeError(r.passwordPath(ctx, req), "Redis Password Not Usable by ntopng", err.Error())
		} else if d.Redis != nil {
			red := *d.Redis
			red.Password = pw
			if _, err := ntopngconf.RenderRedis(red); err != nil {
				resp.Diagnostics.AddAttributeError(tfpath.Root("redis"), "Redis Setting Too Long for ntopng", err.Error())
			}
		}
	}
	resp.Diagnostics.Append(instanceWarnings(m, d, set)...)
	resp.Diagnostics.Append(validateGrants(ctx, m)...)
	resp.Diagnostics.Append(confinementValidate(m)...)
	resp.Diagnostics.Append(tlsValidate(m)...)
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
	plan, prior, diags := planModels[instanceModel](ctx, req)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
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
		plan.Service = types.StringValue(ntopnghardening.DefaultService(plan.ConfigPath.ValueString()))
	}
	if cfgRestart.IsNull() && !plan.Service.IsUnknown() {
		plan.RestartCommand = types.StringValue(ntopnghardening.DefaultRestart(plan.Service.ValueString()))
	}
	resp.Diagnostics.Append(r.certWarning(ctx, plan)...)
	resp.Diagnostics.Append(redisWarning(plan, prior)...)
	resp.Diagnostics.Append(tlsPlanProblems(plan, prior)...)
	if resp.Diagnostics.Append(zmqPlanProblems(plan, prior)...); resp.Diagnostics.HasError() {
		return
	}
	h, d := r.plannedPasswordHash(ctx, req, plan, prior)
	resp.Diagnostics.Append(d...)
	plan.RedisPasswordSHA256 = h
	plan = planReadBacks(plan, prior)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.Plan, &plan)...)
}

// Create writes the file (creating the user first when asked), restarts ntopng and verifies.
func (r *instanceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, _, diags := checkedModels[instanceModel](ctx, r, req.Config, req.Plan, nil)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.write(ctx, req.Config, plan, nil, true, resp.Private, &resp.State)...)
	resp.Diagnostics.Append(instanceIdentity.set(ctx, resp.Identity, resp.State)...)
}

// Read reads the files, the users and the listeners back into the state.
func (r *instanceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer func() { resp.Diagnostics.Append(instanceIdentity.set(ctx, resp.Identity, resp.State, req.State)...) }()
	var st instanceModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &st)...)
	if resp.Diagnostics.HasError() {
		return
	}
	imported, _ := req.Private.GetKey(ctx, instanceImportedKey)
	found, diags := r.refresh(ctx, st, string(imported) == "true")
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if found == nil {
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, found)...)
}

// Update rewrites the file, or only restarts when the running ntopng drifted from a right file.
func (r *instanceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, prior, diags := checkedModels[instanceModel](ctx, r, req.Config, req.Plan, &req.State)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.write(ctx, req.Config, plan, &prior, r.rotatePassword(ctx, plan, prior, req.Private), resp.Private, &resp.State)...)
	resp.Diagnostics.Append(instanceIdentity.set(ctx, resp.Identity, resp.State)...)
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
	paths, err := ntopnghardening.RestoredPaths(ctx, c, st.ConfigPath.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Cannot Restore ntopng.conf", err.Error())
		return
	}
	// The confinement's and TLS's files have a marker of their absence before the first apply: they go.
	paths = append(append(paths, unithardening.DropInPath(st.Service.ValueString())), unithardening.TLSPaths(st.Service.ValueString())...)
	resp.Diagnostics.Append(restoreOriginals(ctx, c, st.Host.ValueString(), paths, unithardening.RecoverRestart(st.RestartCommand.ValueString()))...)
}

// ImportState takes host:/path, host:ssh_port:/path or the identity; Read fills the rest.
func (r *instanceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	t, diags := instanceIdentity.target(ctx, req)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	host, sshPort, p := t.host, t.sshPort, t.path
	service := ntopnghardening.DefaultService(p)
	st := instanceModel{
		ID: types.StringValue(hostID(host, sshPort, p)), Host: types.StringValue(host), SSHPort: sshPort, ConfigPath: types.StringValue(p),
		CertPath: types.StringValue(defaultCertPath), ManageUser: types.BoolValue(true),
		RedisPasswordWOVersion: types.Int64Value(1), RedisPassword: types.StringNull(), RedisPasswordWO: types.StringNull(),
		RestartCommand: types.StringValue(ntopnghardening.DefaultRestart(service)), Service: types.StringValue(service),
		VerifyListeners: types.BoolValue(true),
		VerifyTimeout:   types.StringValue("60s"), OnDestroy: types.StringValue(string(hostchange.OnDestroyKeep)),
		UserGroups: types.ListNull(types.StringType), Redis: types.ObjectNull(redisAttrTypes),
		Interfaces: types.ListNull(types.StringType), DataDir: types.StringNull(), LocalNetworks: types.ListNull(types.StringType),
		ExtraOptions: types.MapNull(types.StringType), EffectiveOptions: types.MapNull(types.StringType),
		ObservedListeners: types.ListNull(types.StringType), RedisPasswordSHA256: types.StringNull(), RedisStatus: types.StringNull(),
		HTTPListen: types.StringNull(), HTTPSListen: types.StringNull(), User: types.StringNull(),
		WebAllowedNetworks: types.ListNull(types.StringType), RevokePackageGrants: grantsObject(revokeAll),
		ConfigOwner: types.StringNull(), ConfigMode: types.StringNull(), WritableConfigPaths: types.ListNull(types.StringType),
		Confinement: types.BoolValue(true), ConfinementWritablePaths: types.ListValueMust(types.StringType, nil),
		ConfinementStatus: types.StringNull(),
		ZMQEncryption:     types.BoolNull(), ZMQPublicKey: types.StringNull(),
		ZMQPrivateKeyOwner: types.StringNull(), ZMQPrivateKeyMode: types.StringNull(),
		TLSProfile: types.StringValue(string(tlsciphers.Intermediate)), TLSCiphers: types.ListNull(types.StringType), TLSObserved: types.ObjectNull(tlsObservedAttrTypes),
	}
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &st)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, instanceImportedKey, []byte("true"))...)
	resp.Diagnostics.Append(instanceIdentity.set(ctx, resp.Identity, resp.State)...)
}
