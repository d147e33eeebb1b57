package provider

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	tfpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/tfmodel"
	"github.com/hardenops/terraform-provider-ntopng/internal/validators"
	"github.com/hardenops/terraform-provider-ntopng/internal/webusers"
)

var (
	_ resource.ResourceWithConfigure        = (*userResource)(nil)
	_ resource.ResourceWithImportState      = (*userResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*userResource)(nil)
	_ resource.ResourceWithValidateConfig   = (*userResource)(nil)
	_ resource.ResourceWithConfigValidators = (*userResource)(nil)
)

// NewUserResource is ntopng_user: one web user of ntopng, kept in ntopng's Redis.
func NewUserResource() resource.Resource { return &userResource{} }

type userResource struct {
	data *providerData
}

// userModel is ntopng_user's configuration and state.
type userModel struct {
	ID                  types.String `tfsdk:"id"`
	Host                types.String `tfsdk:"host"`
	SSHPort             types.Int64  `tfsdk:"ssh_port"`
	ConfigPath          types.String `tfsdk:"config_path"`
	Username            types.String `tfsdk:"username"`
	PasswordWO          types.String `tfsdk:"password_wo"`
	PasswordWOVersion   types.Int64  `tfsdk:"password_wo_version"`
	Password            types.String `tfsdk:"password"`
	Group               types.String `tfsdk:"group"`
	FullName            types.String `tfsdk:"full_name"`
	AllowedNetworks     types.List   `tfsdk:"allowed_networks"`
	PasswordFingerprint types.String `tfsdk:"password_fingerprint"`
}

// userPassword's private state key holds the fingerprint this resource wrote last.
var userPassword = secretInput{writeOnly: "password_wo", version: "password_wo_version", sensitive: "password",
	privateKey: "password_fingerprint_applied"}

var defaultAllowedNetworks = webusers.ParseAllowedNets(webusers.AllNets)

// Metadata names the resource.
func (r *userResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_user"
}

// Schema is the contract operators write; see docs/resources/user.md.
func (r *userResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	noRestart := " Written to ntopng's Redis; nothing restarts (ntopng reads users at each login). Read back for drift."
	resp.Schema = schema.Schema{
		MarkdownDescription: "A web user of ntopng: its password, group and allowed networks, kept in the Redis that the " +
			"host's ntopng really uses (found in its configuration, password included, read on the host and never stored). " +
			"Use it for `admin`, which every ntopng starts with the password `admin`. Read back for drift: the user exists, " +
			"its group and networks, and whether the password on the host is still the one this resource wrote; `admin` " +
			"back on its default password is drift whatever the configuration says.",
		Attributes: map[string]schema.Attribute{
			"id":       schema.StringAttribute{Computed: true, MarkdownDescription: "`host:username`, or `host:ssh_port:username` when `ssh_port` is set to something other than 22.", PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"host":     hostAttribute(),
			"ssh_port": sshPortAttribute(),
			"config_path": schema.StringAttribute{
				MarkdownDescription: "ntopng's configuration file, read (with its `ntopng.conf.d/*.conf` drop-ins) to find the " +
					"Redis ntopng uses (`--redis`; none: `127.0.0.1:6379`, database 0). Default `" + defaultNtopngConf + "`. " +
					"Changing it replaces the resource: the user in another ntopng's Redis is another user.",
				Optional: true, Computed: true,
				Default:       stringdefault.StaticString(defaultNtopngConf),
				Validators:    []validator.String{validators.AbsolutePath()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"username": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The web user's name: `admin` (the built-in one) or any other. Letters, digits, "+
					"`.`, `_`, `@` and `-`, starting with a letter or digit, at most %d characters (ntopng's login form). "+
					"Changing it replaces the resource.", webusers.MaxUsernameLength),
				Required:      true,
				Validators:    []validator.String{validators.Func("Invalid ntopng User Name", "a name ntopng can store", webusers.ValidateUsername)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"password_wo": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The password, write-only (Terraform >= 1.11): never stored in the state or plan. "+
					"%d to %d printable ASCII characters without spaces (ntopng's login form reads at most %d). Written when "+
					"the resource is created, when `password_wo_version` changes, and to repair drift (then the value of that "+
					"run is written). ntopng keeps it as an unsalted MD5, so make it long and random, e.g. "+
					"`ephemeral.random_password` with `length = %d`. Exactly one of `password_wo` and `password`.",
					webusers.MinPasswordLength, webusers.MaxPasswordLength, webusers.MaxPasswordLength, webusers.MaxPasswordLength),
				Optional: true, Sensitive: true, WriteOnly: true,
			},
			"password_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Bump to write a new `password_wo`. Default `1`.",
				Optional:            true, Computed: true,
				Default: int64default.StaticInt64(1),
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "The password as a sensitive attribute, for Terraform < 1.11. **Kept in the state** (encrypt " +
					"your state); prefer `password_wo`. Same rules.",
				Optional: true, Sensitive: true,
			},
			"group": schema.StringAttribute{
				MarkdownDescription: "The user's group: `" + strings.Join(webusers.Groups(), "` or `") + "` (ntopng's " +
					"`ntopng.user.<name>.group`)." + noRestart,
				Required:   true,
				Validators: []validator.String{stringvalidator.OneOf(webusers.Groups()...)},
			},
			"full_name": schema.StringAttribute{
				MarkdownDescription: "The name ntopng shows for the user: at most 128 characters, no control characters or `<>\"'&\\` and backtick. Unset: not managed." + noRestart,
				Optional:            true,
				Validators:          []validator.String{validators.Func("Invalid Full Name", "at most 128 characters without markup", webusers.ValidateFullName)},
			},
			"allowed_networks": schema.ListAttribute{
				MarkdownDescription: "Networks (IPv4 or IPv6 CIDR, e.g. `10.0.0.0/8`) whose traffic the user may see in ntopng " +
					"(`ntopng.user.<name>.allowed_nets`). Default `[\"0.0.0.0/0\", \"::/0\"]`: all. This does not limit where " +
					"the user logs in from: that is `ntopng_instance.web_allowed_networks`." + noRestart,
				ElementType: types.StringType,
				Optional:    true, Computed: true,
				Default: listdefault.StaticValue(stringList(defaultAllowedNetworks)),
				Validators: []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(
					validators.Func("Invalid Network", "an IPv4 or IPv6 network in CIDR form", func(s string) error {
						_, err := webusers.ParseCIDR(s)
						return err
					}))},
			},
			"password_fingerprint": schema.StringAttribute{
				MarkdownDescription: "Keyed fingerprint of the password hash on the host; null when the user has no password or " +
					"`admin` is on its default one. " + keyedHashDescription + " A different value than the one written last " +
					"is drift: the next apply writes the configured password again.",
				Computed: true,
			},
		},
	}
}

