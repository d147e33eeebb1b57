package validators

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestValidators(t *testing.T) {
	cases := []struct {
		name  string
		v     validator.String
		value types.String
		ok    bool
	}{
		{"abs ok", AbsolutePath(), types.StringValue("/etc/ntopng/ntopng.conf"), true},
		{"abs relative", AbsolutePath(), types.StringValue("etc/ntopng.conf"), false},
		{"abs newline", AbsolutePath(), types.StringValue("/etc/x\ny"), false},
		{"abs dir", AbsolutePath(), types.StringValue("/etc/"), false},
		{"abs unknown", AbsolutePath(), types.StringUnknown(), true},
		{"listen disabled", Listen(), types.StringValue("disabled"), true},
		{"listen port", Listen(), types.StringValue("443"), true},
		{"listen loopback", Listen(), types.StringValue(":3000"), true},
		{"listen v4", Listen(), types.StringValue("192.0.2.10:443"), true},
		{"listen v6", Listen(), types.StringValue("[2001:db8::10]:3000"), true},
		{"listen hostname", Listen(), types.StringValue("probe.example.net:443"), false},
		{"listen port 0", Listen(), types.StringValue("0"), false},
		{"listen null", Listen(), types.StringNull(), true},
		{"duration ok", Duration(), types.StringValue("30s"), true},
		{"duration bad", Duration(), types.StringValue("thirty"), false},
		{"duration negative", Duration(), types.StringValue("-1s"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := &validator.StringResponse{}
			c.v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("x"), ConfigValue: c.value}, resp)
			if got := !resp.Diagnostics.HasError(); got != c.ok {
				t.Fatalf("ok = %v, want %v: %v", got, c.ok, resp.Diagnostics)
			}
		})
	}
}
