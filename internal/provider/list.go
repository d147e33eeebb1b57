package provider

// What the list resources (`terraform query`, Terraform 1.14 and later) share: the hosts of
// the query's config block, reached with the provider's SSH settings through its connection
// pool (one login per host for the whole query, whatever the number of list blocks), and each
// object found made exactly as `import` makes it: the resource's own ImportState from the
// identity, then its own Read. So a result's resource is the state an import by that identity
// gives, and `terraform query -generate-config-out` writes a configuration whose first plan
// shows only what the hardening changes there.

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// listedResource is a resource that a list resource lists: its import and its read make
// each result.
type listedResource interface {
	resource.ResourceWithImportState
	adoptable
	Read(context.Context, resource.ReadRequest, *resource.ReadResponse)
}

// listHostsParallel is how many hosts one list block reads at once.
const listHostsParallel = 8

// secretsNote names, for the results' diagnostic, the write-only secrets a generated
// configuration needs before its first plan.
type secretsNote struct {
	typeName string
	secrets  string
}

// listConfigSchema is a list block's config: hosts, ssh_port, and the resource's own path
// attribute (and more for ntopng_user) as filters.
func listConfigSchema(what string, shape identityShape, extra map[string]schema.Attribute) schema.Schema {
	pathDefault := " Default: the resource's default on each host."
	if shape.pathDefault != "" {
		pathDefault = " Default `" + shape.pathDefault + "`."
	}
	s := schema.Schema{
		MarkdownDescription: "Lists " + what + " on the hosts named in `hosts`, reached with the provider's `ssh` settings " +
			"(one SSH login per host for the whole query). Each result has the resource's identity and, with " +
			"`include_resource = true`, the state an import by that identity gives (a value the resource refuses at " +
			"plan time, such as a certificate file readable by everyone, replaced by its default): `terraform query " +
			"-generate-config-out=FILE` writes `import` blocks by identity and resource blocks whose write-only secrets " +
			"are the only thing to add (written as `null # sensitive`). A host that cannot be reached or read is a " +
			"warning naming it; the other hosts are still listed. Terraform 1.14 or later.",
		Attributes: map[string]schema.Attribute{
			"hosts": schema.ListAttribute{
				MarkdownDescription: "The hosts to look at: host names or IP addresses, as the resource's `host`.",
				ElementType:         types.StringType,
				Required:            true,
				Validators: []validator.List{listvalidator.SizeAtLeast(1), listvalidator.UniqueValues(),
					listvalidator.ValueStringsAre(hostValidators...)},
			},
			"ssh_port": schema.Int64Attribute{
				MarkdownDescription: "SSH port of every host, as the resource's `ssh_port`. Default: the provider's `ssh.port`.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(1, 65535)},
			},
			shape.pathAttr: schema.StringAttribute{
				MarkdownDescription: shape.pathDesc + pathDefault,
				Optional:            true,
			},
		},
	}
	for k, v := range extra {
		s.Attributes[k] = v
	}
	return s
}

// listQuery is what a List call reads from the config block.
type listQuery struct {
	hosts   []string
	sshPort types.Int64
	path    string // "" when unset
	req     list.ListRequest
	shape   identityShape
}

// readListQuery reads the common attributes of the config block.
func readListQuery(ctx context.Context, req list.ListRequest, shape identityShape) (listQuery, diag.Diagnostics) {
	q := listQuery{req: req, shape: shape}
	var hosts types.List
	var p types.String
	diags := req.Config.GetAttribute(ctx, path.Root("hosts"), &hosts)
	diags.Append(req.Config.GetAttribute(ctx, path.Root("ssh_port"), &q.sshPort)...)
	diags.Append(req.Config.GetAttribute(ctx, path.Root(shape.pathAttr), &p)...)
	q.hosts, q.path = listStrings(hosts), p.ValueString()
	return q, diags
}

// listOnHosts runs targetsOf on every host (listHostsParallel at a time), imports and reads
// each target, and streams the results in the order of hosts.
func listOnHosts(ctx context.Context, data *providerData, q listQuery, r listedResource, note secretsNote,
	targetsOf func(context.Context, *transport.Conn, string) ([]importTarget, error), stream *list.ListResultsStream) {
	if data == nil {
		stream.Results = list.ListResultsStreamDiagnostics(diag.Diagnostics{diag.NewErrorDiagnostic("Provider Not Configured",
			"The list resource was called before the provider was configured. Please report this to the provider developers.")})
		return
	}
	perHost := make([][]list.ListResult, len(q.hosts))
	var wg sync.WaitGroup
	sem := make(chan struct{}, listHostsParallel)
	for i, host := range q.hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			perHost[i] = listHost(ctx, data, q, r, note, host, targetsOf)
		}()
	}
	wg.Wait()
	var found []string
	for _, results := range perHost {
		for _, res := range results {
			if res.Identity != nil {
				found = append(found, res.DisplayName)
			}
		}
	}
	if q.req.IncludeResource && len(found) > 0 {
		perHost = append(perHost, []list.ListResult{warningResult("Secrets to Add to the Generated "+note.typeName+" Blocks",
			fmt.Sprintf("Before the first plan, a configuration generated from these results needs %s in the %s block of "+
				"each of: %s. They are written as `null # sensitive`: the secrets on the hosts are never read into Terraform.",
				note.secrets, note.typeName, strings.Join(found, ", ")))})
	}
	stream.Results = func(push func(list.ListResult) bool) {
		for _, results := range perHost {
			for _, res := range results {
				if !push(res) {
					return
				}
			}
		}
	}
}

