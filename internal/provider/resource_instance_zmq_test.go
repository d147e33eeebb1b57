package provider

import (
	"fmt"
	"os"
	"path/filepath"
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

// TestAccZMQKeysOutsideDataDir: when ntopng does not use zmq-key.* in its data directory,
// zmq_public_key is null instead of a key that nProbe would be refused with: with
// --zmq-encryption-key-priv set by hand (and zmq_encryption = true is then a plan-time error
// naming the option and the fix), and with a per-interface key pair of ntopng before 6.0 in
// <data dir>/<id>/ (the real ntopng uses that pair for the interface: seen in the sandbox).
func TestAccZMQKeysOutsideDataDir(t *testing.T) {
	f := newInstanceFixture(t)
	f.writeCert(t)
	const stalePub, keyOpt = "0123456789abcdefghij0123456789abcdefghij", "ABCDEFGHIJabcdefghij0123456789abcdefghij"
	for name, data := range map[string]string{"zmq-key.pub": stalePub, "zmq-key.priv": keyOpt} {
		if err := os.MkdirAll(f.dataDir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(f.dataDir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	appendFile(t, f.n.ConfPath, "--zmq-encryption-key-priv="+keyOpt+"\n")
	cfg := func(encryption string) string {
		return f.config(fmt.Sprintf("  https_listen = \"127.0.0.1:%d\"\n  %s\n", f.httpsPort, encryption))
	}
	const addr = "ntopng_instance.probe"
	pubIs := func(v knownvalue.Check) []statecheck.StateCheck {
		return []statecheck.StateCheck{statecheck.ExpectKnownValue(addr, tfjsonpath.New("zmq_public_key"), v)}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{Config: cfg(""), ConfigStateChecks: pubIs(knownvalue.Null())},
			{Config: cfg("zmq_encryption = true"), ExpectError: regexp.MustCompile(`(?s)ZMQ Private Key in ntopng's Configuration.*--zmq-encryption-key-priv`)},
			{ // the option removed by hand, --zmq-encryption managed: zmq-key.pub is the key
				PreConfig: func() { removeLine(t, f.n.ConfPath, "--zmq-encryption-key-priv=") },
				Config:    cfg("zmq_encryption = true"), ConfigStateChecks: pubIs(knownvalue.StringExact(stalePub)),
			},
			{ // adopting a host whose ntopng already encrypts: the import reads zmq_encryption = true,
				// so the first plan after it shows no change for it
				ResourceName: addr, ImportState: true, ImportStateId: "127.0.0.1:" + f.n.ConfPath, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"restart_command", "verify_timeout"},
			},
			{ // a per-interface key pair of ntopng 5: ntopng uses it instead, so no key is read back
				PreConfig: func() {
					dir := filepath.Join(f.dataDir, "1")
					for _, name := range []string{"key.pub", "key.priv"} {
						if err := os.MkdirAll(dir, 0o700); err != nil {
							t.Fatal(err)
						}
						if err := os.WriteFile(filepath.Join(dir, name), []byte(keyOpt), 0o600); err != nil {
							t.Fatal(err)
						}
					}
				},
				Config: cfg("zmq_encryption = true"), ConfigStateChecks: pubIs(knownvalue.Null()),
			},
		},
	})
}

// removeLine drops the lines of p that start with prefix.
func removeLine(t *testing.T, p, prefix string) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var keep []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(l, prefix) {
			keep = append(keep, l)
		}
	}
	if err := os.WriteFile(p, []byte(strings.Join(keep, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}
