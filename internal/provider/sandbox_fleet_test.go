package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/hardenops/terraform-provider-ntopng/internal/audit"
	"github.com/hardenops/terraform-provider-ntopng/internal/sandbox"
	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// The fleet tests run the example folders themselves (examples/fleet, examples/fleet-audit)
// on three sandbox hosts booted side by side, one per kind of Redis an operator meets: Debian
// 12's and 13's redis-server, and Debian 13's valkey-server. One deploy key (installed into
// each host's authorized_keys, as an operator's provisioning does) and one known_hosts file
// holding the three host keys serve the whole fleet through one provider configuration.

// fleetReleases are the fleet's hosts, in probe order.
var fleetReleases = []sandbox.Release{
	sandbox.MustRelease("debian12"), sandbox.MustRelease("debian13"), sandbox.MustRelease("debian13-valkey"),
}

// fleetProbe is one probe of the fleet: a sandboxFixture (whose helpers check the hardening
// from inside the host) with the values the fleet's map gives it.
type fleetProbe struct {
	*sandboxFixture
	name                                    string
	webPw                                   string // admin's web password, 31 characters
	redisVersion, adminVersion, certVersion int
}

// fleet is the booted hosts and the files the example reads.
type fleet struct {
	probes     []*fleetProbe
	keyFile    string // the deploy key's private half
	knownHosts string // one line per probe
}

// bootFleet boots the fleet's hosts at the same time and prepares the deploy key and the
// known_hosts file.
func bootFleet(t *testing.T) *fleet {
	t.Helper()
	if os.Getenv(resource.EnvTfAcc) == "" {
		t.Skipf("acceptance test skipped unless %s=1 (it boots sandbox hosts)", resource.EnvTfAcc)
	}
	preCheck(t)
	// The example names its provider hardenops/ntopng, as operators write it: serve the
	// provider under test at that address.
	t.Setenv("TF_ACC_PROVIDER_NAMESPACE", "hardenops")
	hosts := sandbox.BootAllT(t, fleetReleases)
	dir := t.TempDir()
	fl := &fleet{keyFile: filepath.Join(dir, "deploy_ed25519"), knownHosts: filepath.Join(dir, "known_hosts")}
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fleet-deploy", "-f", fl.keyFile).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(fl.keyFile + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	var known strings.Builder
	for i, h := range hosts {
		f := &sandboxFixture{h: h, r: h.Release, https: h.Addr + ":443", pw: sandboxPassword(t)}
		f.certPEM, f.keyPEM = selfSignedPEM(t, "ntopng-sandbox")
		f.certSHA256 = certSHA256(t, f.certPEM)
		p := &fleetProbe{sandboxFixture: f, name: fmt.Sprintf("probe-%c", 'a'+i), webPw: webPassword(t),
			redisVersion: 1, adminVersion: 1, certVersion: 1}
		f.mustExec(t, "install -d -m 0700 /root/.ssh && printf '%s\\n' '"+strings.TrimSpace(string(pub))+"' >> /root/.ssh/authorized_keys")
		fmt.Fprintf(&known, "%s %s\n", h.Addr, h.HostKey)
		fl.probes = append(fl.probes, p)
	}
	if err := os.WriteFile(fl.knownHosts, []byte(known.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return fl
}

// certSHA256 is the hex SHA-256 of a PEM certificate's DER.
func certSHA256(t *testing.T, certPEM string) string {
	t.Helper()
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil {
		t.Fatal("no PEM block in the test certificate")
	}
	sum := sha256.Sum256(block.Bytes)
	return hex.EncodeToString(sum[:])
}

// webPassword is 31 random characters: the most ntopng's login form reads.
func webPassword(t *testing.T) string {
	t.Helper()
	return "W-" + sandboxPassword(t)[:29]
}

// redisGroup is the group of the probe's Redis socket (and its configuration folder).
func (p *fleetProbe) redisGroup() string { return p.r.Server }

// vars are the example's variables for the fleet as it is now.
func (fl *fleet) vars() map[string]any {
	probes, redis, web, keys := map[string]any{}, map[string]string{}, map[string]string{}, map[string]string{}
	for _, p := range fl.probes {
		probes[p.name] = map[string]any{
			"host":                   p.h.Addr,
			"https_listen":           p.https,
			"certificate_pem":        p.certPEM,
			"redis_group":            p.redisGroup(),
			"web_allowed_networks":   []string{p.h.LinkAddr + "/32", p.h.Addr + "/32"},
			"redis_password_version": p.redisVersion,
			"admin_password_version": p.adminVersion,
			"certificate_version":    p.certVersion,
		}
		redis[p.name], web[p.name], keys[p.name] = p.pw, p.webPw, p.keyPEM
	}
	return map[string]any{
		"probes":              probes,
		"private_key_file":    fl.keyFile,
		"known_hosts_file":    fl.knownHosts,
		"redis_passwords":     redis,
		"web_admin_passwords": web,
		"private_keys_pem":    keys,
	}
}

// hostFiles is "SHA-256  path" of every file on the probe that the provider could write: the
// whole /etc, ntopng's certificate folder, and /root (where an SFTP or shell session could leave
// something), sorted. Services' own data (/var) changes by itself and is left out.
func (p *fleetProbe) hostFiles(t *testing.T) string {
	t.Helper()
	return p.mustExec(t, "find /etc /usr/share/ntopng/httpdocs/ssl /root -xdev -type f -print0 | sort -z | xargs -0 sha256sum; "+
		"find /etc /usr/share/ntopng/httpdocs/ssl /root -xdev -printf '%M %u:%g %p\\n' | sort")
}

// TestSandboxFleetAuditOnly: examples/fleet-audit on three stock probes. Its plan reads every
// probe's audit, exits cleanly (0: the check block only warns), has no resource in it, reports
// each probe's failing checks in its output, and leaves every file on every host as it was.
func TestSandboxFleetAuditOnly(t *testing.T) {
	fl := bootFleet(t)
	before := map[string]string{}
	for _, p := range fl.probes {
		before[p.name] = p.hostFiles(t)
	}
	w := newTFWork(t, "fleet-audit")
	w.writeVars(fl.auditVars())
	// -detailed-exitcode 2: the plan's only changes are its outputs, new in this state.
	plan, out := w.plan(2)
	for _, c := range []plancheck.PlanCheck{expectNoResourceChanges{}, expectAuditOutput{probes: fl.names(), failing: stockFailing}} {
		var resp plancheck.CheckPlanResponse
		c.CheckPlan(context.Background(), plancheck.CheckPlanRequest{Plan: plan}, &resp)
		if resp.Error != nil {
			t.Error(resp.Error)
		}
	}
	for _, p := range fl.probes {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), p.name+": "+strings.Join(stockFailing, ", ")) {
			t.Errorf("the plan's check warning does not list %s's failing checks:\n%s", p.name, out)
		}
		if after := p.hostFiles(t); after != before[p.name] {
			t.Errorf("%s: files changed on the host by an audit-only plan:\n%s", p.name, lineDiff(before[p.name], after))
		}
	}
}

