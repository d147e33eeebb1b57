package provider

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/hardenops/terraform-provider-ntopng/internal/tfmodel"
)

// sampleValue builds a value of type t: known values everywhere, or with every top-level
// attribute null (mode 1) or unknown (mode 2) in turn by index parity, to cover each shape.
func sampleValue(t tftypes.Type, name string, mode, i int) tftypes.Value {
	if mode == 1 && i%2 == 1 {
		return tftypes.NewValue(t, nil)
	}
	if mode == 2 && i%2 == 0 {
		return tftypes.NewValue(t, tftypes.UnknownValue)
	}
	switch {
	case t.Is(tftypes.String):
		return tftypes.NewValue(t, "v-"+name)
	case t.Is(tftypes.Number):
		return tftypes.NewValue(t, 42)
	case t.Is(tftypes.Bool):
		return tftypes.NewValue(t, true)
	case t.Is(tftypes.List{}):
		e := t.(tftypes.List).ElementType
		return tftypes.NewValue(t, []tftypes.Value{sampleValue(e, name+"0", 0, 0), sampleValue(e, name+"1", 0, 0)})
	case t.Is(tftypes.Set{}):
		e := t.(tftypes.Set).ElementType
		return tftypes.NewValue(t, []tftypes.Value{sampleValue(e, name+"0", 0, 0)})
	case t.Is(tftypes.Map{}):
		e := t.(tftypes.Map).ElementType
		return tftypes.NewValue(t, map[string]tftypes.Value{"k1": sampleValue(e, name+"k1", 0, 0), "k2": sampleValue(e, name+"k2", 0, 0)})
	case t.Is(tftypes.Object{}):
		o := t.(tftypes.Object)
		vals := map[string]tftypes.Value{}
		j := 0
		for n, at := range o.AttributeTypes {
			vals[n] = sampleValue(at, n, mode, j)
			j++
		}
		return tftypes.NewValue(t, vals)
	}
	panic(fmt.Sprintf("sampleValue: no sample for %s", t))
}

// TestModelCodecAgreesWithFramework: for every resource, tfmodel.Get reads what the
// framework's Get reads, and tfmodel.Set writes what the framework's Set writes, for known,
// null and unknown attributes.
func TestModelCodecAgreesWithFramework(t *testing.T) {
	ctx := context.Background()
	models := map[string]func() any{
		"ntopng_instance": func() any { return &instanceModel{} },
		"ntopng_redis":    func() any { return &redisModel{} },
		"ntopng_tls_cert": func() any { return &tlsCertModel{} },
		"ntopng_user":     func() any { return &userModel{} },
	}
	p := New("test")()
	for _, newRes := range p.Resources(ctx) {
		r := newRes()
		var md resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "ntopng"}, &md)
		var sr resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &sr)
		newModel, ok := models[md.TypeName]
		if !ok {
			t.Errorf("%s: no model registered in this test", md.TypeName)
			continue
		}
		for mode := 0; mode < 3; mode++ {
			t.Run(fmt.Sprintf("%s/mode%d", md.TypeName, mode), func(t *testing.T) {
				raw := sampleValue(sr.Schema.Type().TerraformType(ctx), "", mode, -1) // -1: the object itself is known
				state := tfsdk.State{Schema: sr.Schema, Raw: raw}

				want, got := newModel(), newModel()
				if d := state.Get(ctx, want); d.HasError() {
					t.Fatalf("framework Get: %v", d)
				}
				if d := tfmodel.Get(ctx, state, got); d.HasError() {
					t.Fatalf("tfmodel.Get: %v", d)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("tfmodel.Get read\n %+v\nthe framework read\n %+v", got, want)
				}

				fw := tfsdk.State{Schema: sr.Schema}
				if d := fw.Set(ctx, want); d.HasError() {
					t.Fatalf("framework Set: %v", d)
				}
				mine := tfsdk.Plan{Schema: sr.Schema}
				if d := tfmodel.Set(ctx, &mine, got); d.HasError() {
					t.Fatalf("tfmodel.Set: %v", d)
				}
				if !mine.Raw.Equal(fw.Raw) || !mine.Raw.Equal(raw) {
					t.Fatalf("tfmodel.Set wrote\n %s\nthe framework wrote\n %s", mine.Raw, fw.Raw)
				}
			})
		}
	}
}
