package tfmodel

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

var testSchema = schema.Schema{Attributes: map[string]schema.Attribute{
	"name": schema.StringAttribute{Required: true},
	"tags": schema.ListAttribute{ElementType: types.StringType, Optional: true},
}}

type okModel struct {
	Name types.String `tfsdk:"name"`
	Tags types.List   `tfsdk:"tags"`
}

type missingField struct {
	Name types.String `tfsdk:"name"`
}

// namePart and tagsPart are a model in two parts, as ntopng_instance declares one part per feature.
type namePart struct {
	Name types.String `tfsdk:"name"`
}

type tagsPart struct {
	Tags types.List `tfsdk:"tags"`
}

type embeddedModel struct {
	namePart
	tagsPart
}

type twiceModel struct {
	namePart
	Name types.String `tfsdk:"name"`
	tagsPart
}

type wrongKind struct {
	Name string     `tfsdk:"name"`
	Tags types.List `tfsdk:"tags"`
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	tags, _ := types.ListValueFrom(ctx, types.StringType, []string{"a", "b"})
	var p tfsdk.Plan
	p.Schema = testSchema
	if d := Set(ctx, &p, okModel{Name: types.StringValue("x"), Tags: tags}); d.HasError() {
		t.Fatal(d)
	}
	var back okModel
	if d := Get(ctx, p, &back); d.HasError() {
		t.Fatal(d)
	}
	if back.Name.ValueString() != "x" || !back.Tags.Equal(tags) {
		t.Fatalf("round trip gave %+v", back)
	}
}

// TestEmbeddedStructs: the fields of embedded structs are attributes, as for the framework.
func TestEmbeddedStructs(t *testing.T) {
	ctx := context.Background()
	tags, _ := types.ListValueFrom(ctx, types.StringType, []string{"a"})
	var m embeddedModel
	m.Name, m.Tags = types.StringValue("x"), tags
	p := tfsdk.Plan{Schema: testSchema}
	if d := Set(ctx, &p, &m); d.HasError() {
		t.Fatal(d)
	}
	var fw okModel
	if d := p.Get(ctx, &fw); d.HasError() || fw.Name.ValueString() != "x" || !fw.Tags.Equal(tags) {
		t.Fatalf("the framework read %+v (%v) from an embedded model's Set", fw, d)
	}
	var back embeddedModel
	if d := Get(ctx, p, &back); d.HasError() || back.Name.ValueString() != "x" || !back.Tags.Equal(tags) {
		t.Fatalf("Get into an embedded model gave %+v (%v)", back, d)
	}
	if d := Set(ctx, &p, twiceModel{}); !d.HasError() || !strings.Contains(d[0].Detail(), "two fields") {
		t.Fatalf("an attribute with two fields: %v, want an error", d)
	}
}

// TestErrorsAreDiagnosticsNotPanics: a model that does not fit the schema is an error
// naming the field, and the plan is left as it was.
func TestErrorsAreDiagnosticsNotPanics(t *testing.T) {
	ctx := context.Background()
	cases := map[string]struct {
		model any
		want  string
	}{
		"list of the wrong element type": {okModel{Name: types.StringValue("x"), Tags: types.ListNull(types.Int64Type)}, `"tags"`},
		"list without element type":      {okModel{Name: types.StringValue("x")}, `"tags"`},
		"schema attribute without field": {missingField{Name: types.StringValue("x")}, `"tags"`},
		"field that is no attr.Value":    {wrongKind{Name: "x"}, "Name"},
		"not a struct":                   {"x", "not a model struct"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			before := tftypes.NewValue(tftypes.String, "untouched")
			p := tfsdk.Plan{Schema: testSchema, Raw: before}
			d := Set(ctx, &p, c.model)
			if !d.HasError() || !strings.Contains(d[0].Detail(), c.want) {
				t.Fatalf("Set = %v, want an error naming %s", d, c.want)
			}
			if !p.Raw.Equal(before) {
				t.Errorf("a failed Set changed the plan to %s", p.Raw)
			}
		})
	}
	var m okModel
	if d := Get(ctx, tfsdk.State{Schema: testSchema, Raw: tftypes.NewValue(testSchema.Type().TerraformType(ctx), nil)}, &m); !d.HasError() {
		t.Error("Get of a null object gave no error")
	}
	if d := Get(ctx, tfsdk.State{Schema: testSchema}, m); !d.HasError() {
		t.Error("Get into a non-pointer gave no error")
	}
}
