package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestCollectorNeedsEncryption: a collector endpoint beyond loopback is a plan-time error
// naming the interface and the fix, unless zmq_encryption = true; on loopback it is not.
func TestCollectorNeedsEncryption(t *testing.T) {
	ifaces := func(v ...string) tftypes.Value {
		vals := make([]tftypes.Value, len(v))
		for i, s := range v {
			vals[i] = str(s)
		}
		return tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, vals)
	}
	for _, c := range []struct {
		name       string
		attrs      map[string]tftypes.Value
		wantErrIdx int // -1: no error
	}{
		{"open collector", map[string]tftypes.Value{"interfaces": ifaces("eth0", "tcp://*:5556c")}, 1},
		{"encryption off", map[string]tftypes.Value{"interfaces": ifaces("tcp://198.18.0.2:5556c"),
			"zmq_encryption": tftypes.NewValue(tftypes.Bool, false)}, 0},
		{"encrypted", map[string]tftypes.Value{"interfaces": ifaces("tcp://*:5556c"),
			"zmq_encryption": tftypes.NewValue(tftypes.Bool, true)}, -1},
		{"loopback", map[string]tftypes.Value{"interfaces": ifaces("tcp://127.0.0.1:5556c")}, -1},
	} {
		c.attrs["https_listen"] = str("192.0.2.10:443")
		var errs []*tfprotov6.Diagnostic
		for _, d := range validateResource(t, "ntopng_instance", c.attrs) {
			if d.Severity == tfprotov6.DiagnosticSeverityError {
				errs = append(errs, d)
			}
		}
		if c.wantErrIdx < 0 {
			if len(errs) > 0 {
				t.Errorf("%s: %v", c.name, errs[0])
			}
			continue
		}
		want := tftypes.NewAttributePath().WithAttributeName("interfaces").WithElementKeyInt(c.wantErrIdx).String()
		if len(errs) != 1 || errs[0].Attribute.String() != want || !strings.Contains(errs[0].Detail, "zmq_encryption = true") {
			t.Errorf("%s: want one error at %s naming the fix, got %v", c.name, want, errs)
		}
	}
}
