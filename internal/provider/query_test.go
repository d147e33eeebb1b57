package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/hardenops/terraform-provider-ntopng/internal/bench"
	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// queryTypes are the resource types with a list resource, in the order the tests list them.
var queryTypes = []string{"ntopng_redis", "ntopng_tls_cert", "ntopng_instance", "ntopng_user"}

// addSecrets writes the write-only secrets of each generated resource block (their `NAME = null
// # sensitive` lines): secrets(type, host) gives the values by attribute name. It fails unless
// every secret given was written, and writes nothing else.
func addSecrets(t *testing.T, generated string, secrets func(typ, host string) map[string]string) string {
	t.Helper()
	blockRE := regexp.MustCompile(`(?ms)^resource "(\w+)" "\w+" \{\n.*?^\}`)
	hostRE := regexp.MustCompile(`(?m)^\s*host\s*=\s*"([^"]*)"`)
	n := 0
	out := blockRE.ReplaceAllStringFunc(generated, func(block string) string {
		n++
		m, h := blockRE.FindStringSubmatch(block), hostRE.FindStringSubmatch(block)
		if h == nil {
			t.Fatalf("a generated block has no host:\n%s", block)
		}
		for name, v := range secrets(m[1], h[1]) {
			re := regexp.MustCompile(`(?m)^(\s*)` + name + `\s*=\s*null # sensitive$`)
			if !re.MatchString(block) {
				t.Fatalf("the generated %s block for %s has no `%s = null # sensitive` line:\n%s", m[1], h[1], name, block)
			}
			block = re.ReplaceAllString(block, "${1}"+name+" = "+strings.ReplaceAll(strconv.Quote(v), "$", "$$"))
		}
		return block
	})
	if n == 0 {
		t.Fatalf("no resource block in the generated configuration:\n%s", generated)
	}
	return out
}