// names are the probes' names, sorted.
func (fl *fleet) names() []string {
	var out []string
	for _, p := range fl.probes {
		out = append(out, p.name)
	}
	sort.Strings(out)
	return out
}

// lineDiff lists the lines only in a ("-") or only in b ("+").
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for _, l := range al {
		if !slices.Contains(bl, l) {
			out = append(out, "- "+l)
		}
	}
	for _, l := range bl {
		if !slices.Contains(al, l) {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}

// tfWork is a copy of an example folder run with the real terraform CLI, the provider built
// from this module installed through dev_overrides. terraform-plugin-testing cannot run these
// examples: its state shim refuses for_each ("for_each is not supported") and modules.
type tfWork struct {
	t   *testing.T
	tf  string
	dir string
	env []string
}

func newTFWork(t *testing.T, example string) *tfWork {
	t.Helper()
	rc := devOverrides(t, "")
	return &tfWork{t: t, tf: testhost.TerraformPath(t), dir: copyExample(t, filepath.Join(testhost.ModuleRoot(t), "examples", example)),
		env: append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")}
}

// writeVars writes the variables to fleet.auto.tfvars.json (read by plan, and by apply of a
// saved plan for the ephemeral ones), mode 0600.
func (w *tfWork) writeVars(v map[string]any) {
	w.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.dir, "fleet.auto.tfvars.json"), b, 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// run runs terraform with args and returns its combined output and exit status.
func (w *tfWork) run(args ...string) (string, int) {
	w.t.Helper()
	cmd := exec.Command(w.tf, append(args[:1:1], append([]string{"-no-color"}, args[1:]...)...)...)
	cmd.Dir, cmd.Env = w.dir, w.env
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		w.t.Fatalf("terraform %v: %v", args, err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

// plan runs terraform plan -detailed-exitcode into plan.tfplan, fails the test unless it exits
// with want (0: no changes, 2: changes), and returns the plan as JSON and the plan's output.
func (w *tfWork) plan(want int) (*tfjson.Plan, string) {
	w.t.Helper()
	out, code := w.run("plan", "-input=false", "-detailed-exitcode", "-out=plan.tfplan")
	if code != want {
		w.t.Fatalf("terraform plan exited %d, want %d:\n%s", code, want, out)
	}
	js, code := w.run("show", "-json", "plan.tfplan")
	if code != 0 {
		w.t.Fatalf("terraform show -json plan.tfplan exited %d:\n%s", code, js)
	}
	var p tfjson.Plan
	if err := json.Unmarshal([]byte(js[strings.Index(js, "{"):]), &p); err != nil {
		w.t.Fatalf("terraform show -json: %v\n%s", err, js)
	}
	return &p, out
}

// apply applies plan.tfplan and fails the test unless it succeeds.
func (w *tfWork) apply() string {
	w.t.Helper()
	out, code := w.run("apply", "-input=false", "plan.tfplan")
	if code != 0 {
		w.t.Fatalf("terraform apply exited %d:\n%s", code, out)
	}
	return out
}

// output reads one output of the state as JSON into v.
func (w *tfWork) output(name string, v any) {
	w.t.Helper()
	out, code := w.run("output", "-json", name)
	if code != 0 {
		w.t.Fatalf("terraform output %s exited %d:\n%s", name, code, out)
	}
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), v); err != nil {
		w.t.Fatalf("terraform output %s: %v\n%s", name, err, out)
	}
}

// auditVars are the variables examples/fleet-audit declares: the same probes map (the
// attributes it does not use are dropped by its type), the deploy key and known_hosts.
func (fl *fleet) auditVars() map[string]any {
	v := fl.vars()
	delete(v, "redis_passwords")
	delete(v, "web_admin_passwords")
	delete(v, "private_keys_pem")
	return v
}

// stockFailing are the checks that fail on a stock probe (ntop's package on Debian): every
// check but what the package gets right (Redis on loopback, ntopng as its own user, no
// drop-ins, the login on), collector_encryption, not applicable there (no collector), and the
// TLS checks, not applicable either (no HTTPS).
var stockFailing = func() []string {
	var out []string
	for _, id := range audit.IDs() {
		// The TLS checks are not applicable: stock ntopng serves no HTTPS.
		if !slices.Contains([]string{"redis_not_exposed", "ntopng_dedicated_user", "ntopng_dropins", "web_login_enabled", "collector_encryption",
			"tls_protocols", "tls_forward_secrecy", "tls_aead_only", "tls_server_order"}, id) {
			out = append(out, id)
		}
	}
	return out
}()

// expectNoResourceChanges: the plan changes no managed resource (data sources are read only).
type expectNoResourceChanges struct{}

func (expectNoResourceChanges) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	var bad []string
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Mode != "data" {
			bad = append(bad, fmt.Sprintf("%s: %v", rc.Address, rc.Change.Actions))
		}
	}
	if len(bad) > 0 {
		resp.Error = fmt.Errorf("an audit-only plan changes resources:\n%s", strings.Join(bad, "\n"))
	}
}

