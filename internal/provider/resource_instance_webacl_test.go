package provider

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
	"github.com/hardenops/terraform-provider-ntopng/internal/webusers"
)

// ntopngRedisPw is the password ntopng's configuration gives for its Redis.
const ntopngRedisPw = "tfR3d1s-ntopng-0123456789abcdefghij"

func TestAccInstanceWebAllowedNetworks(t *testing.T) {
	f := newInstanceFixture(t)
	f.writeCert(t)
	dir := testhost.TempDir(t)
	port := testhost.FreePort(t)
	testhost.StartRedis(t, testhost.RedisBaseConf(dir, port)+"requirepass "+ntopngRedisPw+"\n")
	get := func() string {
		cmd := exec.Command("redis-cli", "-p", fmt.Sprint(port), "GET", webusers.ACLKey)
		cmd.Env = append(os.Environ(), "REDISCLI_AUTH="+ntopngRedisPw)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("redis-cli: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	set := func(v string) {
		cmd := exec.Command("redis-cli", "-p", fmt.Sprint(port), "SET", webusers.ACLKey, v)
		cmd.Env = append(os.Environ(), "REDISCLI_AUTH="+ntopngRedisPw)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("redis-cli: %v %s", err, out)
		}
	}
	cfg := func(nets string) string {
		return f.config(fmt.Sprintf(`
  https_listen   = "127.0.0.1:%d"
  redis          = { host = "127.0.0.1", port = %d }
  redis_password = %q
  web_allowed_networks = %s
`, f.httpsPort, port, ntopngRedisPw, nets))
	}
	var pid int
	restarted := func(want bool) resource.TestCheckFunc {
		return func(*terraform.State) error {
			now := f.n.PID()
			if (now != pid) != want {
				return fmt.Errorf("ntopng pid %d -> %d, want restarted = %v", pid, now, want)
			}
			pid = now
			return nil
		}
	}
	keyIs := func(want string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if got := get(); got != want {
				return fmt.Errorf("%s = %q, want %q", webusers.ACLKey, got, want)
			}
			return nil
		}
	}
	two := `["192.0.2.0/24", "127.0.0.1/32"]`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config: cfg(two),
				Check:  resource.ComposeTestCheckFunc(keyIs("+192.0.2.0/24,+127.0.0.1/32"), restarted(true)),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue("ntopng_instance.probe",
					tfjsonpath.New("web_allowed_networks"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("192.0.2.0/24"), knownvalue.StringExact("127.0.0.1/32")}))},
			},
			{
				Config:           cfg(two),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            restarted(false),
			},
			{
				// Opened to everyone behind Terraform's back: drift, repaired with a restart.
				PreConfig: func() { set("+0.0.0.0/0") },
				Config:    cfg(two),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ntopng_instance.probe", plancheck.ResourceActionUpdate)}},
				Check: resource.ComposeTestCheckFunc(keyIs("+192.0.2.0/24,+127.0.0.1/32"), restarted(true)),
			},
			{
				Config: cfg(`["10.0.0.0/8"]`),
				Check:  resource.ComposeTestCheckFunc(keyIs("+10.0.0.0/8"), restarted(true)),
			},
		},
	})
}

// stringListValue is a Terraform list of strings, for validateResource.
func stringListValue(s ...string) tftypes.Value {
	v := []tftypes.Value{}
	for _, x := range s {
		v = append(v, str(x))
	}
	return tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, v)
}

func TestInstanceWebAllowedNetworksValidate(t *testing.T) {
	list := stringListValue
	for _, tc := range []struct {
		nets tftypes.Value
		want string
	}{
		{list("192.0.2.0/24", "10.0.0.1/32"), ""},
		{list("2001:db8::/32"), "IPv6"},
		{list("mgmt.example.net"), "host names"},
		{list("192.0.2.10"), "no prefix length"},
		{list("192.0.2.10/24"), "host bits"},
		{list("+192.0.2.0/24"), "CIDR"},
		{list(), "at least 1"},
	} {
		var errs []string
		for _, d := range validateResource(t, "ntopng_instance", map[string]tftypes.Value{"web_allowed_networks": tc.nets}) {
			if d.Severity == 1 {
				errs = append(errs, d.Summary+": "+d.Detail)
			}
		}
		got := strings.Join(errs, "\n")
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("%v: errors %q, want %q", tc.nets, got, tc.want)
		}
	}
}

// TestInstanceWebAllowedNetworksLeaveOutTheHost: a list that leaves out the address HTTPS
// listens on warns (checks from the host itself, such as verify_endpoint, are refused then);
// one that includes it, or a web server on every address, does not.
func TestInstanceWebAllowedNetworksLeaveOutTheHost(t *testing.T) {
	const summary = "The Host Itself Is Outside web_allowed_networks"
	list := stringListValue
	for _, tc := range []struct {
		https string
		nets  tftypes.Value
		warn  bool
	}{
		{"192.0.2.10:443", list("10.0.0.0/8"), true},
		{"192.0.2.10:443", list("10.0.0.0/8", "192.0.2.10/32"), false},
		{"192.0.2.10:443", list("192.0.2.0/24"), false},
		{":443", list("10.0.0.0/8"), true}, // ":PORT" is 127.0.0.1
		{":443", list("127.0.0.1/32"), false},
		{"443", list("10.0.0.0/8"), false}, // every address: no one address to check
	} {
		var warned []string
		for _, d := range validateResource(t, "ntopng_instance", map[string]tftypes.Value{"https_listen": str(tc.https), "web_allowed_networks": tc.nets}) {
			if d.Summary == summary {
				warned = append(warned, d.Detail)
				if d.Severity != 2 || !strings.Contains(d.Detail, "/32") {
					t.Errorf("https_listen %q, %v: %v %q, want a warning naming the /32 to add", tc.https, tc.nets, d.Severity, d.Detail)
				}
			}
		}
		if got := len(warned) > 0; got != tc.warn {
			t.Errorf("https_listen %q, %v: warned %v (%q), want %v", tc.https, tc.nets, got, warned, tc.warn)
		}
	}
}
