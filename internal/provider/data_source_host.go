package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostfacts"
	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
)

var _ datasource.DataSourceWithConfigure = (*hostDataSource)(nil)

// NewHostDataSource is the ntopng_host data source: a read-only, plan-time view of a host.
func NewHostDataSource() datasource.DataSource { return &hostDataSource{} }

type hostDataSource struct {
	data *providerData
}

type hostModel struct {
	Host               types.String `tfsdk:"host"`
	SSHPort            types.Int64  `tfsdk:"ssh_port"`
	CheckUsers         types.List   `tfsdk:"check_users"`
	ID                 types.String `tfsdk:"id"`
	Hostname           types.String `tfsdk:"hostname"`
	OSID               types.String `tfsdk:"os_id"`
	OSVersion          types.String `tfsdk:"os_version"`
	HostKeyFingerprint types.String `tfsdk:"host_key_fingerprint"`
	NtopngVersion      types.String `tfsdk:"ntopng_version"`
	RedisVersion       types.String `tfsdk:"redis_version"`
	Listeners          types.List   `tfsdk:"listeners"`
	Users              types.Map    `tfsdk:"users"`
}

var userNameRE = regexp.MustCompile(`^[a-z_][a-z0-9_.-]{0,31}\$?$`)

var listenerAttrTypes = map[string]attr.Type{
	"protocol": types.StringType,
	"address":  types.StringType,
	"port":     types.Int64Type,
	"process":  types.StringType,
}

var userAttrTypes = map[string]attr.Type{
	"exists": types.BoolType,
	"uid":    types.Int64Type,
	"gid":    types.Int64Type,
	"groups": types.ListType{ElemType: types.StringType},
}

// Metadata names the data source.
func (d *hostDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_host"
}

// Schema describes what is read from the host.
func (d *hostDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads a host's ntopng-relevant facts at plan time, in one SSH command: OS, versions of " +
			"ntopng and Redis, every listening TCP socket with its process, and the users ntopng and Redis run as. " +
			"Nothing is changed on the host.",
		Attributes: map[string]schema.Attribute{
			"host": schema.StringAttribute{
				MarkdownDescription: "Address or name of the host to read (SSH settings come from the provider block).",
				Required:            true,
				Validators:          hostValidators,
			},
			"ssh_port": schema.Int64Attribute{
				MarkdownDescription: "SSH port, overriding the provider's `ssh.port`.",
				Optional:            true,
			},
			"check_users": schema.ListAttribute{
				MarkdownDescription: "User names to report in `users`. Default `[\"ntopng\", \"redis\", \"valkey\"]`: ntopng's account and the cache server's, whichever of Redis and Valkey the host has.",
				ElementType:         types.StringType,
				Optional:            true,
				Validators: []validator.List{listvalidator.ValueStringsAre(stringvalidator.RegexMatches(userNameRE,
					"must be a valid POSIX user name (lower-case letters, digits, '_', '-', '.')"))},
			},
			"id":                   schema.StringAttribute{Computed: true, MarkdownDescription: "The host (and `ssh_port` when set)."},
			"hostname":             schema.StringAttribute{Computed: true, MarkdownDescription: "The host's own name (kernel hostname)."},
			"os_id":                schema.StringAttribute{Computed: true, MarkdownDescription: "`ID` from /etc/os-release, e.g. `debian`."},
			"os_version":           schema.StringAttribute{Computed: true, MarkdownDescription: "`VERSION_ID` from /etc/os-release, e.g. `12`."},
			"host_key_fingerprint": schema.StringAttribute{Computed: true, MarkdownDescription: "SHA256 fingerprint of the SSH host key the provider verified."},
			"ntopng_version":       schema.StringAttribute{Computed: true, MarkdownDescription: "Version printed by `ntopng --version`; null when ntopng is not installed."},
			"redis_version":        schema.StringAttribute{Computed: true, MarkdownDescription: "Version printed by `redis-server --version` (`valkey-server --version` on a host with Valkey and no redis-server); null when neither is installed."},
			"listeners": schema.ListNestedAttribute{
				Computed: true,
				MarkdownDescription: "Every listening TCP socket, from `ss -tlnp` (process names need root or `sudo = true`), " +
					"or from /proc/net/tcp and tcp6 when `ss` is absent (process then empty).",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"protocol": schema.StringAttribute{Computed: true, MarkdownDescription: "`tcp` or `tcp6`."},
					"address":  schema.StringAttribute{Computed: true, MarkdownDescription: "Local address, e.g. `0.0.0.0`, `::`, `127.0.0.1`."},
					"port":     schema.Int64Attribute{Computed: true, MarkdownDescription: "Local port."},
					"process":  schema.StringAttribute{Computed: true, MarkdownDescription: "Process name, empty when unknown."},
				}},
			},
			"users": schema.MapNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Facts about each user of `check_users`, keyed by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"exists": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the user exists."},
					"uid":    schema.Int64Attribute{Computed: true, MarkdownDescription: "User id (null when missing)."},
					"gid":    schema.Int64Attribute{Computed: true, MarkdownDescription: "Primary group id (null when missing)."},
					"groups": schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Names of all the user's groups, primary first."},
				}},
			},
		},
	}
}

