package provider

import (
	"fmt"
	"os"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccChecksRunAgainAtApply: a value that validation refuses, made unknown at plan time
// (it comes from another resource's output), is refused at apply before anything is written:
// before, a world-readable mode was written as given and an unparseable one became 0000.
func TestAccChecksRunAgainAtApply(t *testing.T) {
	st := startTLSStand(t)
	pki := newTestPKI(t)
	cert, key := pki.leaf(t, leafOpts{})
	before, beforeErr := os.ReadFile(st.certPath)
	f := startRedisFixture(t)
	confBefore := f.conf(t)

	later := func(v string) string {
		return fmt.Sprintf("resource \"terraform_data\" \"later\" {\n  input = %s\n}\n", hcl(v))
	}
	tlsCfg := func(mode string) string {
		return later(mode) + tlsCertHCL(st, cert, "", "mode = terraform_data.later.output")
	}
	redisCfg := later("run/redis.sock") + providerConfig(f.s, f.s.Root) + fmt.Sprintf(`
variable "pw" {
  type      = string
  ephemeral = true
}
resource "ntopng_redis" "test" {
  host            = "127.0.0.1"
  config_path     = %s
  unixsocket      = terraform_data.later.output
  restart_command = %s
  requirepass_wo  = var.pw
}
`, hcl(f.r.ConfPath), hcl(f.r.RestartScript))
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{Config: tlsCfg("0644"), ConfigVariables: keyVar(key), ExpectError: regexp.MustCompile(`(?s)Certificate File Readable by Everyone.*mode = "0644"`)},
			{Config: tlsCfg("rw-r-----"), ConfigVariables: keyVar(key), ExpectError: regexp.MustCompile(`(?s)Attribute mode`)},
			{Config: redisCfg, ConfigVariables: redisVars(redisPwA), ExpectError: regexp.MustCompile(`(?s)Invalid unixsocket.*run/redis.sock`)},
		},
	})
	after, afterErr := os.ReadFile(st.certPath)
	if string(after) != string(before) || (beforeErr == nil) != (afterErr == nil) {
		t.Errorf("%s changed although apply refused the mode", st.certPath)
	}
	if f.conf(t) != confBefore {
		t.Errorf("redis.conf changed although apply refused unixsocket")
	}
}
