package main

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"

	ntopng "github.com/hardenops/terraform-provider-ntopng/internal/provider"
)

// TestSchemaOnlyResources: noop_instance, noop_redis and noop_tls_cert have exactly the
// schemas of the ntopng resources, so that the framework floor follows every schema change.
func TestSchemaOnlyResources(t *testing.T) {
	ctx := context.Background()
	schemas := func(factories []func() resource.Resource, prefix string) map[string]resource.SchemaResponse {
		out := map[string]resource.SchemaResponse{}
		for _, f := range factories {
			r := f()
			var meta resource.MetadataResponse
			r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: prefix}, &meta)
			var s resource.SchemaResponse
			r.Schema(ctx, resource.SchemaRequest{}, &s)
			out[meta.TypeName] = s
		}
		return out
	}
	ours := schemas(ntopng.New("test")().Resources(ctx), "ntopng")
	floor := schemas(noop{}.Resources(ctx), "noop")
	for _, typ := range []string{"instance", "redis", "tls_cert"} {
		want, got := ours["ntopng_"+typ].Schema, floor["noop_"+typ].Schema
		if len(want.Attributes) == 0 {
			t.Fatalf("ntopng_%s has no attributes", typ)
		}
		if !slices.Equal(slices.Sorted(maps.Keys(got.Attributes)), slices.Sorted(maps.Keys(want.Attributes))) {
			t.Errorf("noop_%s's attributes differ from ntopng_%s's", typ, typ)
		}
		if !got.Type().Equal(want.Type()) {
			t.Errorf("noop_%s's type differs from ntopng_%s's", typ, typ)
		}
	}
	if _, ok := floor["noop_thing"]; !ok {
		t.Error("the plugin floor's noop_thing is gone")
	}
}
