package provider

import (
	"encoding/pem"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestSandboxQuery: examples/query on three stock probes (Debian 12 and 13 with Redis, Debian
// 13 with Valkey), as an operator adopts probes that already run: `terraform query
// -generate-config-out` finds each probe's ntopng.conf, redis.conf (valkey.conf on the Valkey
// probe), certificate file and admin user, and writes an import block by identity and a
// resource block for each; the query changes no file on the probes. With the write-only
// secrets added to that file and nothing else, the first plan imports all twelve and changes,
// per probe, exactly what the hardening changes there (queryHardening): nothing is created,
// replaced or destroyed. Not applied here: the generated blocks describe each probe as it is,
// and a stock ntopng.conf names no Redis, so Redis asking for a password would cut ntopng off
// until the instance's block says where Redis is (the guide says so). Then a per-interface
// ntopng-IFACE.conf written on one probe is listed too.
func TestSandboxQuery(t *testing.T) {
	newestCLI(t) // before booting: skips at once without the newest Terraform
	fl := bootFleet(t)
	w := newTFWork(t, "query")
	var hosts []string
	for _, p := range fl.probes {
		hosts = append(hosts, p.h.Addr)
	}
	w.writeVars(map[string]any{"hosts": hosts, "private_key_file": fl.keyFile, "known_hosts_file": fl.knownHosts})
	before := map[string]string{}
	for _, p := range fl.probes {
		before[p.name] = p.hostFiles(t)
	}

	out, code := w.run("query", "-generate-config-out=probes.tf")
	if code != 0 {
		t.Fatalf("terraform query exited %d:\n%s", code, out)
	}
	t.Logf("terraform query:\n%s", out)
	if n := strings.Count(out, "Hardened Values in the Generated Block"); n != len(fl.probes) {
		t.Errorf("terraform query warned %d times of a hardened value in a generated block, want %d (the certificate's mode):\n%s",
			n, len(fl.probes), out)
	}
	b, err := os.ReadFile(filepath.Join(w.dir, "probes.tf"))
	if err != nil {
		t.Fatal(err)
	}
	generated := string(b)
	if n := strings.Count(generated, "identity = {"); n != 4*len(fl.probes) {
		t.Fatalf("the generated configuration has %d import blocks by identity, want %d:\n%s", n, 4*len(fl.probes), generated)
	}
	// The query reads; the one file it may write is the provider's hash key (an import makes it
	// too, for the keyed hashes of the passwords it reads).
	for _, p := range fl.probes {
		if d := lineDiff(before[p.name], p.hostFiles(t)); d != "" && !onlyHashKey(d) {
			t.Errorf("terraform query changed files on %s:\n%s", p.name, d)
		}
	}

	// The secrets: each probe's own Redis password, the key of the certificate in its file, a
	// new admin password. Not ntopng's Redis password: a stock ntopng.conf names no Redis, so
	// there is nowhere to write it until the block says where Redis is (redis = { ... }).
	byHost := map[string]*fleetProbe{}
	for _, p := range fl.probes {
		byHost[p.h.Addr] = p
	}
	generated = addSecrets(t, generated, func(typ, host string) map[string]string {
		p := byHost[host]
		if p == nil {
			t.Fatalf("the generated configuration has a %s block for %s, which is not a probe", typ, host)
		}
		return map[string]map[string]string{"ntopng_redis": {"requirepass_wo": p.pw}, "ntopng_instance": {},
			"ntopng_tls_cert": {"private_key_pem_wo": p.hostKeyPEM(t)}, "ntopng_user": {"password_wo": p.webPw}}[typ]
	})
	if err := os.WriteFile(filepath.Join(w.dir, "probes.tf"), []byte(generated), 0o600); err != nil {
		t.Fatal(err)
	}
	plan, _ := w.plan(2)
	changes := planChanges(t, plan)
	var want []string
	for _, typ := range queryTypes {
		for i := range fl.probes {
			want = append(want, fmt.Sprintf("%s.probes_%d", typ, i))
		}
	}
	sort.Strings(want)
	var all []string
	for _, rc := range plan.ResourceChanges {
		if rc.Mode == "managed" {
			all = append(all, rc.Address)
		}
		if rc.Change.Importing == nil {
			t.Errorf("first plan: %s is not imported (%v)", rc.Address, rc.Change.Actions)
		}
	}
	sort.Strings(all)
	if !slices.Equal(all, want) {
		t.Fatalf("the first plan has %v, want exactly %v", all, want)
	}
	for _, addr := range slices.Sorted(maps.Keys(changes)) {
		t.Logf("first plan: %s: %s", addr, changes[addr])
		typ := addr[:strings.Index(addr, ".")]
		if got := changes[addr]; got != "import+update: "+queryHardening[typ] {
			t.Errorf("first plan: %s is %q, want %q", addr, got, "import+update: "+queryHardening[typ])
		}
	}

	// ntop's per-interface file (ntopng@eth9.service's) is found beside ntopng.conf.
	p := fl.probes[0]
	p.mustExec(t, "cp /etc/ntopng/ntopng.conf /etc/ntopng/ntopng-eth9.conf")
	out, code = w.run("query")
	if want := p.h.Addr + ":/etc/ntopng/ntopng-eth9.conf"; code != 0 || !strings.Contains(out, want) {
		t.Errorf("terraform query (exit %d) does not list %s:\n%s", code, want, out)
	}
}

// queryHardening is what the first plan of the generated configuration changes on each stock
// probe, per resource type, and why: ntopng.conf and its folder given to root (config_owner,
// config_mode, writable_config_paths) and ntopng confined by its unit (confinement_status),
// with the read-backs the update reads again (effective_options, observed_listeners,
// redis_status, tls_observed); Redis behind a password (requirepass_sha256, live_auth_required) with its
// socket (unixsocket), the list of files read again (config_files); the certificate file no
// longer readable by everyone (mode: the one value the generated block holds at its default,
// because the resource refuses the host's 0644); admin off its default password.
var queryHardening = map[string]string{
	"ntopng_instance": "config_mode, config_owner, confinement_status, effective_options, observed_listeners, redis_status, tls_observed, writable_config_paths",
	"ntopng_redis":    "config_files, live_auth_required, requirepass_sha256, unixsocket",
	"ntopng_tls_cert": "mode",
	"ntopng_user":     "password_fingerprint",
}

// onlyHashKey: a lineDiff of host files that only adds the provider's hash key.
func onlyHashKey(d string) bool {
	for _, l := range strings.Split(d, "\n") {
		if !strings.Contains(l, "/etc/terraform-provider-ntopng") {
			return false
		}
	}
	return true
}

// hostKeyPEM is the private key in the probe's certificate file, as PEM.
func (p *fleetProbe) hostKeyPEM(t *testing.T) string {
	t.Helper()
	rest := []byte(p.mustExec(t, "cat "+defaultCertPath))
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			t.Fatalf("%s on %s holds no private key", defaultCertPath, p.name)
		}
		if strings.Contains(block.Type, "PRIVATE KEY") {
			return string(pem.EncodeToMemory(block))
		}
	}
}