// ConfigValidators: exactly one password attribute.
func (r *userResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		validators.ExactlyOneOf("give the password in `password_wo` (write-only, never in the state) or, before "+
			"Terraform 1.11, in `password`", "password_wo", "password"),
	}
}

// Configure takes the provider's connection pool.
func (r *userResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	data, diags := configureData(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = data
}

// ValidateConfig refuses passwords ntopng's login could not take, before any host is touched.
func (r *userResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m userModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	pw, set, known, d := userPassword.value(ctx, req.Config)
	resp.Diagnostics.Append(d...)
	if set && known {
		if err := webusers.ValidatePassword(pw); err != nil {
			at := tfpath.Root("password")
			if userPassword.usesWriteOnly(ctx, req.Config) {
				at = tfpath.Root("password_wo")
			}
			resp.Diagnostics.AddAttributeError(at, "Password Not Usable for ntopng", err.Error())
		}
	}
	if m.Username.ValueString() == webusers.Admin && m.Group.ValueString() == string(webusers.Unprivileged) {
		resp.Diagnostics.AddAttributeWarning(tfpath.Root("group"), "admin Without Administrator Rights",
			"username = \"admin\" with group = \"unprivileged\" takes the administrator rights away from the built-in admin. "+
				"Make sure another administrator exists.")
	}
}

// ModifyPlan plans the password write: on create, when the version or the sensitive password
// changed, and when the host's password is no longer the one written last (or is admin's default).
func (r *userResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return // destroy, or create (the fingerprint is unknown anyway)
	}
	// The apply-time checks run at plan time too: the same start as Update.
	plan, prior, diags := checkedModels[userModel](ctx, r, req.Config, req.Plan, &req.State)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	fp := prior.PasswordFingerprint
	if userNeedsPassword(ctx, plan, prior, req.Private) {
		fp = types.StringUnknown()
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, tfpath.Root("password_fingerprint"), fp)...)
}

// Create writes the user (taking over one that exists, as admin always does).
func (r *userResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, _, diags := checkedModels[userModel](ctx, r, req.Config, req.Plan, nil)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	plan.ID = types.StringValue(hostID(plan.Host.ValueString(), plan.SSHPort, plan.Username.ValueString()))
	if resp.Diagnostics.Append(r.write(ctx, req.Config, &plan, true, resp.Private)...); resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(setApplied(ctx, resp.Private, &resp.State, resp.Identity, userIdentity, &plan)...)
}

// Read reads the user back; a user removed from Redis leaves the state.
func (r *userResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer func() { resp.Diagnostics.Append(userIdentity.set(ctx, resp.Identity, resp.State, req.State)...) }()
	var st userModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &st)...)
	_, _, diags := readAfterImport(ctx, req, resp) // nothing here differs after an import
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	c, t, diags := r.connect(ctx, st)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	exists, err := readUserInto(ctx, c, t, &st)
	if err != nil {
		resp.Diagnostics.AddError("Cannot Read ntopng User", err.Error())
		return
	}
	if !exists {
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(setState(ctx, &resp.State, nil, userIdentity, &st)...)
}

// Update writes what changed; the password only when ModifyPlan planned it.
func (r *userResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, _, diags := checkedModels[userModel](ctx, r, req.Config, req.Plan, &req.State)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	if resp.Diagnostics.Append(r.write(ctx, req.Config, &plan, plan.PasswordFingerprint.IsUnknown(), resp.Private)...); resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(setApplied(ctx, resp.Private, &resp.State, resp.Identity, userIdentity, &plan)...)
}