// Configure takes the provider's connection pool.
func (d *hostDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	data, diags := configureData(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	d.data = data
}

// Read runs hostfacts.Read (one fixed script) on the host and fills every attribute from its output.
func (d *hostDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m hostModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || d.data == nil {
		return
	}
	users := []string{"ntopng", "redis", "valkey"}
	if !m.CheckUsers.IsNull() {
		users = nil
		resp.Diagnostics.Append(m.CheckUsers.ElementsAs(ctx, &users, false)...)
	}
	c, err := d.data.conn(ctx, m.Host.ValueString(), m.SSHPort)
	if err != nil {
		resp.Diagnostics.AddAttributeError(pathHost, "Cannot Connect to Host", err.Error())
		return
	}
	facts, err := hostfacts.Read(ctx, c, users)
	var lerr *hostfacts.ListenersError
	switch {
	case errors.As(err, &lerr):
		resp.Diagnostics.AddError("Cannot Read Listening Sockets", err.Error())
		return
	case err != nil:
		resp.Diagnostics.AddError("Cannot Read Host Facts", fmt.Sprintf("Running the facts script on %s failed: %v", m.Host.ValueString(), err))
		return
	}
	m.ID = types.StringValue(hostID(m.Host.ValueString(), m.SSHPort, ""))
	m.Hostname = types.StringValue(facts.Hostname)
	m.OSID = types.StringValue(facts.OSRelease["ID"])
	m.OSVersion = types.StringValue(facts.OSRelease["VERSION_ID"])
	m.HostKeyFingerprint = types.StringValue(c.HostKeyFingerprint())
	m.NtopngVersion = nullableString(facts.NtopngVersion)
	m.RedisVersion = nullableString(facts.RedisVersion)

	m.Listeners = listenersValue(facts.Listeners)
	m.Users = usersValue(users, facts.Users)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// listenersValue is the listeners attribute.
func listenersValue(ls []livecheck.Listener) types.List {
	vals := make([]attr.Value, 0, len(ls))
	for _, l := range ls {
		vals = append(vals, types.ObjectValueMust(listenerAttrTypes, map[string]attr.Value{
			"protocol": types.StringValue(l.Protocol),
			"address":  types.StringValue(l.Address),
			"port":     types.Int64Value(int64(l.Port)),
			"process":  types.StringValue(l.Process),
		}))
	}
	return types.ListValueMust(types.ObjectType{AttrTypes: listenerAttrTypes}, vals)
}

// usersValue is the users attribute: an entry for each name asked for (a user the host does
// not have exists = false, uid and gid null).
func usersValue(names []string, found map[string]hostfacts.User) types.Map {
	vals := map[string]attr.Value{}
	for _, name := range names {
		u := found[name]
		obj := map[string]attr.Value{
			"exists": types.BoolValue(u.Exists),
			"uid":    types.Int64Null(),
			"gid":    types.Int64Null(),
			"groups": stringList(u.Groups),
		}
		if u.Exists {
			obj["uid"] = types.Int64Value(int64(u.UID))
			obj["gid"] = types.Int64Value(int64(u.GID))
		}
		vals[name] = types.ObjectValueMust(userAttrTypes, obj)
	}
	return types.MapValueMust(types.ObjectType{AttrTypes: userAttrTypes}, vals)
}

func nullableString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// sortedKeys returns a map's keys in order (stable plans).
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
