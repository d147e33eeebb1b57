package provider

// Resource identity (Terraform 1.12 and later) and the one reading of what an import names:
// the import ID string (host:/path, host:ssh_port:/path, ntopng_user's host[:ssh_port]:username
// forms) or an identity object (`import { identity = { ... } }`, and what `terraform query`
// writes). The identity's attributes are the resource's own attributes of the same names, none
// of which changes without a replacement, so the identity never changes for the resource's life.

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/webusers"
)

var (
	_ resource.ResourceWithIdentity = (*instanceResource)(nil)
	_ resource.ResourceWithIdentity = (*redisResource)(nil)
	_ resource.ResourceWithIdentity = (*tlsCertResource)(nil)
	_ resource.ResourceWithIdentity = (*userResource)(nil)
)

// identityShape is one resource type's identity: host, ssh_port, and the file (pathAttr) or,
// for ntopng_user, the file and the user name that make it unique on the host.
type identityShape struct {
	pathAttr    string // "config_path" or "path"
	pathDefault string // the resource's default for pathAttr; "" when the identity must name it
	pathDesc    string
	user        bool   // ntopng_user: username too
	idExample   string // added to an invalid import ID's error
}

var (
	instanceIdentity = identityShape{pathAttr: "config_path", pathDefault: defaultNtopngConf,
		pathDesc: "ntopng's configuration file, `config_path`."}
	redisIdentity = identityShape{pathAttr: "config_path",
		pathDesc:  "redis.conf of the Redis ntopng uses, `config_path`.",
		idExample: " (for example probe-1.example.net:/etc/redis/redis.conf; the port, when given, is the SSH port)"}
	tlsCertIdentity = identityShape{pathAttr: "path", pathDefault: defaultCertPath,
		pathDesc: "The certificate file ntopng serves, `path`."}
	userIdentity = identityShape{pathAttr: "config_path", pathDefault: defaultNtopngConf, user: true,
		pathDesc: "ntopng's configuration file, `config_path`, whose Redis holds the user."}
)

// importTarget is what an import names.
type importTarget struct {
	host     string
	sshPort  types.Int64 // null: the provider's ssh.port
	path     string
	username string // ntopng_user only
}

// display is the target as its import ID.
func (t importTarget) display(s identityShape) string {
	if s.user {
		return hostID(t.host, t.sshPort, t.path+":"+t.username)
	}
	return hostID(t.host, t.sshPort, t.path)
}

// diagsText joins the errors' summaries and details.
func diagsText(diags diag.Diagnostics) string {
	var parts []string
	for _, d := range diags.Errors() {
		parts = append(parts, d.Summary()+": "+d.Detail())
	}
	return strings.Join(parts, "; ")
}

// schema is the identity schema: the resource's own attribute names.
func (s identityShape) schema() identityschema.Schema {
	pathAttr := identityschema.StringAttribute{Description: s.pathDesc}
	if s.pathDefault == "" {
		pathAttr.RequiredForImport = true
	} else {
		pathAttr.OptionalForImport = true
		pathAttr.Description += " Default `" + s.pathDefault + "`."
	}
	sc := identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"host": identityschema.StringAttribute{RequiredForImport: true,
			Description: "Address or name of the host, as the resource's `host`."},
		"ssh_port": identityschema.Int64Attribute{OptionalForImport: true,
			Description: "The resource's `ssh_port`; null: the provider's `ssh.port`."},
		s.pathAttr: pathAttr,
	}}
	if s.user {
		sc.Attributes["username"] = identityschema.StringAttribute{RequiredForImport: true,
			Description: "The web user's name, `username`."}
	}
	return sc
}

// names are the identity's attribute names (each also the resource's).
func (s identityShape) names() []string {
	if s.user {
		return []string{"host", "ssh_port", s.pathAttr, "username"}
	}
	return []string{"host", "ssh_port", s.pathAttr}
}

// target reads what an import names: the ID string when there is one, else the identity.
func (s identityShape) target(ctx context.Context, req resource.ImportStateRequest) (importTarget, diag.Diagnostics) {
	var diags diag.Diagnostics
	var t importTarget
	var err error
	if req.ID != "" || req.Identity == nil {
		if s.user {
			t.host, t.sshPort, t.path, t.username, err = parseUserImportID(req.ID)
		} else {
			t.host, t.sshPort, t.path, err = parseImportID(req.ID)
		}
		if err != nil {
			diags.AddError("Invalid Import ID", err.Error()+s.idExample)
		}
		return t, diags
	}
	var host, p, user types.String
	diags.Append(req.Identity.GetAttribute(ctx, path.Root("host"), &host)...)
	diags.Append(req.Identity.GetAttribute(ctx, path.Root("ssh_port"), &t.sshPort)...)
	diags.Append(req.Identity.GetAttribute(ctx, path.Root(s.pathAttr), &p)...)
	if s.user {
		diags.Append(req.Identity.GetAttribute(ctx, path.Root("username"), &user)...)
	}
	if diags.HasError() {
		return t, diags
	}
	t.host, t.path, t.username = host.ValueString(), p.ValueString(), user.ValueString()
	if t.path == "" {
		t.path = s.pathDefault
	}
	var bad []string
	if !hostRE.MatchString(t.host) {
		bad = append(bad, fmt.Sprintf("host = %q must be a host name or an IP address", t.host))
	}
	if n := t.sshPort.ValueInt64(); !t.sshPort.IsNull() && (n < 1 || n > 65535) {
		bad = append(bad, fmt.Sprintf("ssh_port = %d must be from 1 to 65535", n))
	}
	if len(t.path) == 0 || t.path[0] != '/' {
		bad = append(bad, fmt.Sprintf("%s = %q must be an absolute path", s.pathAttr, t.path))
	}
	if s.user {
		if err := webusers.ValidateUsername(t.username); err != nil {
			bad = append(bad, "username: "+err.Error())
		}
	}
	for _, b := range bad {
		diags.AddError("Invalid Import Identity", b+".")
	}
	return t, diags
}

// set makes id the identity of the resource whose state is st: the same-named attributes.
// When st is null (a Read that found the object gone) prior's: the framework wants an identity
// even then, and a state written before identity (or by Terraform before 1.12) has none to keep.
func (s identityShape) set(ctx context.Context, id *tfsdk.ResourceIdentity, st tfsdk.State, prior ...tfsdk.State) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, p := range prior {
		if st.Raw.IsNull() {
			st = p
		}
	}
	if id == nil || st.Raw.IsNull() {
		return diags
	}
	for _, name := range s.names() {
		p := path.Root(name)
		if name == "ssh_port" {
			var v types.Int64
			diags.Append(st.GetAttribute(ctx, p, &v)...)
			diags.Append(id.SetAttribute(ctx, p, v)...)
			continue
		}
		var v types.String
		diags.Append(st.GetAttribute(ctx, p, &v)...)
		diags.Append(id.SetAttribute(ctx, p, v)...)
	}
	return diags
}

// IdentitySchema: host, ssh_port, config_path.
func (r *instanceResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = instanceIdentity.schema()
}

// IdentitySchema: host, ssh_port, config_path.
func (r *redisResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = redisIdentity.schema()
}

// IdentitySchema: host, ssh_port, path.
func (r *tlsCertResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = tlsCertIdentity.schema()
}

// IdentitySchema: host, ssh_port, config_path, username.
func (r *userResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = userIdentity.schema()
}
