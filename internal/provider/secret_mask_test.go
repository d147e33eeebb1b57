package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestExtraOptionsRefuseSecrets: a value that effective_options would mask is refused in
// extra_options (stored in clear text), naming the map key; a credential-free one is not.
func TestExtraOptionsRefuseSecrets(t *testing.T) {
	for _, c := range []struct {
		key, value string
		refused    bool
	}{
		{"zmq-encrypt-pwd", "s3cret", true},
		{"zmq-encryption-key-priv", "s3cret", true},
		{"dump-flows", "mysql;localhost;ntopng;flows;root;s3cret", true},
		{"export-flows", "tcp://u:s3cret@127.0.0.1:5556", true},
		{"dump-flows", "syslog", false},
		{"export-flows", "tcp://*:5556", false},
		{"max-num-flows", "200000", false},
	} {
		extra := tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{c.key: str(c.value)})
		diags := validateResource(t, "ntopng_instance", map[string]tftypes.Value{"https_listen": str("192.0.2.10:443"), "extra_options": extra})
		var found bool
		for _, d := range diags {
			if d.Severity != tfprotov6.DiagnosticSeverityError {
				continue
			}
			if strings.Contains(d.Detail, c.value) {
				t.Errorf("%s: the diagnostic repeats the secret: %s", c.key, d.Detail)
			}
			found = found || ((d.Summary == "Secret in extra_options" || d.Summary == "Not Encryption") &&
				d.Attribute.String() == tftypes.NewAttributePath().WithAttributeName("extra_options").WithElementKeyString(c.key).String())
		}
		if found != c.refused {
			t.Errorf("extra_options %s = %q: refused = %v, want %v (%v)", c.key, c.value, found, c.refused, diags)
		}
	}
}

// canaryCheck fails a state or plan check when one of the canaries is in the JSON (`terraform
// show -json` of the state, or of the saved plan).
type canaryCheck struct {
	canaries map[string]string
	mustHave string // proves the JSON is the one meant
}

func (n canaryCheck) search(what string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if !strings.Contains(string(b), n.mustHave) {
		return fmt.Errorf("%s does not mention %s: the search would prove nothing", what, n.mustHave)
	}
	for name, c := range n.canaries {
		if strings.Contains(string(b), c) {
			return fmt.Errorf("%s holds %s", what, name)
		}
	}
	return nil
}

func (n canaryCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = n.search("terraform show -json", req.State)
}

func (n canaryCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = n.search("the plan (terraform show -json PLAN)", req.Plan)
}

// TestAccEffectiveOptionsMasked: secrets in ntopng.conf and its drop-ins that Terraform was
// never given (database and ZMQ passwords, a private key, the --redis password, a URL's
// user:password) reach neither the state, `terraform show -json`, nor the plan.
func TestAccEffectiveOptionsMasked(t *testing.T) {
	workDirs := t.TempDir()
	t.Setenv("TF_ACC_TEMP_DIR", workDirs)
	f := newInstanceFixture(t)
	f.writeCert(t)
	dir := testhost.TempDir(t)
	socket := filepath.Join(dir, "redis.sock")
	canaries := map[string]string{
		"the --redis password":               "CanaryRedisPw0123456789abcdefghijkl",
		"the --dump-flows database password": "CanaryDumpFlowsDbPw",
		"the --zmq-encryption-key-priv key":  "CanaryZmqPrivKey",
		"the --zmq-encrypt-pwd password":     "CanaryZmqEncryptPwd",
		"the --export-flows URL password":    "CanaryExportUrlPw",
		"the --test-script argument":         "CanaryTestScriptArg",
	}
	testhost.StartRedis(t, testhost.RedisBaseConf(dir, 0)+fmt.Sprintf("unixsocket %s\nunixsocketperm 777\nrequirepass %s\n",
		socket, canaries["the --redis password"]))
	appendFile(t, f.n.ConfPath, "--dump-flows=mysql;localhost;ntopng;flows;ntopng;"+canaries["the --dump-flows database password"]+"\n"+
		"--zmq-encryption-key-priv="+canaries["the --zmq-encryption-key-priv key"]+"\n")
	writeHostFile(t, filepath.Join(f.n.ConfDir, "secrets.conf"), "--redis="+socket+":0:"+canaries["the --redis password"]+"@0\n"+
		"--zmq-encrypt-pwd="+canaries["the --zmq-encrypt-pwd password"]+"\n"+
		"--export-flows=tcp://probe:"+canaries["the --export-flows URL password"]+"@127.0.0.1:5556\n"+
		"--test-script=/bin/true "+canaries["the --test-script argument"]+"\n")
	cfg := f.config(fmt.Sprintf(`
  https_listen  = "127.0.0.1:%d"
  extra_options = { "max-num-flows" = "200000" }
`, f.httpsPort))
	check := canaryCheck{canaries: canaries, mustHave: "effective_options"}
	const addr = "ntopng_instance.probe"
	eff := tfjsonpath.New("effective_options")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				check,
				statecheck.ExpectKnownValue(addr, eff.AtMapKey("redis"), knownvalue.StringExact(socket+":0:********@0")),
				statecheck.ExpectKnownValue(addr, eff.AtMapKey("dump-flows"), knownvalue.StringExact("mysql;********")),
				statecheck.ExpectKnownValue(addr, eff.AtMapKey("zmq-encryption-key-priv"), knownvalue.StringExact("********")),
				statecheck.ExpectKnownValue(addr, eff.AtMapKey("zmq-encrypt-pwd"), knownvalue.StringExact("********")),
				statecheck.ExpectKnownValue(addr, eff.AtMapKey("export-flows"), knownvalue.StringExact("tcp://********@127.0.0.1:5556")),
				statecheck.ExpectKnownValue(addr, eff.AtMapKey("test-script"), knownvalue.StringExact("********")),
				statecheck.ExpectKnownValue(addr, eff.AtMapKey("max-num-flows"), knownvalue.StringExact("200000")),
			},
			Check: checkStateLacks(workDirs, `"ntopng_instance"`, canaries),
		}, {
			// Refresh and plan again: the plan JSON holds the refreshed state too.
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectEmptyPlan(), check,
			}},
			Check: checkStateLacks(workDirs, `"ntopng_instance"`, canaries),
		}},
	})
}
