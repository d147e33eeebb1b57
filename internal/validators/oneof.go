package validators

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// AtMostOneOf is a resource configuration check: of the top-level attributes names, at most
// one is set. fix tells the operator what to write instead.
func AtMostOneOf(fix string, names ...string) resource.ConfigValidator {
	return oneOf{names: names, fix: fix}
}

// ExactlyOneOf is a resource configuration check: of the top-level attributes names, exactly
// one is set. fix tells the operator what to write instead.
func ExactlyOneOf(fix string, names ...string) resource.ConfigValidator {
	return oneOf{names: names, fix: fix, required: true}
}

// oneOf reads the top-level attributes straight from the configuration's object. The
// terraform-plugin-framework-validators' path-expression validators (Conflicting,
// ExactlyOneOf, ConflictsWith) find their attributes by walking the whole configuration with
// a schema lookup per value: on the ntopng schemas that was a twentieth of a plan's provider
// CPU (make bench), for two top-level attributes. An unknown value (known only at apply)
// decides nothing, as there.
type oneOf struct {
	names    []string
	fix      string
	required bool
}

func (v oneOf) Description(context.Context) string {
	if v.required {
		return "exactly one of " + v.list() + " must be set"
	}
	return "at most one of " + v.list() + " may be set"
}

func (v oneOf) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v oneOf) list() string {
	q := make([]string, len(v.names))
	for i, n := range v.names {
		q[i] = "`" + n + "`"
	}
	return strings.Join(q, ", ")
}

func (v oneOf) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var attrs map[string]tftypes.Value
	if err := req.Config.Raw.As(&attrs); err != nil || attrs == nil {
		return // an unknown or null configuration: nothing to check yet
	}
	var set []string
	for _, n := range v.names {
		val, ok := attrs[n]
		if !ok {
			resp.Diagnostics.AddError("Provider Error", fmt.Sprintf("the configuration check names %q, which is not an attribute of this resource: please report this to the provider's developers", n))
			return
		}
		if !val.IsKnown() {
			return
		}
		if !val.IsNull() {
			set = append(set, n)
		}
	}
	switch {
	case len(set) > 1:
		resp.Diagnostics.AddAttributeError(path.Root(set[1]), "Invalid Attribute Combination",
			fmt.Sprintf("%s, and %s are: %s.", upper(v.Description(ctx)), oneOf{names: set}.list(), v.fix))
	case len(set) == 0 && v.required:
		resp.Diagnostics.AddAttributeError(path.Root(v.names[0]), "Invalid Attribute Combination",
			fmt.Sprintf("%s, and none is: %s.", upper(v.Description(ctx)), v.fix))
	}
}

func upper(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
