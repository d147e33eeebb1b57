package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// planDestroy sends a destroy plan of resource typeName, whose prior state has attrs set (and
// everything else null), to the provider server and returns its diagnostics.
func planDestroy(t *testing.T, typeName string, attrs map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	t.Helper()
	srv, typ, prior := resourceValue(t, typeName, "probe-1.example.net", attrs)
	null, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, nil))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.PlanResourceChange(context.Background(), &tfprotov6.PlanResourceChangeRequest{
		TypeName: typeName, PriorState: &prior, ProposedNewState: &null, Config: &null,
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Diagnostics
}

// TestDestroyWarnings: a destroy that restores a stock file or removes the certificate warns
// at plan, naming the file, the host and what it leaves broken; on_destroy = "keep" is silent.
func TestDestroyWarnings(t *testing.T) {
	cases := []struct {
		typeName, pathAttr, path, onDestroy, want string
	}{
		{"ntopng_instance", "config_path", "/etc/ntopng/ntopng.conf", "restore", "cannot reach it"},
		{"ntopng_instance", "config_path", "/etc/ntopng/ntopng.conf", "keep", ""},
		{"ntopng_redis", "config_path", "/etc/redis/redis.conf", "restore", "TCP without a password again"},
		{"ntopng_redis", "config_path", "/etc/redis/redis.conf", "keep", ""},
		{"ntopng_tls_cert", "path", defaultCertPath, "remove", "over plain HTTP only"},
		{"ntopng_tls_cert", "path", defaultCertPath, "keep", ""},
	}
	for _, c := range cases {
		diags := planDestroy(t, c.typeName, map[string]tftypes.Value{c.pathAttr: str(c.path), "on_destroy": str(c.onDestroy)})
		got := describeDiags(diags)
		if c.want == "" {
			if len(diags) != 0 {
				t.Errorf("%s on_destroy = %q: want no diagnostic, got %s", c.typeName, c.onDestroy, got)
			}
			continue
		}
		if len(diags) != 1 || diags[0].Severity != tfprotov6.DiagnosticSeverityWarning ||
			!strings.Contains(got, c.want) || !strings.Contains(got, c.path) || !strings.Contains(got, "probe-1.example.net") {
			t.Errorf("%s on_destroy = %q: want one warning naming %s, the host and %q, got %s", c.typeName, c.onDestroy, c.path, c.want, got)
		}
	}
}
