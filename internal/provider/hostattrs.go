package provider

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/certhardening"
)

var pathHost = path.Root("host")

// hostRE is what a host name or an IP address (IPv6 with or without brackets, a zone after
// %) can hold. Anything else (white space, control characters, quotes, shell characters, a
// leading "-" that a program would read as an option) is refused at plan time: host reaches
// the SSH dial, host-key lookups, IDs and log lines.
var hostRE = regexp.MustCompile(`^[A-Za-z0-9_.:%\[\]][A-Za-z0-9_.:%\[\]-]{0,252}$`)

// hostValidators check a host attribute (resources and data sources).
var hostValidators = []validator.String{stringvalidator.RegexMatches(hostRE,
	"must be a host name or an IP address (letters, digits, '.', '-', '_', ':', '[', ']', '%'; not starting with '-'; at most 253 characters)")}

// ownerRE is a user or group name as useradd and groupadd accept them (Debian's rule), or
// a numeric id.
var ownerRE = regexp.MustCompile(`^([a-z_][a-z0-9_.-]{0,31}\$?|[0-9]+)$`)

// noNUL refuses a NUL byte, which no command line or file path can carry: the remote side
// would cut the value there and run or open something else than the configuration says.
var noNUL = stringvalidator.RegexMatches(regexp.MustCompile(`^[^\x00]*$`), "must not contain a NUL byte")

// hostAttribute and sshPortAttribute are the target of every resource; changing either means
// another machine, so a new resource.
func hostAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "Address or name of the host (SSH settings come from the provider block): a host name or an IP " +
			"address, without spaces, quotes or a leading `-`. Changing it replaces the resource.",
		Required:      true,
		Validators:    hostValidators,
		PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
	}
}

func sshPortAttribute() schema.Int64Attribute {
	return schema.Int64Attribute{
		MarkdownDescription: "SSH port, overriding the provider's `ssh.port`. Changing it replaces the resource.",
		Optional:            true,
		Validators:          []validator.Int64{int64validator.Between(1, 65535)},
		PlanModifiers:       []planmodifier.Int64{int64planmodifier.RequiresReplace()},
	}
}

func idAttribute(form string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "`" + form + "`, or `host:ssh_port:...` when `ssh_port` is set to something other than 22. The import ID has the same form.",
		Computed:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}

// hostID formats host[:ssh_port][:path]; IPv6 addresses are bracketed.
func hostID(host string, sshPort types.Int64, p string) string {
	h := host
	if strings.Contains(h, ":") && !strings.HasPrefix(h, "[") {
		h = "[" + h + "]"
	}
	if !sshPort.IsNull() && !sshPort.IsUnknown() && sshPort.ValueInt64() != 22 {
		h += ":" + strconv.FormatInt(sshPort.ValueInt64(), 10)
	}
	if p != "" {
		h += ":" + p
	}
	return h
}

// parseImportID reads `host:/path` or `host:ssh_port:/path` (IPv6 hosts in brackets).
func parseImportID(id string) (host string, sshPort types.Int64, p string, err error) {
	sshPort = types.Int64Null()
	i := strings.Index(id, ":/")
	if i <= 0 {
		return "", sshPort, "", fmt.Errorf("import ID %q must be HOST:/absolute/path or HOST:SSH_PORT:/absolute/path", id)
	}
	prefix, p := id[:i], id[i+1:]
	if h, ps, e := net.SplitHostPort(prefix); e == nil {
		n, convErr := strconv.Atoi(ps)
		if convErr != nil || n < 1 || n > 65535 {
			return "", sshPort, "", fmt.Errorf("import ID %q: %q is not an SSH port number", id, ps)
		}
		sshPort = types.Int64Value(int64(n))
		prefix = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(prefix, "["), "]")
	if host == "" {
		return "", sshPort, "", fmt.Errorf("import ID %q has no host", id)
	}
	return host, sshPort, p, nil
}

// defaultCertPath is where ntop's packages make ntopng read its HTTPS certificate; shared by
// ntopng_tls_cert (where it writes) and ntopng_instance (what it checks before disabling HTTP).
const defaultCertPath = certhardening.DefaultPath

// stringList is a list value of strings; nil gives an empty list.
func stringList(s []string) types.List {
	vals := make([]attr.Value, 0, len(s))
	for _, v := range s {
		vals = append(vals, types.StringValue(v))
	}
	return types.ListValueMust(types.StringType, vals)
}
