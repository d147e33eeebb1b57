package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestInstanceTLSPlanTime: tls_ciphers is refused at plan time naming the cipher and why;
// tls_ciphers needs the intermediate profile; tls_profile = "ntopng" is warned.
func TestInstanceTLSPlanTime(t *testing.T) {
	list := func(s ...string) tftypes.Value {
		var vs []tftypes.Value
		for _, x := range s {
			vs = append(vs, str(x))
		}
		return tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, vs)
	}
	for _, c := range []struct {
		name    string
		attrs   map[string]tftypes.Value
		want    string // in an error's detail ("" none)
		warning string // a warning's summary ("" none)
	}{
		{"good list", map[string]tftypes.Value{"tls_ciphers": list("ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305")}, "", ""},
		{"no forward secrecy", map[string]tftypes.Value{"tls_ciphers": list("ECDHE-RSA-AES256-GCM-SHA384", "AES256-GCM-SHA384")},
			`"AES256-GCM-SHA384" has no forward secrecy`, ""},
		{"CBC", map[string]tftypes.Value{"tls_ciphers": list("ECDHE-RSA-AES128-SHA")}, `"ECDHE-RSA-AES128-SHA" is not AEAD`, ""},
		{"unknown name", map[string]tftypes.Value{"tls_ciphers": list("ECDHE-RSA-AES128-GCM-SHA512")}, "OpenSSL would skip it silently", ""},
		{"cipher string", map[string]tftypes.Value{"tls_ciphers": list("ECDHE+AESGCM")}, "cipher-string syntax", ""},
		{"TLS 1.3 suite", map[string]tftypes.Value{"tls_ciphers": list("TLS_AES_128_GCM_SHA256")}, "is a TLS 1.3 suite", ""},
		{"list with modern", map[string]tftypes.Value{"tls_profile": str("modern"), "tls_ciphers": list("ECDHE-RSA-AES128-GCM-SHA256")},
			"tls_ciphers is the TLS 1.2 list of tls_profile = \"intermediate\"", ""},
		{"unknown profile", map[string]tftypes.Value{"tls_profile": str("old")}, "intermediate", ""},
		{"ntopng's defaults", map[string]tftypes.Value{"tls_profile": str("ntopng")}, "", "ntopng's Own TLS Defaults"},
	} {
		t.Run(c.name, func(t *testing.T) {
			attrs := map[string]tftypes.Value{"https_listen": str("192.0.2.10:443")}
			for k, v := range c.attrs {
				attrs[k] = v
			}
			var errs, warnings []string
			for _, d := range validateResource(t, "ntopng_instance", attrs) {
				if d.Severity == tfprotov6.DiagnosticSeverityError {
					errs = append(errs, d.Summary+": "+d.Detail)
				} else {
					warnings = append(warnings, d.Summary)
				}
			}
			if c.want == "" && len(errs) > 0 || c.want != "" && (len(errs) != 1 || !strings.Contains(errs[0], c.want)) {
				t.Errorf("errors %q, want one with %q", errs, c.want)
			}
			if c.warning != "" && !strings.Contains(strings.Join(warnings, "\n"), c.warning) {
				t.Errorf("warnings %q, want %q", warnings, c.warning)
			}
		})
	}
}

// TestAccInstanceTLSWithoutSystemd: on a host without systemd (the loopback stand-in) the
// default profile writes --ciphers-list alone, warns that the order and renegotiation cannot
// be set, and tls_observed reads what the stand-in negotiates: TLS 1.2 with the profile's
// ciphers only and TLS 1.3, as promised (the client's order is no drift there); "modern" fails
// the plan (the last read found no systemd to give ntopng the OpenSSL configuration).
func TestAccInstanceTLSWithoutSystemd(t *testing.T) {
	f := newInstanceFixture(t)
	f.writeCert(t)
	https := fmt.Sprintf("127.0.0.1:%d", f.httpsPort)
	cfg := func(extra string) string { return f.config(fmt.Sprintf("  https_listen = %q\n%s", https, extra)) }
	observed := func(key string, want knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("tls_observed").AtMapKey(key), want)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config: cfg(""),
				ConfigStateChecks: []statecheck.StateCheck{
					observed("status", knownvalue.StringExact(tlsAsPromised)),
					observed("protocols", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("TLSv1.2"), knownvalue.StringExact("TLSv1.3")})),
					observed("without_forward_secrecy", knownvalue.Null()),
					observed("not_aead", knownvalue.Null()),
					observed("chosen_cipher", knownvalue.StringRegexp(regexp.MustCompile(`^ECDHE-(RSA|ECDSA)-`))),
					statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("effective_options").AtMapKey("ciphers-list"),
						knownvalue.StringExact(strings.Join([]string{"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
							"ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305",
							"ECDHE-RSA-CHACHA20-POLY1305"}, ":"))),
				},
			},
			{Config: cfg(""), PlanOnly: true},
			{
				Config:      cfg("  tls_profile = \"modern\"\n"),
				ExpectError: regexp.MustCompile(`TLS 1\.3 Only Not Possible on This Host[\s\S]*OpenSSL.s\s+configuration`),
			},
			{ // the failed apply changed nothing: the previous configuration plans no change
				Config: cfg(""), PlanOnly: true,
			},
		},
	})
}