// expectAuditOutput: the plan's output "audit" names every probe, each failing exactly the
// checks in failing (in the checklist's order) with a score below 100 when any fails.
type expectAuditOutput struct {
	probes  []string
	failing []string
}

func (e expectAuditOutput) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	oc, ok := req.Plan.OutputChanges["audit"]
	if !ok {
		resp.Error = fmt.Errorf("the plan has no output \"audit\"")
		return
	}
	got, ok := oc.After.(map[string]any)
	if !ok {
		resp.Error = fmt.Errorf("output \"audit\" is %T, want a map by probe: %v", oc.After, oc.After)
		return
	}
	var errs []string
	if names := slices.Sorted(maps.Keys(got)); !slices.Equal(names, e.probes) {
		errs = append(errs, fmt.Sprintf("probes %v, want %v", names, e.probes))
	}
	for name, v := range got {
		a, _ := v.(map[string]any)
		var failing []string
		list, _ := a["failing"].([]any)
		for _, id := range list {
			failing = append(failing, fmt.Sprint(id))
		}
		if !slices.Equal(failing, e.failing) {
			errs = append(errs, fmt.Sprintf("%s fails %v, want %v", name, failing, e.failing))
		}
		score, _ := a["score"].(float64)
		if (len(e.failing) == 0) != (score == 100) {
			errs = append(errs, fmt.Sprintf("%s has score %v with %d failing checks", name, a["score"], len(failing)))
		}
	}
	if len(errs) > 0 {
		resp.Error = fmt.Errorf("output audit:\n%s", strings.Join(errs, "\n"))
	}
}

