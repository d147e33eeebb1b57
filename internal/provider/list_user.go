package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
	"github.com/hardenops/terraform-provider-ntopng/internal/validators"
	"github.com/hardenops/terraform-provider-ntopng/internal/webusers"
)

var _ list.ListResourceWithConfigure = (*userList)(nil)

// NewUserList is ntopng_user's list resource: the web users named in usernames (default
// admin, which every ntopng has) that exist in the Redis of the ntopng at config_path.
func NewUserList() list.ListResource { return &userList{&userResource{}} }

// userList is the resource itself with a config schema and List.
type userList struct{ *userResource }

// ListResourceConfigSchema: hosts, ssh_port, config_path, usernames.
func (l *userList) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listConfigSchema("ntopng's web users (`ntopng_user`)", userIdentity, map[string]schema.Attribute{
		"usernames": schema.ListAttribute{
			MarkdownDescription: "The web users to look for, as the resource's `username`; each one that exists in the Redis " +
				"of the ntopng at `config_path` is listed. Default `[\"admin\"]` (every ntopng has it). Users are looked up by " +
				"name, never by scanning Redis's keys (the hardening may rename `KEYS` and `SCAN` away).",
			ElementType: types.StringType,
			Optional:    true,
			Validators: []validator.List{listvalidator.UniqueValues(), listvalidator.ValueStringsAre(
				validators.Func("Invalid ntopng User Name", "a name ntopng can store", webusers.ValidateUsername))},
		},
	})
}

// List reads each of usernames on each host.
func (l *userList) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	q, diags := readListQuery(ctx, req, userIdentity)
	var names types.List
	diags.Append(req.Config.GetAttribute(ctx, path.Root("usernames"), &names)...)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	users := []string{webusers.Admin}
	if !names.IsNull() {
		users = listStrings(names)
	}
	p := q.path
	if p == "" {
		p = defaultNtopngConf
	}
	note := secretsNote{typeName: "ntopng_user", secrets: "`password_wo`, the user's password (a new one: ntopng keeps " +
		"only its hash; the first apply writes it)"}
	listOnHosts(ctx, l.data, q, l.userResource, note, func(_ context.Context, _ *transport.Conn, host string) ([]importTarget, error) {
		var out []importTarget
		for _, u := range users {
			out = append(out, importTarget{host: host, sshPort: q.sshPort, path: p, username: u})
		}
		return out, nil
	}, stream)
}