// stripIdentity removes every identity from a state file: a state written by the provider
// before resource identity.
func stripIdentity(t *testing.T, statePath string) {
	t.Helper()
	b, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range st["resources"].([]any) {
		for _, i := range r.(map[string]any)["instances"].([]any) {
			inst := i.(map[string]any)
			if _, ok := inst["identity"]; ok {
				n++
			}
			delete(inst, "identity")
			delete(inst, "identity_schema_version")
		}
	}
	if n == 0 {
		t.Fatalf("the state written by the apply holds no identity:\n%s", b)
	}
	if b, err = json.MarshalIndent(st, "", "  "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(statePath, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// identities counts the resource instances of a state file that hold an identity.
func identities(t *testing.T, statePath string) (with, all int) {
	t.Helper()
	b, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Resources []struct {
			Mode      string                       `json:"mode"`
			Instances []map[string]json.RawMessage `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	for _, r := range st.Resources {
		for _, i := range r.Instances {
			if r.Mode != "managed" {
				continue
			}
			all++
			if id, ok := i["identity"]; ok && string(id) != "null" {
				with++
			}
		}
	}
	return with, all
}

// TestAccTerraformNewestQuery: through the newest Terraform, on three loopback hosts hardened
// by a first configuration (bench's, plus each host's admin user). A state written before
// resource identity (the same state without it) plans no change and gets each identity on
// refresh. Then, from an empty folder, `terraform query -generate-config-out` over the three
// hosts (one list block per type and host: each has its own SSH port) and one host that
// cannot be reached: one SSH login per host for the whole query, a warning naming the
// unreachable one, an import block by identity and a resource block per object. With the
// write-only secrets added, the plan refuses the confinement these hosts' data_dir (under
// /tmp) cannot have, naming data_dir; with that one fix it imports the 12 objects and changes
// nothing, the apply imports them, and the next plan is empty.
func TestAccTerraformNewestQuery(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	newestCLI(t)
	f := bench.StartFleet(t, bench.Options{Hosts: 3, Redis: true})
	f.WriteConfig(t, bench.Base)
	main := filepath.Join(f.WorkDir, "main.tf")
	// The hosts' data_dir is under /tmp, which the confinement refuses (PrivateTmp): unconfined.
	// And each ntopng.conf names its httpdocs folder, where the host's certificate is: the file
	// is what an import reads cert_path from.
	cfg := readFile(t, main)
	for _, h := range f.Hosts {
		line := fmt.Sprintf("  data_dir           = %q\n", h.DataDir)
		if !strings.Contains(cfg, line) {
			t.Fatalf("bench's configuration has no %q:\n%s", line, cfg)
		}
		cfg = strings.Replace(cfg, line, line+fmt.Sprintf("  confinement        = false\n  extra_options      = { \"httpdocs-dir\" = %q }\n",
			filepath.Dir(filepath.Dir(h.CertPath))), 1)
	}
	writeHostFile(t, main, cfg)
	for i, h := range f.Hosts {
		appendFile(t, main, fmt.Sprintf(`
resource "ntopng_user" "h%[1]d" {
  host        = "127.0.0.1"
  ssh_port    = %[2]d
  config_path = ntopng_instance.h%[1]d.config_path
  username    = "admin"
  group       = "administrator"
  password_wo = %[3]q
}
`, i, h.SSHD.Port, webPwA))
	}
	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, fn) {
			t.FailNow()
		}
	}
	step("apply", func(t *testing.T) {
		f.Terraform(t, f.WorkDir, false, "apply", "-auto-approve", "-input=false", "-no-color").Expect(t, 0)
		if with, all := identities(t, filepath.Join(f.WorkDir, "terraform.tfstate")); with != all || all != 12 {
			t.Fatalf("after apply %d of %d resources have an identity, want 12 of 12", with, all)
		}
	})
	step("a state without identity plans no change and gets them on refresh", func(t *testing.T) {
		state := filepath.Join(f.WorkDir, "terraform.tfstate")
		stripIdentity(t, state)
		r := f.Terraform(t, f.WorkDir, false, "plan", "-input=false", "-no-color", "-detailed-exitcode")
		r.Expect(t, 0)
		if strings.Contains(r.Output, "changed outside of Terraform") {
			t.Errorf("the plan of a state without identity reports outside changes:\n%s", r.Output)
		}
		f.Terraform(t, f.WorkDir, false, "apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color").Expect(t, 0)
		if with, all := identities(t, state); with != all || all != 12 {
			t.Errorf("after a refresh %d of %d resources have an identity, want 12 of 12", with, all)
		}
	})

	dir := filepath.Join(f.Dir, "query")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	gone := testhost.FreePort(t) // nothing listens there
	var q strings.Builder
	for i, h := range f.Hosts {
		for _, typ := range queryTypes {
			path := map[string]string{"ntopng_redis": h.RedisConf, "ntopng_tls_cert": h.CertPath}[typ]
			attr := "config_path"
			if typ == "ntopng_tls_cert" {
				attr = "path"
			} else if path == "" {
				path = h.NtopngConf
			}
			fmt.Fprintf(&q, "list %q \"h%d\" {\n  provider         = ntopng\n  include_resource = true\n  config {\n"+
				"    hosts    = [\"127.0.0.1\"]\n    ssh_port = %d\n    %s = %q\n  }\n}\n\n", typ, i, h.SSHD.Port, attr, path)
		}
	}
	fmt.Fprintf(&q, "list \"ntopng_instance\" \"gone\" {\n  provider = ntopng\n  config {\n    hosts    = [\"127.0.0.1\"]\n    ssh_port = %d\n  }\n}\n", gone)
	writeHostFile(t, filepath.Join(dir, "probes.tfquery.hcl"), q.String())
	writeHostFile(t, filepath.Join(dir, "main.tf"), fmt.Sprintf(`terraform {
  required_providers {
    ntopng = { source = "hardenops/ntopng" }
  }
}

provider "ntopng" {
  ssh {
    user        = "root"
    private_key = file(%q)
    known_hosts = file(%q)
    timeout     = "3s"
  }
}
`, filepath.Join(f.WorkDir, "id_ed25519"), filepath.Join(f.WorkDir, "known_hosts")))

	var generated string
	step("query lists every object, one login per host", func(t *testing.T) {
		r := f.Terraform(t, dir, false, "query", "-no-color", "-generate-config-out=generated.tf")
		r.Expect(t, 0)
		t.Logf("terraform query:\n%s", r.Output)
		expectLogins(t, r, 1)
		if want := fmt.Sprintf("127.0.0.1:%d", gone); !strings.Contains(r.Output, want) {
			t.Errorf("terraform query does not name the unreachable host %s:\n%s", want, r.Output)
		}
		b, err := os.ReadFile(filepath.Join(dir, "generated.tf"))
		if err != nil {
			t.Fatal(err)
		}
		generated = string(b)
		for _, typ := range queryTypes {
			if n := strings.Count(generated, fmt.Sprintf("resource %q ", typ)); n != len(f.Hosts) {
				t.Errorf("the generated configuration has %d %s blocks, want %d", n, typ, len(f.Hosts))
			}
		}
		if n := strings.Count(generated, "identity = {"); n != 4*len(f.Hosts) {
			t.Errorf("the generated configuration has %d import blocks by identity, want %d:\n%s", n, 4*len(f.Hosts), generated)
		}
		if strings.Contains(generated, "gone") {
			t.Errorf("the unreachable host has generated blocks:\n%s", generated)
		}
	})
	step("the generated configuration with its secrets imports everything", func(t *testing.T) {
		key, err := os.ReadFile(filepath.Join(f.WorkDir, "key.pem"))
		if err != nil {
			t.Fatal(err)
		}
		secrets := map[string]map[string]string{"ntopng_redis": {"requirepass_wo": f.RedisPassword},
			"ntopng_instance": {"redis_password_wo": f.RedisPassword}, "ntopng_tls_cert": {"private_key_pem_wo": string(key)},
			"ntopng_user": {"password_wo": webPwA}}
		withSecrets := addSecrets(t, generated, func(typ, _ string) map[string]string { return secrets[typ] })
		writeHostFile(t, filepath.Join(dir, "generated.tf"), withSecrets)
		// An import assumes the hardening's default, confinement = true, which these hosts'
		// data_dir under /tmp cannot have: the plan refuses it, naming the attribute and the fix.
		r := f.Terraform(t, dir, false, "plan", "-input=false", "-no-color")
		r.Expect(t, 1)
		if n := strings.Count(r.Output, "Data Directory Not Usable When Confined"); n != len(f.Hosts) {
			t.Fatalf("the plan of the generated configuration: %d errors about data_dir and the confinement, want %d:\n%s", n, len(f.Hosts), r.Output)
		}
		// The fix that error names, and nothing else: confinement = false, as these hosts have it.
		if n := strings.Count(withSecrets, "confinement                = true"); n != len(f.Hosts) {
			t.Fatalf("the generated configuration has %d `confinement = true` lines, want %d:\n%s", n, len(f.Hosts), withSecrets)
		}
		writeHostFile(t, filepath.Join(dir, "generated.tf"), strings.ReplaceAll(withSecrets, "confinement                = true", "confinement                = false"))
		r = f.Terraform(t, dir, false, "plan", "-input=false", "-no-color", "-out=plan.tfplan")
		r.Expect(t, 0)
		if want := fmt.Sprintf("Plan: %d to import, 0 to add, %d to change, 0 to destroy.", 4*len(f.Hosts), len(f.Hosts)); !strings.Contains(r.Output, want) {
			t.Fatalf("the first plan of the generated configuration is not %q:\n%s", want, r.Output)
		}
		// The changes: the confinement the import assumed, turned off (nothing is written for it
		// on these hosts without systemd); every other object is imported as it is.
		js := f.Terraform(t, dir, false, "show", "-json", "plan.tfplan")
		js.Expect(t, 0)
		var plan tfjson.Plan
		if err := json.Unmarshal([]byte(js.Output[strings.Index(js.Output, "{"):]), &plan); err != nil {
			t.Fatal(err)
		}
		for addr, c := range planChanges(t, &plan) {
			want := "import+no-op: "
			if strings.HasPrefix(addr, "ntopng_instance.") {
				// confinement, and the read-backs an update reads again (unknown in the plan), what
				// the HTTPS server negotiates (tls_observed) among them.
				want = "import+update: config_mode, config_owner, confinement, confinement_status, effective_options, " +
					"observed_listeners, redis_status, tls_observed, writable_config_paths"
			}
			if c != want {
				t.Errorf("first plan: %s is %q, want %q", addr, c, want)
			}
		}
		f.Terraform(t, dir, false, "apply", "-input=false", "-no-color", "plan.tfplan").Expect(t, 0)
		f.Terraform(t, dir, false, "plan", "-input=false", "-no-color", "-detailed-exitcode").Expect(t, 0)
	})
}