// TestSandboxFleet: examples/fleet on three stock probes at once, as an operator adopts a fleet.
// The first plan imports every probe's files and shows, per probe, the same hardening changes
// and nothing else; apply hardens all three (checked inside each host, the login with the new
// admin password, the audit output all passing); the next plan is empty; HTTP turned on by hand
// on one probe is a change of that probe's ntopng_instance only, and apply repairs only it.
func TestSandboxFleet(t *testing.T) {
	fl := bootFleet(t)
	w := newTFWork(t, "fleet")
	w.writeVars(fl.vars())

	// Adoption: every resource is imported, none created or replaced.
	plan, _ := w.plan(2)
	changes := planChanges(t, plan)
	var want []string
	for _, p := range fl.probes {
		for _, addr := range []string{"ntopng_redis.cache", "ntopng_tls_cert.web", "ntopng_instance.probe", "ntopng_user.admin"} {
			want = append(want, fmt.Sprintf("%s[%q]", addr, p.name))
		}
	}
	sort.Strings(want)
	if got := slices.Sorted(maps.Keys(changes)); !slices.Equal(got, want) {
		t.Fatalf("the adoption plan changes %v, want exactly %v", got, want)
	}
	for addr, c := range changes {
		t.Logf("adoption plan: %s: %s", addr, c)
		if !strings.HasPrefix(c, "import+update: ") {
			t.Errorf("adoption plan: %s is %s, want an import and an in-place update", addr, c)
		}
	}
	// Exactly the hardening, the same on every probe (the Valkey probe's too: its import
	// takes Valkey's restart_command from the host).
	wantChanges := map[string]string{
		"ntopng_redis.cache": "config_files, live_auth_required, live_tcp_listening, port, requirepass_sha256, unixsocket, unixsocketperm",
		"ntopng_tls_cert.web": "certificate_pem, dns_names, fingerprint_sha256, group, ip_addresses, mode, not_after, private_key_pem_wo_version, " +
			"public_key_fingerprint_sha256, remote_fingerprint_sha256, remote_key_public_fingerprint_sha256, served_fingerprint_sha256, subject, verify_endpoint",
		"ntopng_instance.probe": "config_mode, config_owner, confinement_status, effective_options, http_listen, https_listen, interfaces, " +
			"observed_listeners, redis, redis_password_sha256, redis_status, revoke_package_grants, tls_observed, user_groups, web_allowed_networks, writable_config_paths",
		"ntopng_user.admin": "password_fingerprint",
	}
	for _, p := range fl.probes {
		for typ, attrs := range wantChanges {
			addr := fmt.Sprintf("%s[%q]", typ, p.name)
			if got := changes[addr]; got != "import+update: "+attrs {
				t.Errorf("adoption plan: %s is %q, want %q", addr, got, "import+update: "+attrs)
			}
		}
	}
	w.apply()
	fl.checkHardened(t, w)
	w.plan(0)

	// One probe changed by hand: plain HTTP back on every address, ntopng restarted.
	b := fl.probes[1]
	b.mustExec(t, "sed -i 's/^--http-port=.*$/--http-port=3000/' /etc/ntopng/ntopng.conf && systemctl restart ntopng")
	b.waitListener(t, "ntopng", "0.0.0.0:3000")
	plan, _ = w.plan(2)
	changes = planChanges(t, plan)
	if got, want := slices.Sorted(maps.Keys(changes)), []string{`ntopng_instance.probe["` + b.name + `"]`}; !slices.Equal(got, want) {
		t.Fatalf("after HTTP was turned on by hand on %s the plan changes %v, want only %v", b.name, changes, want)
	}
	others := map[string]string{}
	for _, p := range fl.probes {
		if p != b {
			others[p.name] = p.hostFiles(t)
		}
	}
	w.apply()
	if err := b.hardened()(nil); err != nil {
		t.Errorf("%s after the repair: %v", b.name, err)
	}
	for _, p := range fl.probes {
		if p != b {
			if after := p.hostFiles(t); after != others[p.name] {
				t.Errorf("the repair of %s changed files on %s:\n%s", b.name, p.name, lineDiff(others[p.name], after))
			}
		}
	}
	w.plan(0)
}