// listHost is the results of one host: a warning naming it when it cannot be reached.
func listHost(ctx context.Context, data *providerData, q listQuery, r listedResource, note secretsNote, host string,
	targetsOf func(context.Context, *transport.Conn, string) ([]importTarget, error)) []list.ListResult {
	at := hostID(host, q.sshPort, "") // the SSH port too when not the default
	c, err := data.conn(ctx, host, q.sshPort)
	if err != nil {
		return []list.ListResult{warningResult(note.typeName+" Not Listed on "+at, fmt.Sprintf(
			"%s could not be reached, so nothing on it is listed (the other hosts are): %v", at, err))}
	}
	targets, err := targetsOf(ctx, c, host)
	if err != nil {
		return []list.ListResult{warningResult(note.typeName+" Not Listed on "+at, fmt.Sprintf("On %s: %v", at, err))}
	}
	var out []list.ListResult
	for _, t := range targets {
		if res, ok := listOne(ctx, q, r, note, t); ok {
			out = append(out, res)
		}
	}
	return out
}

// listOne imports and reads one target as Terraform does for `import { identity = ... }`;
// false when there is nothing there.
func listOne(ctx context.Context, q listQuery, r listedResource, note secretsNote, t importTarget) (list.ListResult, bool) {
	req := q.req
	id := &tfsdk.ResourceIdentity{Schema: req.ResourceIdentitySchema, Raw: tftypes.NewValue(req.ResourceIdentitySchema.Type().TerraformType(ctx), nil)}
	diags := q.shape.setTarget(ctx, id, t)
	empty := tfsdk.State{Schema: req.ResourceSchema, Raw: tftypes.NewValue(req.ResourceSchema.Type().TerraformType(ctx), nil)}
	imp := resource.ImportStateResponse{State: empty, Identity: &tfsdk.ResourceIdentity{Schema: id.Schema, Raw: id.Raw.Copy()}}
	imp.Private = newOf(imp.Private)
	if !diags.HasError() {
		r.ImportState(ctx, resource.ImportStateRequest{Identity: id}, &imp)
		diags.Append(imp.Diagnostics...)
	}
	rd := resource.ReadResponse{State: imp.State, Identity: imp.Identity, Private: imp.Private}
	if !diags.HasError() {
		r.Read(ctx, resource.ReadRequest{State: imp.State, Identity: imp.Identity, Private: imp.Private}, &rd)
		diags.Append(rd.Diagnostics...)
	}
	display := t.display(q.shape)
	if diags.HasError() {
		return warningResult(note.typeName+" Not Listed on "+hostID(t.host, t.sshPort, ""), display+": "+diagsText(diags)), true
	}
	if rd.State.Raw.IsNull() {
		return list.ListResult{}, false // nothing there
	}
	res := req.NewListResult(ctx)
	res.DisplayName = display
	res.Identity = rd.Identity
	res.Resource = nil
	if req.IncludeResource {
		st := rd.State
		changed, d := refusedToDefaults(ctx, r, &st)
		res.Diagnostics.Append(d...)
		if len(changed) > 0 {
			res.Diagnostics.AddWarning("Hardened Values in the Generated Block: "+display, fmt.Sprintf(
				"On %s, %s as the host has it is refused by %s: the result (and a configuration generated from it) "+
					"holds the default instead, so the first plan changes it on the host.", display, strings.Join(changed, ", "), note.typeName))
		}
		res.Resource = &tfsdk.Resource{Schema: req.ResourceSchema, Raw: st.Raw}
	}
	res.Diagnostics.Append(diags...)
	return res, true
}

// warningResult is a result that only warns (Terraform goes on with the others).
func warningResult(summary, detail string) list.ListResult {
	return list.ListResult{Diagnostics: diag.Diagnostics{diag.NewWarningDiagnostic(summary, detail)}}
}

// newOf is a new zero T for a *T whose type cannot be named here (the framework's private
// state data, internal to it): what an import starts from.
func newOf[T any](*T) *T { return new(T) }

// setTarget writes t into an identity.
func (s identityShape) setTarget(ctx context.Context, id *tfsdk.ResourceIdentity, t importTarget) diag.Diagnostics {
	diags := id.SetAttribute(ctx, path.Root("host"), t.host)
	diags.Append(id.SetAttribute(ctx, path.Root("ssh_port"), t.sshPort)...)
	diags.Append(id.SetAttribute(ctx, path.Root(s.pathAttr), t.path)...)
	if s.user {
		diags.Append(id.SetAttribute(ctx, path.Root("username"), t.username)...)
	}
	return diags
}

// listFiles is List for a resource whose object is a file on each host: at the config
// block's path attribute, or else at the paths defs gives (for the host, read through c).
func listFiles(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream, data *providerData, r listedResource,
	shape identityShape, note secretsNote, defs func(context.Context, *transport.Conn) ([]string, error)) {
	q, diags := readListQuery(ctx, req, shape)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	listOnHosts(ctx, data, q, r, note, func(ctx context.Context, c *transport.Conn, host string) ([]importTarget, error) {
		paths := []string{q.path}
		if q.path == "" {
			var err error
			if paths, err = defs(ctx, c); err != nil {
				return nil, err
			}
		}
		var out []importTarget
		for _, p := range paths {
			fi, err := c.Stat(ctx, p)
			if err != nil {
				return nil, err
			}
			if fi.Exists {
				out = append(out, importTarget{host: host, sshPort: q.sshPort, path: p})
			}
		}
		return out, nil
	}, stream)
}
