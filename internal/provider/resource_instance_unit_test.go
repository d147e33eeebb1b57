package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// validateInstance validates an ntopng_instance configuration with the given attributes set
// and returns the errors and warnings as "summary: detail".
func validateInstance(t *testing.T, set map[string]tftypes.Value) (errs, warns []string) {
	t.Helper()
	for _, d := range validateResource(t, "ntopng_instance", set) {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			errs = append(errs, d.Summary+": "+d.Detail)
		} else {
			warns = append(warns, d.Summary+": "+d.Detail)
		}
	}
	return errs, warns
}

func TestInstanceValidateWarnings(t *testing.T) {
	redisType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"socket": tftypes.String, "host": tftypes.String, "port": tftypes.Number, "db": tftypes.Number,
	}}
	cases := []struct {
		name string
		set  map[string]tftypes.Value
		warn string // "" = no warning at all
	}{
		{"https on every address", map[string]tftypes.Value{"https_listen": str("443")}, "Web Server on Every Address"},
		{"http on every address", map[string]tftypes.Value{"http_listen": str("3000"), "https_listen": str("192.0.2.10:443")}, "http_listen = \"3000\""},
		{"nobody", map[string]tftypes.Value{"https_listen": str("192.0.2.10:443"), "user": str("nobody")}, "ntopng Runs as nobody"},
		{"disable-login", map[string]tftypes.Value{"https_listen": str("192.0.2.10:443"),
			"extra_options": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"disable-login": str("1")})}, "Login Disabled"},
		{"insecure", map[string]tftypes.Value{"https_listen": str("192.0.2.10:443"),
			"extra_options": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"insecure": str("")})},
			"TLS Certificate Verification Off: extra_options \"insecure\" (--insecure) turns off TLS certificate and host name verification"},
		{"redis tcp without password", map[string]tftypes.Value{"https_listen": str("192.0.2.10:443"),
			"redis": tftypes.NewValue(redisType, map[string]tftypes.Value{"socket": tftypes.NewValue(tftypes.String, nil),
				"host": str("127.0.0.1"), "port": tftypes.NewValue(tftypes.Number, 6379), "db": tftypes.NewValue(tftypes.Number, 0)})},
			"Redis over TCP Without a Password"},
		{"hardened: no warning", map[string]tftypes.Value{"https_listen": str("192.0.2.10:443"),
			"redis": tftypes.NewValue(redisType, map[string]tftypes.Value{"socket": str("/run/redis/redis-server.sock"),
				"host": tftypes.NewValue(tftypes.String, nil), "port": tftypes.NewValue(tftypes.Number, nil), "db": tftypes.NewValue(tftypes.Number, 0)}),
			"redis_password": str(strings.Repeat("a1B2", 10))}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs, warns := validateInstance(t, c.set)
			if len(errs) > 0 {
				t.Fatalf("unexpected errors: %v", errs)
			}
			if c.warn == "" {
				if len(warns) > 0 {
					t.Fatalf("want no warning, got %v", warns)
				}
				return
			}
			for _, w := range warns {
				if strings.Contains(w, c.warn) {
					return
				}
			}
			t.Fatalf("want a warning containing %q, got %v", c.warn, warns)
		})
	}
}

// TestRedisObjectKeepsTheDefaultPortAsWritten: issue 12 item 11, redis = { host, port = 6379 }
// read back as port = null ("inconsistent result after apply").
func TestRedisObjectKeepsTheDefaultPortAsWritten(t *testing.T) {
	eff := ntopngconf.Evaluate(ntopngconf.File{Name: "/n.conf", Text: "--redis=127.0.0.1:6379\n"})
	written := types.ObjectValueMust(redisAttrTypes, map[string]attr.Value{"socket": types.StringNull(),
		"host": types.StringValue("127.0.0.1"), "port": types.Int64Value(6379), "db": types.Int64Value(0)})
	if got := redisObject(eff, written).Attributes()["port"]; !got.Equal(types.Int64Value(6379)) {
		t.Errorf("port written out as 6379 read back as %v", got)
	}
	if got := redisObject(eff, types.ObjectNull(redisAttrTypes)).Attributes()["port"]; !got.IsNull() {
		t.Errorf("port left unset read back as %v, want null", got)
	}
	eff = ntopngconf.Evaluate(ntopngconf.File{Name: "/n.conf", Text: "--redis=127.0.0.1:6380\n"})
	if got := redisObject(eff, written).Attributes()["port"]; !got.Equal(types.Int64Value(6380)) {
		t.Errorf("port changed on the host to 6380 read back as %v", got)
	}
}

// TestInstanceExtraOptionNamesFollowSetOption: issue 20 item 7. An option ntopng lists but
// ignores is a plan-time error on its extra_options key that says so; an option ntopng handles
// but did not have in the provider's old list is accepted.
func TestInstanceExtraOptionNamesFollowSetOption(t *testing.T) {
	for _, c := range []struct{ name, value, errIn string }{
		{"prefs-dir", "/var/lib/ntopng/prefs", "ntopng lists --prefs-dir (-4) among its options but Prefs::setOption has no case for it"},
		{"traffic-filtering", "1", `"Unknown option -k: Ignored."`},
		{"cluster-id", "1", ""}, // handled in builds with PF_RING, which ntop's packages are
		{"insecure", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			diags := validateResource(t, "ntopng_instance", map[string]tftypes.Value{
				"https_listen":  str("192.0.2.10:443"),
				"extra_options": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{c.name: str(c.value)}),
			})
			var errs []*tfprotov6.Diagnostic
			for _, d := range diags {
				if d.Severity == tfprotov6.DiagnosticSeverityError {
					errs = append(errs, d)
				}
			}
			if c.errIn == "" {
				if len(errs) > 0 {
					t.Fatalf("want no error, got %q: %q", errs[0].Summary, errs[0].Detail)
				}
				if c.name == "insecure" { // accepted, with a warning on its key
					key := tftypes.NewAttributePath().WithAttributeName("extra_options").WithElementKeyString("insecure")
					for _, d := range diags {
						if d.Severity == tfprotov6.DiagnosticSeverityWarning && d.Summary == "TLS Certificate Verification Off" && d.Attribute.Equal(key) {
							return
						}
					}
					t.Fatalf("want the warning \"TLS Certificate Verification Off\" on %s, got %v", key, diags)
				}
				return
			}
			want := tftypes.NewAttributePath().WithAttributeName("extra_options").WithElementKeyString(c.name)
			if len(errs) != 1 || errs[0].Summary != "Invalid ntopng Option" || !strings.Contains(errs[0].Detail, c.errIn) || !errs[0].Attribute.Equal(want) {
				t.Fatalf("want one \"Invalid ntopng Option\" error on %s containing %q, got %v", want, c.errIn, errs)
			}
		})
	}
}

// TestInstanceValidateUnknownUserGroup: under for_each, `user_groups = [each.value.group]` is
// unknown when Terraform validates the configuration; that is no error ("Value Conversion Error"
// before: examples/fleet could not plan).
func TestInstanceValidateUnknownUserGroup(t *testing.T) {
	errs, _ := validateInstance(t, map[string]tftypes.Value{"https_listen": str("192.0.2.10:443"),
		"user_groups": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{tftypes.NewValue(tftypes.String, tftypes.UnknownValue)})})
	if len(errs) > 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
}