// planChanges is, for each resource the plan changes, "import+update: attr, attr" (import+ when
// it is imported) with the attributes whose planned value differs from the prior one, sorted.
func planChanges(t *testing.T, plan *tfjson.Plan) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, rc := range plan.ResourceChanges {
		if rc.Mode == tfjson.DataResourceMode {
			continue
		}
		var actions []string
		for _, a := range rc.Change.Actions {
			actions = append(actions, string(a))
		}
		action := strings.Join(actions, ",")
		if rc.Change.Importing != nil {
			action = "import+" + action
		}
		if action == "no-op" {
			continue
		}
		before, _ := rc.Change.Before.(map[string]any)
		after, _ := rc.Change.After.(map[string]any)
		unknown, _ := rc.Change.AfterUnknown.(map[string]any)
		var attrs []string
		for k := range after {
			if u, _ := unknown[k].(bool); u || fmt.Sprint(before[k]) != fmt.Sprint(after[k]) {
				attrs = append(attrs, k)
			}
		}
		for k := range unknown {
			if _, ok := after[k]; !ok {
				attrs = append(attrs, k)
			}
		}
		sort.Strings(attrs)
		out[rc.Address] = action + ": " + strings.Join(slices.Compact(attrs), ", ")
	}
	return out
}

// checkHardened checks every probe from inside (sandboxFixture.hardened), logs in to each with
// its admin password from this machine, and reads the example's audit output: every probe at
// 100 with no failing check.
func (fl *fleet) checkHardened(t *testing.T, w *tfWork) {
	t.Helper()
	for _, p := range fl.probes {
		if err := p.hardened()(nil); err != nil {
			t.Errorf("%s: %v", p.name, err)
		}
		if status, _, cookie, err := p.login(p.h.LinkAddr, "admin", p.webPw); err != nil || status != 302 || !strings.Contains(cookie, "session_") {
			t.Errorf("%s: login as admin with its new password: status %d, cookie %q, %v", p.name, status, cookie, err)
		}
	}
	var got map[string]struct {
		Score   float64  `json:"score"`
		Failing []string `json:"failing"`
	}
	w.output("audit", &got)
	for _, p := range fl.probes {
		if a, ok := got[p.name]; !ok || a.Score != 100 || len(a.Failing) != 0 {
			t.Errorf("output audit[%q] = %+v, want score 100 and no failing check", p.name, a)
		}
	}
}

