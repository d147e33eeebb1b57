package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestSandboxCollectorEncryption: a collector endpoint on the sandbox's own address (nProbe
// would connect from elsewhere) is refused at plan time without zmq_encryption; with it, the
// real ntopng creates its CURVE key pair in its data directory, the state holds the public key
// that is in zmq-key.pub, and the private key is 0600; a private key opened to others is drift
// that apply repairs, keeping the key (nProbe's key stays valid).
func TestSandboxCollectorEncryption(t *testing.T) {
	onSandboxes(t, oneRelease, testCollectorEncryption)
}

func testCollectorEncryption(t *testing.T, f *sandboxFixture) {
	const https, zmqPort = 8443, 5556
	dir := "/var/lib/ntopng/c"
	f.mustExec(t, fmt.Sprintf("install -d -o ntopng -g ntop -m 0700 %[3]s && "+
		"printf -- '-G=/var/run/ntopng-c.pid\\n-i=lo\\n-r=127.0.0.1:%[1]d@%[2]d\\n-d=%[3]s\\n-w=0\\n' > /etc/ntopng/ntopng-c.conf && "+
		"systemctl disable --now ntopng && systemctl start ntopng@c", f.h.StockRedisPort, 3, dir))
	cfg := func(encryption string) string {
		return f.rootProvider() + fmt.Sprintf(`
resource "ntopng_instance" "c" {
  host         = %[1]q
  config_path  = "/etc/ntopng/ntopng-c.conf"
  https_listen = "127.0.0.1:%[2]d"
  interfaces   = ["tcp://%[1]s:%[3]dc"]
  %[4]s
}
`, f.h.Addr, https, zmqPort, encryption)
	}
	const addr = "ntopng_instance.c"
	var privSum string
	keyOnHost := func(s *terraform.State) error {
		pub, err := f.exec("cat " + dir + "/zmq-key.pub")
		if err != nil {
			return err
		}
		if got := s.RootModule().Resources[addr].Primary.Attributes["zmq_public_key"]; len(pub) != 40 || got != pub {
			return fmt.Errorf("zmq_public_key = %q, zmq-key.pub on the host = %q", got, pub)
		}
		st, err := f.exec("stat -c '%U:%G %a' " + dir + "/zmq-key.priv && sha256sum < " + dir + "/zmq-key.priv")
		if err != nil {
			return err
		}
		meta, sum, _ := strings.Cut(st, "\n")
		t.Logf("zmq-key.priv: %s (state: %s %s)", meta, s.RootModule().Resources[addr].Primary.Attributes["zmq_private_key_owner"],
			s.RootModule().Resources[addr].Primary.Attributes["zmq_private_key_mode"])
		if u, _, _ := strings.Cut(meta, ":"); !strings.HasSuffix(meta, " 600") || (u != "root" && u != "ntopng") {
			return fmt.Errorf("zmq-key.priv is %q, want root's or ntopng's with mode 600", meta)
		}
		if privSum == "" {
			privSum = sum
		} else if sum != privSum {
			return fmt.Errorf("the private key changed (nProbe's copy of the public key would be stale)")
		}
		ss, err := f.exec("ss -H -tlnp")
		if err != nil {
			return err
		}
		if want := fmt.Sprintf("%s:%d", f.h.Addr, zmqPort); !strings.Contains(strings.Join(listenersOf(ss, "ntopng"), " "), want) {
			return fmt.Errorf("ntopng does not listen on %s:\n%s", want, ss)
		}
		return nil
	}
	checks := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("zmq_encryption"), knownvalue.Bool(true)),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("zmq_private_key_mode"), knownvalue.StringExact("0600")),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("zmq_private_key_owner"), knownvalue.StringRegexp(regexp.MustCompile(`^(root|ntopng):`))),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("effective_options").AtMapKey("zmq-encryption"), knownvalue.StringExact("")),
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{Config: cfg(""), ExpectError: regexp.MustCompile(`Flow Collector Open Without Encryption`)},
			{Config: cfg("zmq_encryption = true"), Check: keyOnHost, ConfigStateChecks: checks},
			{ // the private key opened to others by hand: drift, repaired without a new key
				Config: cfg("zmq_encryption = true"), Check: keyOnHost, ConfigStateChecks: checks,
				PreConfig: func() { f.mustExec(t, "chmod 0644 "+dir+"/zmq-key.priv") },
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
			},
			{ // ntopng's account (it owns the data directory) puts a link in the key's place: apply
				// neither follows it (chmod/chown of /etc/shadow, or its content copied into the data
				// directory) nor hides it: it stays drift.
				Config: cfg("zmq_encryption = true"),
				PreConfig: func() {
					f.mustExec(t, "stat -c '%U:%G %a' /etc/shadow > /root/shadow.before && runuser -u ntopng -- ln -sf /etc/shadow "+dir+"/zmq-key.priv.new && mv -f "+dir+"/zmq-key.priv.new "+dir+"/zmq-key.priv")
				},
				Check: func(*terraform.State) error {
					if out, err := f.exec("stat -c '%U:%G %a' /etc/shadow | cmp - /root/shadow.before && test -L " + dir + "/zmq-key.priv"); err != nil {
						return fmt.Errorf("the link in the key's place was followed or replaced: %v %s", err, out)
					}
					return nil
				},
				ConfigStateChecks:  []statecheck.StateCheck{statecheck.ExpectKnownValue(addr, tfjsonpath.New("zmq_private_key_mode"), knownvalue.StringExact("not a regular file"))},
				ExpectNonEmptyPlan: true,
			},
		},
	})
}
