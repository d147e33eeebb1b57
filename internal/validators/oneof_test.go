package validators

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func TestOneOf(t *testing.T) {
	sch := schema.Schema{Attributes: map[string]schema.Attribute{
		"a": schema.StringAttribute{Optional: true},
		"b": schema.StringAttribute{Optional: true, Sensitive: true},
		"c": schema.StringAttribute{Optional: true},
	}}
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"a": tftypes.String, "b": tftypes.String, "c": tftypes.String}}
	null := tftypes.NewValue(tftypes.String, nil)
	unknown := tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	set := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	obj := func(a, b tftypes.Value) tftypes.Value {
		return tftypes.NewValue(typ, map[string]tftypes.Value{"a": a, "b": b, "c": set("other")})
	}
	cases := []struct {
		name     string
		required bool
		config   tftypes.Value
		// summary and detail words of the one error expected, "" for none; at is its attribute.
		summary string
		detail  []string
		at      string
	}{
		{"at most: none", false, obj(null, null), "", nil, ""},
		{"at most: a", false, obj(set("x"), null), "", nil, ""},
		{"at most: b", false, obj(null, set("x")), "", nil, ""},
		{"at most: both", false, obj(set("x"), set("y")), "Invalid Attribute Combination", []string{"At most one of `a`, `b` may be set, and `a`, `b` are: the fix."}, "b"},
		{"at most: one unknown", false, obj(unknown, set("y")), "", nil, ""},
		{"exactly: none", true, obj(null, null), "Invalid Attribute Combination", []string{"Exactly one of `a`, `b` must be set, and none is: the fix."}, "a"},
		{"exactly: a", true, obj(set("x"), null), "", nil, ""},
		{"exactly: b", true, obj(null, set("x")), "", nil, ""},
		{"exactly: both", true, obj(set("x"), set("y")), "Invalid Attribute Combination", []string{"Exactly one of `a`, `b` must be set, and `a`, `b` are: the fix."}, "b"},
		{"exactly: unknown", true, obj(null, unknown), "", nil, ""},
		{"exactly: configuration unknown", true, tftypes.NewValue(typ, tftypes.UnknownValue), "", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := AtMostOneOf("the fix", "a", "b")
			if tc.required {
				v = ExactlyOneOf("the fix", "a", "b")
			}
			var resp resource.ValidateConfigResponse
			v.ValidateResource(context.Background(), resource.ValidateConfigRequest{Config: tfsdk.Config{Schema: sch, Raw: tc.config}}, &resp)
			if tc.summary == "" {
				if resp.Diagnostics.HasError() {
					t.Fatalf("want no error, got %v", resp.Diagnostics)
				}
				return
			}
			if len(resp.Diagnostics) != 1 {
				t.Fatalf("want one error, got %v", resp.Diagnostics)
			}
			d := resp.Diagnostics[0]
			if d.Summary() != tc.summary {
				t.Errorf("summary %q, want %q", d.Summary(), tc.summary)
			}
			for _, w := range tc.detail {
				if !strings.Contains(d.Detail(), w) {
					t.Errorf("detail %q lacks %q", d.Detail(), w)
				}
			}
			wp, ok := d.(interface{ Path() path.Path })
			if !ok || !wp.Path().Equal(path.Root(tc.at)) {
				t.Errorf("error not on attribute %q: %#v", tc.at, d)
			}
		})
	}

	t.Run("a name the schema does not have", func(t *testing.T) {
		var resp resource.ValidateConfigResponse
		AtMostOneOf("fix", "a", "nope").ValidateResource(context.Background(),
			resource.ValidateConfigRequest{Config: tfsdk.Config{Schema: sch, Raw: obj(null, null)}}, &resp)
		if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics[0].Detail(), `"nope"`) {
			t.Fatalf("want an error naming the attribute, got %v", resp.Diagnostics)
		}
	})
	if got := ExactlyOneOf("fix", "a", "b").Description(context.Background()); got != "exactly one of `a`, `b` must be set" {
		t.Errorf("description %q", got)
	}
}