// TestSandboxFleetRotation: on a hardened fleet (examples/fleet applied to three probes), one
// apply per secret, each on one probe, the plan naming only that probe's resources:
//   - probe-a's Redis password (redis_password_version bumped): Redis and ntopng's configuration
//     change in one apply, and ntopng reaches Redis at the end (redis_status = ok, checked inside);
//   - probe-b's admin password (admin_password_version bumped): the new one logs in, the old one
//     is refused, and a login kept working during the apply;
//   - probe-c's certificate (a new certificate and key): the new one is served.
//
// The windows are measured and logged, not asserted (no wall-clock assertions): for Redis, a
// loop inside probe-a tries, about every 100 ms (a 50 ms pause plus the commands), the socket and password of ntopng's configuration
// file as it is at that moment (what ntopng would use if it started then); for the login and
// the certificate, this machine logs in, or opens a TLS connection, every 100 ms.
func TestSandboxFleetRotation(t *testing.T) {
	fl := bootFleet(t)
	w := newTFWork(t, "fleet")
	w.writeVars(fl.vars())
	w.plan(2)
	w.apply()
	fl.checkHardened(t, w)
	a, b, c := fl.probes[0], fl.probes[1], fl.probes[2]

	// The Redis password of probe-a.
	a.pw, a.redisVersion = sandboxPassword(t), 2
	w.writeVars(fl.vars())
	fl.expectOnlyChanges(t, w, `ntopng_instance.probe["probe-a"]`, `ntopng_redis.cache["probe-a"]`)
	stop := a.startRedisReachLog(t)
	w.apply()
	samples := stop()
	t.Logf("rotation of probe-a's Redis password: %s", redisWindow(samples))
	var status map[string]string
	w.output("redis_status", &status)
	if status[a.name] != "ok" {
		t.Errorf("after the rotation redis_status[%q] = %q, want ok", a.name, status[a.name])
	}
	if last := strings.Fields(samples[len(samples)-1]); len(last) < 2 || last[1] != "PONG" {
		t.Errorf("at the end of the apply, ntopng's configuration does not reach Redis: %q", last)
	}
	if err := a.hardened()(nil); err != nil { // Redis takes the new password, and ntopng's user reaches it
		t.Errorf("%s after the rotation: %v", a.name, err)
	}
	fl.expectLogin(t, a, a.webPw, true)

	// The admin password of probe-b.
	oldWeb := b.webPw
	b.webPw, b.adminVersion = webPassword(t), 2
	w.writeVars(fl.vars())
	fl.expectOnlyChanges(t, w, `ntopng_user.admin["probe-b"]`)
	logins := poll(func() string {
		for _, pw := range []string{b.webPw, oldWeb} {
			if s, _, cookie, err := b.login(b.h.LinkAddr, "admin", pw); err == nil && s == 302 && strings.Contains(cookie, "session_") {
				return "ok"
			}
		}
		return "refused"
	})
	w.apply()
	t.Logf("rotation of probe-b's admin password: %s", window(logins(), "ok"))
	fl.expectLogin(t, b, b.webPw, true)
	fl.expectLogin(t, b, oldWeb, false)

	// The certificate of probe-c.
	oldSHA := c.certSHA256
	c.certPEM, c.keyPEM = selfSignedPEM(t, "ntopng-sandbox")
	c.certSHA256 = certSHA256(t, c.certPEM)
	w.writeVars(fl.vars())
	fl.expectOnlyChanges(t, w, `ntopng_tls_cert.web["probe-c"]`)
	served := poll(func() string {
		switch err := c.servesCert(c.https); {
		case err == nil:
			return "new"
		case strings.Contains(err.Error(), oldSHA[:16]) || strings.Contains(err.Error(), oldSHA):
			return "old"
		default:
			return "none"
		}
	})
	w.apply()
	t.Logf("rotation of probe-c's certificate: %s", window(served(), "old", "new"))
	if err := c.servesCert(c.https); err != nil {
		t.Errorf("after the rotation: %v", err)
	}
	fl.expectLogin(t, c, c.webPw, true)
	var certs map[string]string
	w.output("served_certificate", &certs)
	if certs[c.name] != c.certSHA256 {
		t.Errorf("output served_certificate[%q] = %q, want the new certificate's %s", c.name, certs[c.name], c.certSHA256)
	}
	w.plan(0)
}

// expectOnlyChanges plans and fails the test unless the plan changes exactly addrs.
func (fl *fleet) expectOnlyChanges(t *testing.T, w *tfWork, addrs ...string) {
	t.Helper()
	plan, _ := w.plan(2)
	sort.Strings(addrs)
	if got := slices.Sorted(maps.Keys(planChanges(t, plan))); !slices.Equal(got, addrs) {
		t.Fatalf("the plan changes %v, want exactly %v", planChanges(t, plan), addrs)
	}
}

// expectLogin logs in to p as admin with password and fails the test unless that gets a
// session (ok) or is refused (!ok).
func (fl *fleet) expectLogin(t *testing.T, p *fleetProbe, password string, ok bool) {
	t.Helper()
	status, location, cookie, err := p.login(p.h.LinkAddr, "admin", password)
	if err != nil {
		t.Fatalf("%s: login: %v", p.name, err)
	}
	if got := status == 302 && strings.Contains(cookie, "session_"); got != ok {
		t.Errorf("%s: login as admin: status %d, location %q, cookie %q; want a session: %v", p.name, status, location, cookie, ok)
	}
}