// Delete removes the user's keys; admin is left (ntopng would recreate it as admin/admin).
func (r *userResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var st userModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &st)...)
	if resp.Diagnostics.HasError() {
		return
	}
	user := st.Username.ValueString()
	if user == webusers.Admin {
		resp.Diagnostics.AddWarning("ntopng admin Left in Place",
			"The built-in web user admin was not removed: ntopng would recreate it at its next start with the password "+
				"\"admin\". It keeps the password and group this resource wrote; Terraform no longer manages it.")
		return
	}
	resp.Diagnostics.Append(r.remove(ctx, st)...)
}

// ImportState takes host:username, host:ssh_port:username, or with ntopng's configuration file
// host[:ssh_port]:/path/ntopng.conf:username (config_path is the default otherwise), or the identity.
func (r *userResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	t, diags := userIdentity.target(ctx, req)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	resp.Diagnostics.Append(startImport(ctx, resp, userIdentity, func(st *userModel) {
		st.ID, st.Host, st.SSHPort = types.StringValue(hostID(t.host, t.sshPort, t.username)), types.StringValue(t.host), t.sshPort
		st.ConfigPath, st.Username = types.StringValue(t.path), types.StringValue(t.username)
		st.AllowedNetworks = types.ListNull(types.StringType) // read from ntopng's Redis
	})...)
}

// userNeedsPassword says whether an update must write the configured password.
func userNeedsPassword(ctx context.Context, plan, prior userModel, p privateGetter) bool {
	if prior.PasswordFingerprint.IsNull() || !plan.PasswordWOVersion.Equal(prior.PasswordWOVersion) {
		return true
	}
	if !plan.Password.IsNull() && !plan.Password.Equal(prior.Password) {
		return true
	}
	applied := userPassword.applied(ctx, p)
	return applied != "" && applied != prior.PasswordFingerprint.ValueString()
}

// webUser is what the user's keys must hold.
func (m userModel) webUser(ctx context.Context) (webusers.User, diag.Diagnostics) {
	u := webusers.User{Name: m.Username.ValueString(), Group: m.Group.ValueString(),
		FullName: m.FullName.ValueString(), FullNameSet: !m.FullName.IsNull()}
	diags := m.AllowedNetworks.ElementsAs(ctx, &u.AllowedNets, false)
	return u, diags
}

// fillFromHost sets m's computed and managed values from what Redis holds: the keyed hash of
// the password (null when there is none to vouch for), group, networks (the planned list kept
// when equal) and the full name when managed.
func (m *userModel) fillFromHost(ctx context.Context, s webusers.Stored, hash func(string) (string, error)) error {
	m.PasswordFingerprint = types.StringNull()
	if s.Hash != "" {
		fp, err := hash(s.Hash)
		if err != nil {
			return err
		}
		m.PasswordFingerprint = types.StringValue(fp)
	}
	m.Group = types.StringValue(s.Group)
	var planned []string
	m.AllowedNetworks.ElementsAs(ctx, &planned, false)
	if !slices.Equal(planned, s.AllowedNets) {
		m.AllowedNetworks = stringList(s.AllowedNets)
	}
	if !m.FullName.IsNull() {
		m.FullName = types.StringValue(s.FullName)
	}
	return nil
}

// parseUserImportID reads host:username, host:ssh_port:username or
// host[:ssh_port]:/path/ntopng.conf:username; an IPv6 host goes in brackets
// ("[2001:db8::10]:admin", "[2001:db8::10]:2222:admin").
func parseUserImportID(id string) (host string, sshPort types.Int64, confPath, user string, err error) {
	sshPort = types.Int64Null()
	bad := fmt.Errorf("%q: want host:username, host:ssh_port:username or host:/path/ntopng.conf:username "+
		"(an IPv6 host in brackets: [2001:db8::10]:admin)", id)
	i := strings.LastIndex(id, ":")
	if i <= 0 || webusers.ValidateUsername(id[i+1:]) != nil {
		return "", sshPort, "", "", bad
	}
	host, user, confPath = id[:i], id[i+1:], defaultNtopngConf
	if strings.Contains(host, ":/") {
		host, sshPort, confPath, err = parseImportID(host)
		return host, sshPort, confPath, user, err
	}
	if h, ps, e := net.SplitHostPort(host); e == nil {
		n, convErr := strconv.Atoi(ps)
		if convErr != nil || n < 1 || n > 65535 {
			return "", sshPort, "", "", fmt.Errorf("%q: the SSH port %q is not a number from 1 to 65535", id, ps)
		}
		host, sshPort = h, types.Int64Value(int64(n))
	} else if strings.HasPrefix(host, "[") != strings.HasSuffix(host, "]") || (!strings.HasPrefix(host, "[") && strings.Contains(host, ":")) {
		return "", sshPort, "", "", bad
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" {
		return "", sshPort, "", "", bad
	}
	return host, sshPort, confPath, user, nil
}