// startRedisReachLog starts, inside the probe, a loop that every 50 ms (plus the time the
// commands take) reads the socket and password from ntopng's configuration file and sends PING
// with them to the Redis server, and counts the sockets listening on ntopng's HTTPS port; each
// line is "NANOSECONDS ANSWER LISTENERS". The returned function stops it and returns the lines.
func (p *fleetProbe) startRedisReachLog(t *testing.T) func() []string {
	t.Helper()
	_, port, _ := net.SplitHostPort(p.https)
	httpsPort, _ := strconv.Atoi(port)
	script := `rm -f /run/reach.stop; while [ ! -e /run/reach.stop ]; do
  r=$(cat /etc/ntopng/ntopng.conf /etc/ntopng/ntopng.conf.d/*.conf 2>/dev/null | sed -n 's/^--redis=//p' | tail -n 1)
  sock=${r%%:*}; rest=${r#*:}; rest=${rest#*:}; pw=${rest%@*}
  a=$(` + p.r.CLI() + ` -s "$sock" -a "$pw" --no-auth-warning ping 2>&1 | head -n 1 | tr -s ' ' '_')
  l=$(ss -Htln "sport = :` + strconv.Itoa(httpsPort) + `" | grep -c . || true)
  echo "$(date +%s%N) ${a:-no-answer} $l"
  sleep 0.05
done > /run/reach.log 2>&1`
	p.mustExec(t, "setsid sh -c '"+strings.ReplaceAll(script, "'", `'\''`)+"' </dev/null >/dev/null 2>&1 & echo started")
	return func() []string {
		t.Helper()
		p.mustExec(t, "touch /run/reach.stop; sleep 0.3")
		lines := strings.Split(p.mustExec(t, "cat /run/reach.log"), "\n")
		if len(lines) < 2 {
			t.Fatalf("the Redis reach loop logged %d lines", len(lines))
		}
		return lines
	}
}

// redisWindow sums the time during which the samples ("NANOSECONDS ANSWER LISTENERS") were
// not PONG, and the time during which nothing listened on ntopng's HTTPS port (ntopng
// restarting): each sample counts until the next one.
func redisWindow(samples []string) string {
	var refused, down, first, end int64
	var answers []string
	fails := 0
	for i := 0; i+1 < len(samples); i++ {
		var t0, t1, l0 int64
		var a0 string
		fmt.Sscan(samples[i], &t0, &a0, &l0)
		fmt.Sscan(samples[i+1], &t1)
		if i == 0 {
			first = t0
		}
		end = t1
		if a0 != "PONG" {
			refused += t1 - t0
			fails++
			if !slices.Contains(answers, a0) {
				answers = append(answers, a0)
			}
		}
		if l0 == 0 {
			down += t1 - t0
		}
	}
	return fmt.Sprintf("the socket and password in ntopng's configuration did not reach Redis for %d ms in total (%d of %d samples, one every %d ms on average over %d ms; answers %q); "+
		"nothing listened on ntopng's HTTPS port for %d ms",
		refused/1e6, fails, len(samples), (end-first)/int64(max(len(samples)-1, 1))/1e6, (end-first)/1e6, answers, down/1e6)
}

// poll calls probe every 100 ms, in the background, until the returned function is called;
// that function returns the samples, each "NANOSECONDS RESULT".
func poll(probe func() string) func() []string {
	stop, done := make(chan struct{}), make(chan []string)
	go func() {
		var out []string
		for {
			out = append(out, fmt.Sprintf("%d %s", time.Now().UnixNano(), probe()))
			select {
			case <-stop:
				done <- out
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return func() []string {
		close(stop)
		return <-done
	}
}

// window sums the time of the samples whose result is not one of good, each counted until the
// next sample, and counts the results.
func window(samples []string, good ...string) string {
	var down int64
	counts := map[string]int{}
	for i := range samples {
		var t0 int64
		var r string
		fmt.Sscan(samples[i], &t0, &r)
		counts[r]++
		if i+1 < len(samples) && !slices.Contains(good, r) {
			var t1 int64
			fmt.Sscan(samples[i+1], &t1)
			down += t1 - t0
		}
	}
	return fmt.Sprintf("%d ms without %v over %d samples (%v)", down/1e6, good, len(samples), counts)
}
