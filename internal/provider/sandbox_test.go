package provider

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/hardenops/terraform-provider-ntopng/internal/sandbox"
	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// The acceptance tests below run against throwaway Debian hosts booted with systemd-nspawn
// (internal/sandbox): real systemd, each release's own redis-server.service (or Valkey's) and
// ntop's ntopng built on that release under ntop's units, each host a machine of its own on a
// link of its own. Every path, owner, restart command and socket permission is left at the
// provider's default, so these tests are what proves the defaults on a real host.

// sandboxFixture is one booted sandbox with the values the configuration uses.
type sandboxFixture struct {
	h          *sandbox.Host
	r          sandbox.Release
	https      string // where ntopng serves HTTPS: port 443 of the sandbox's address
	pw         string // the Redis password, 48 characters
	certPEM    string
	keyPEM     string
	certSHA256 string // hex SHA-256 of certPEM's DER
	tcp        bool   // Redis on TCP on loopback (port 6379, its default bind) instead of its Unix socket only
	unconfined bool   // ntopng_instance.confinement = false: no drop-in, so no ordering after Valkey either
}

// onSandboxes runs test on a freshly booted sandbox of each release in rs (every release when
// rs is nil), the releases side by side; or skips it with the reason the sandbox cannot run here.
func onSandboxes(t *testing.T, rs []sandbox.Release, test func(t *testing.T, f *sandboxFixture)) {
	t.Helper()
	// Decided before booting, which takes seconds: resource.Test would only skip afterwards.
	if os.Getenv(resource.EnvTfAcc) == "" {
		t.Skipf("acceptance test skipped unless %s=1 (it boots sandbox hosts)", resource.EnvTfAcc)
	}
	preCheck(t)
	// Every sandbox test runs beside the others (go test -parallel bounds how many hosts are
	// up at once): each host is a machine of its own on a link of its own.
	t.Parallel()
	sandbox.OnReleases(t, rs, func(t *testing.T, h *sandbox.Host) {
		f := &sandboxFixture{h: h, r: h.Release, https: h.Addr + ":443", pw: sandboxPassword(t)}
		f.certPEM, f.keyPEM = selfSignedPEM(t, "ntopng-sandbox")
		block, _ := pem.Decode([]byte(f.certPEM))
		sum := sha256.Sum256(block.Bytes)
		f.certSHA256 = hex.EncodeToString(sum[:])
		test(t, f)
	})
}

// oneRelease is the release the tests that need not run everywhere use: Debian's current stable.
var oneRelease = []sandbox.Release{sandbox.MustRelease(sandbox.DefaultRelease)}

// sandboxPassword is 40 random letters and digits followed by specials that ntopng's
// --redis value and redis.conf must both carry (':' and '@' are separators in --redis).
func sandboxPassword(t *testing.T) string {
	t.Helper()
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 40)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alnum))))
		if err != nil {
			t.Fatal(err)
		}
		b[i] = alnum[n.Int64()]
	}
	return string(b) + "-_.:@%+~"
}

// vars passes the Redis password as the Terraform variable pw.
func (f *sandboxFixture) vars() config.Variables {
	return config.Variables{"pw": config.StringVariable(f.pw)}
}

// config is the whole seed hardening in one configuration, logging in as user with key,
// through sudo when asked, with Redis on its Unix socket only (on TCP on loopback, with its
// default bind, when f.tcp). ntopng's user is put in the group of the server's socket: redis,
// or valkey. Only what has no default is set.
func (f *sandboxFixture) config(user, key string, sudo bool) string {
	redisPort, instanceRedis := "", "{ socket = ntopng_redis.cache.unixsocket }"
	if f.tcp {
		redisPort, instanceRedis = "\n  port           = 6379", `{ host = "127.0.0.1", port = ntopng_redis.cache.port }`
	}
	return fmt.Sprintf(`
variable "pw" {
  type      = string
  sensitive = true
}

provider "ntopng" {
  ssh {
    user        = %s
    port        = %d
    private_key = %s
    host_key    = %s
    sudo        = %t
  }
}

resource "ntopng_redis" "cache" {
  host           = %[6]q
  requirepass_wo = var.pw%[10]s
}

resource "ntopng_tls_cert" "web" {
  host               = %[6]q
  certificate_pem    = %[7]s
  private_key_pem_wo = %[8]s
  verify_endpoint    = %[9]q
}

resource "ntopng_instance" "probe" {
  host              = %[6]q
  https_listen      = %[9]q
  cert_path         = ntopng_tls_cert.web.path
  redis             = %[11]s
  user_groups       = [%[12]q]
  redis_password_wo = var.pw
}

data "ntopng_host" "box" {
  host        = %[6]q
  check_users = ["ntopng", %[12]q]
  depends_on  = [ntopng_instance.probe]
}
`, hcl(user), f.h.Port, hcl(key), hcl(f.h.HostKey), sudo, f.h.Addr, hcl(f.certPEM), hcl(f.keyPEM), f.https,
		redisPort, instanceRedis, f.r.Server)
}

// stateChecks are what the state must say about a hardened sandbox. The first apply writes the
// certificate before ntopng_instance turns HTTPS on; served_fingerprint_sha256 already holds
// the certificate then, so that the refresh after ntopng serves it changes nothing.
func (f *sandboxFixture) stateChecks() []statecheck.StateCheck {
	https := f.https
	port := int64(0)
	if f.tcp {
		port = 6379
	}
	// The key is on the sandbox only: the hash must be keyed, not the password's plain SHA-256.
	keyedHashRE := knownvalue.StringRegexp(regexp.MustCompile(`^hmac-sha256:[0-9a-f]{64}$`))
	checks := []statecheck.StateCheck{
		statecheck.ExpectKnownValue("ntopng_redis.cache", tfjsonpath.New("config_path"), knownvalue.StringExact(f.r.ConfigPath())),
		statecheck.ExpectKnownValue("ntopng_redis.cache", tfjsonpath.New("unixsocket"), knownvalue.StringExact(f.r.Socket())),
		statecheck.ExpectKnownValue("ntopng_redis.cache", tfjsonpath.New("port"), knownvalue.Int64Exact(port)),
		statecheck.ExpectKnownValue("ntopng_redis.cache", tfjsonpath.New("live_auth_required"), knownvalue.Bool(true)),
		statecheck.ExpectKnownValue("ntopng_redis.cache", tfjsonpath.New("live_tcp_listening"), knownvalue.Bool(f.tcp)),
		statecheck.ExpectKnownValue("ntopng_redis.cache", tfjsonpath.New("requirepass_sha256"), keyedHashRE),
		// What ntopng_redis learnt of the server on the host.
		statecheck.ExpectKnownValue("ntopng_redis.cache", tfjsonpath.New("server"), knownvalue.StringExact(f.r.Server)),
		statecheck.ExpectKnownValue("ntopng_redis.cache", tfjsonpath.New("server_version"), knownvalue.StringRegexp(regexp.MustCompile(
			map[string]string{"debian11": `^6\.0\.16$`, "debian12": `^7\.0\.`, "debian13": `^8\.0\.`, "debian13-valkey": `^8\.1\.`}[f.r.Name]))),
		statecheck.ExpectKnownValue("ntopng_tls_cert.web", tfjsonpath.New("path"), knownvalue.StringExact(defaultCertPath)),
		statecheck.ExpectKnownValue("ntopng_tls_cert.web", tfjsonpath.New("fingerprint_sha256"), knownvalue.StringExact(f.certSHA256)),
		statecheck.ExpectKnownValue("ntopng_tls_cert.web", tfjsonpath.New("remote_fingerprint_sha256"), knownvalue.StringExact(f.certSHA256)),
		statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("config_path"), knownvalue.StringExact("/etc/ntopng/ntopng.conf")),
		statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("user"), knownvalue.StringExact("ntopng")),
		statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("observed_listeners"),
			knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(https)})),
		statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("redis_password_sha256"), keyedHashRE),
		statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("redis_status"), knownvalue.StringExact("ok")),
		// One password on one host: one keyed hash, whichever resource reads it.
		statecheck.CompareValuePairs("ntopng_redis.cache", tfjsonpath.New("requirepass_sha256"),
			"ntopng_instance.probe", tfjsonpath.New("redis_password_sha256"), compare.ValuesSame()),
		statecheck.ExpectKnownValue("data.ntopng_host.box", tfjsonpath.New("os_id"), knownvalue.StringExact("debian")),
		statecheck.ExpectKnownValue("data.ntopng_host.box", tfjsonpath.New("os_version"), knownvalue.StringExact(f.r.Version)),
		statecheck.ExpectKnownValue("data.ntopng_host.box", tfjsonpath.New("host_key_fingerprint"), knownvalue.StringExact(f.h.HostKeyFingerprint)),
		statecheck.ExpectKnownValue("data.ntopng_host.box", tfjsonpath.New("users").AtMapKey("ntopng").AtMapKey("exists"), knownvalue.Bool(true)),
		statecheck.ExpectKnownValue("data.ntopng_host.box", tfjsonpath.New("users").AtMapKey("ntopng").AtMapKey("groups"),
			knownvalue.SetPartial([]knownvalue.Check{knownvalue.StringExact("ntop"), knownvalue.StringExact(f.r.Server)})),
	}
	return append(checks, statecheck.ExpectKnownValue("ntopng_tls_cert.web",
		tfjsonpath.New("served_fingerprint_sha256"), knownvalue.StringExact(f.certSHA256)))
}

// exec runs a script as root inside the sandbox.
func (f *sandboxFixture) exec(script string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := f.h.Exec(ctx, script)
	return strings.TrimSpace(out), err
}

// mustExec runs a script inside the sandbox and fails the test when it fails.
func (f *sandboxFixture) mustExec(t *testing.T, script string) string {
	t.Helper()
	out, err := f.exec(script)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// hardened checks from inside the sandbox, with the distribution's own tools, that the seed
// hardening is in force: Redis refuses anonymous clients and listens on its socket only (or on
// loopback only, with f.tcp), the ntopng user reaches its socket through group membership,
// ntopng serves HTTPS on the chosen address only and runs as ntopng, and the files have the
// owners and modes the packages expect.
func (f *sandboxFixture) hardened() resource.TestCheckFunc {
	return func(*terraform.State) error {
		var errs []error
		// ntopng runs as root until it has bound its web servers, a few seconds after a
		// restart (by ntopng_instance, or by Redis's restart: ntop's unit is PartOf=redis.service).
		// (Not there after a minute: the checks below say what is wrong.)
		_ = testhost.Until(testhost.RealClock{}, time.Minute, 250*time.Millisecond, func() error {
			if ss, err := f.exec("ss -H -tlnp"); err != nil || !slices.Contains(listenersOf(ss, "ntopng"), f.https) {
				return errors.New("not listening yet")
			}
			return nil
		})
		expect := func(script, want string, match func(got, want string) bool) {
			got, err := f.exec(script)
			if err != nil {
				errs = append(errs, err)
				return
			}
			if !match(got, want) {
				errs = append(errs, fmt.Errorf("in the sandbox, %s = %q, want %q", script, got, want))
			}
		}
		equal := func(got, want string) bool { return got == want }
		prefix := strings.HasPrefix
		server, socket, cli := f.r.Server+"-server", f.r.Socket(), f.r.CLI()

		// The CLI exits 0 or 1 on an error reply depending on the version: keep its output only.
		expect(cli+" -s "+socket+" ping 2>&1 || true", "NOAUTH", prefix)
		expect("sudo -u ntopng "+cli+" -s "+socket+" -a '"+f.pw+"' --no-auth-warning ping", "PONG", equal)
		expect("sudo -u ntopng test -w "+socket+" && echo writable", "writable", equal)
		expect("id -nG ntopng | tr ' ' '\\n' | grep -x "+f.r.Server, f.r.Server, equal)
		expect("systemctl is-active "+f.r.Unit()+" ntopng", "active\nactive", equal)
		// ntopng starts after the release's Redis server at boot (ntop's unit names
		// redis.service only, which valkey-server is not: the confinement drop-in orders it).
		if !f.unconfined {
			expect("systemctl show -p After --value ntopng | tr ' ' '\\n' | grep -x "+f.r.Unit()+".service", f.r.Unit()+".service", equal)
		}
		expect(`ps -o user= -p "$(systemctl show -p MainPID --value ntopng)"`, "ntopng", equal)
		expect("ps -o user= -C "+server, f.r.Server, equal)
		expect("stat -c '%U:%G %a' "+f.r.ConfigPath(), f.r.Server+":"+f.r.Server+" 640", equal)
		expect("stat -c '%U:%G %a' "+defaultCertPath, "root:ntop 640", equal)
		expect("stat -c '%U:%G %a' /etc/ntopng/ntopng.conf", "root:ntop 640", equal)

		ss, err := f.exec("ss -H -tlnp")
		if err != nil {
			return errors.Join(append(errs, err)...)
		}
		redis := listenersOf(ss, server)
		if f.tcp {
			if !slices.Contains(redis, "127.0.0.1:6379") || slices.ContainsFunc(redis, func(l string) bool { return l != "127.0.0.1:6379" && l != "[::1]:6379" }) {
				errs = append(errs, fmt.Errorf("%s listens on TCP %v, want 127.0.0.1:6379 (and [::1]:6379) only; ss -tlnp:\n%s", server, redis, ss))
			}
		} else if len(redis) != 0 {
			errs = append(errs, fmt.Errorf("%s listens on TCP %v, want no TCP listener; ss -tlnp:\n%s", server, redis, ss))
		}
		if got := listenersOf(ss, "ntopng"); !slices.Equal(got, []string{f.https}) {
			errs = append(errs, fmt.Errorf("ntopng listens on %v, want only %s; ss -tlnp:\n%s", got, f.https, ss))
		}
		if stock := ":" + strconv.Itoa(f.h.StockHTTPPort); strings.Contains(ss, stock+" ") {
			errs = append(errs, fmt.Errorf("something still listens on the stock HTTP port %s; ss -tlnp:\n%s", stock, ss))
		}
		if err := f.servesCert(f.https); err != nil {
			errs = append(errs, err)
		}
		if err := f.redisVersionFile(); err != nil {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	}
}

// servesCert checks, from the test (this machine, over the sandbox's link), that addr serves
// the test certificate over TLS.
func (f *sandboxFixture) servesCert(addr string) error {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true}) // #nosec G402 -- compared below
	if err != nil {
		return fmt.Errorf("no TLS server on %s: %w", addr, err)
	}
	defer conn.Close()
	certs := conn.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return fmt.Errorf("%s served no certificate", addr)
	}
	if got := sha256.Sum256(certs[0].Raw); hex.EncodeToString(got[:]) != f.certSHA256 {
		return fmt.Errorf("%s serves a certificate with SHA-256 %x, want ntopng_tls_cert.web's %s", addr, got, f.certSHA256)
	}
	return nil
}

// listenersOf returns the local ADDRESS:PORT of every `ss -H -tlnp` line whose process is
// name, sorted. ntopng's main thread renames itself "ntopng-main" once it runs (Ntop.cpp,
// Utils::setThreadName), and ss shows that name then: name-main counts as name.
func listenersOf(ss, name string) []string {
	var out []string
	for _, line := range strings.Split(ss, "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 6 && (strings.Contains(line, `(("`+name+`",`) || strings.Contains(line, `(("`+name+`-main",`)) {
			out = append(out, fields[3])
		}
	}
	slices.Sort(out)
	return out
}

// waitListener waits until process listens on addr inside the sandbox: after a reboot, or
// after a drift the test made, before a plan is expected to see it.
func (f *sandboxFixture) waitListener(t *testing.T, process, addr string) {
	t.Helper()
	testhost.Eventually(t, time.Minute, 200*time.Millisecond, func() error {
		if ss := f.mustExec(t, "ss -H -tlnp"); !slices.Contains(listenersOf(ss, process), addr) {
			return fmt.Errorf("%s does not listen on %s in the sandbox; ss -tlnp:\n%s", process, addr, ss)
		}
		return nil
	})
}

// TestSandboxSeedHardening: on every release, the whole seed hardening with every default and
// Redis on its Unix socket only, a reboot, and the drift an operator causes by hand.
func TestSandboxSeedHardening(t *testing.T) {
	onSandboxes(t, nil, func(t *testing.T, f *sandboxFixture) {
		testSeedHardening(t, f)
	})
}

// TestSandboxSeedHardeningTCP: on every release, the seed hardening with Redis on TCP on
// loopback (its default bind, which follows the server's version) with a password, a reboot,
// the password removed live, what the server's version refuses, and a restart that fails.
func TestSandboxSeedHardeningTCP(t *testing.T) {
	onSandboxes(t, nil, func(t *testing.T, f *sandboxFixture) {
		f.tcp = true
		cfg := f.config("root", f.h.RootKey, false)
		step := func(s resource.TestStep) resource.TestStep { return f.step(cfg, s) }
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { preCheck(t) },
			ProtoV6ProviderFactories: protoV6Factories,
			Steps: append(f.firstSteps(t, cfg, "-h 127.0.0.1 -p 6379"),
				resource.TestStep{ // Redis 6.0 reads "-::1" as an address and exits: refused at plan time, naming the version
					Config: redisAttr(cfg, `bind = ["127.0.0.1", "-::1"]`), ConfigVariables: f.vars(),
					ExpectError: versionBindError(f.r),
					Check:       f.hardened(),
				},
				resource.TestStep{ // a restart that fails anyway: the error quotes the server's own words, the file is put back
					Config: redisAttr(cfg, `unixsocket = "/run/no-such-folder/redis.sock"`), ConfigVariables: f.vars(),
					ExpectError: regexp.MustCompile(`(?s)The last lines of /var/log/` + f.r.Server + `/.*Unix\s+socket:\s+bind:\s+No\s+such\s+file`), // 6.0: "Opening Unix socket: ...", later "Failed opening ..."
				},
				step(resource.TestStep{}), // and the host is as it was
			),
		})
	})
}

// redisAttr adds an attribute line to the ntopng_redis block of cfg.
func redisAttr(cfg, line string) string {
	const head = "resource \"ntopng_redis\" \"cache\" {\n"
	if !strings.Contains(cfg, head) {
		panic("the sandbox configuration has no ntopng_redis.cache block")
	}
	return strings.Replace(cfg, head, head+"  "+line+"\n", 1)
}

// versionBindError is what the plan of an optional ("-") bind address says on r: a plan-time
// error naming the version on Redis 6.0 (Debian 11), nothing elsewhere (nil: the step applies).
func versionBindError(r sandbox.Release) *regexp.Regexp {
	if r.Name == "debian11" {
		return regexp.MustCompile(`(?s)bind.*6\.0\.16`)
	}
	return nil
}

// redisVersionFile checks what ntopng_redis wrote for the server's version: the optional bind
// address from 6.2, the enable-* directives from 7.0.
func (f *sandboxFixture) redisVersionFile() error {
	bind, enables := "bind 127.0.0.1 -::1", "3"
	if f.r.Name == "debian11" {
		bind, enables = "bind 127.0.0.1", "0"
	}
	got, err := f.exec("grep -x 'bind .*' " + f.r.ConfigPath() + "; grep -c '^enable-[a-z-]* no$' " + f.r.ConfigPath() + " || true")
	if err != nil {
		return err
	}
	if want := bind + "\n" + enables; got != want {
		return fmt.Errorf("%s: bind line and enable-* count %q, want %q", f.r.ConfigPath(), got, want)
	}
	return nil
}

// rootProvider is the provider block that logs in to the sandbox as root with its key,
// pinning its host key.
func (f *sandboxFixture) rootProvider() string {
	return fmt.Sprintf(`
provider "ntopng" {
  ssh {
    user        = "root"
    port        = %d
    private_key = %s
    host_key    = %s
  }
}
`, f.h.Port, hcl(f.h.RootKey), hcl(f.h.HostKey))
}

// step is s applying cfg with the fixture's variables, after which the hardening must hold on
// the host (hardened) and in the state (stateChecks).
func (f *sandboxFixture) step(cfg string, s resource.TestStep) resource.TestStep {
	s.Config, s.ConfigVariables = cfg, f.vars()
	s.Check = f.hardened()
	s.ConfigStateChecks = f.stateChecks()
	return s
}

// firstSteps are how both seed tests begin: the hardening applied; a reboot after which there
// is nothing to do; the password removed from the running server only (where: the CLI's
// address arguments), which is drift of ntopng_redis only: with no password set, Redis and
// Valkey let any AUTH in (6.0 too, seen on Debian 11), so ntopng still reaches its Redis.
func (f *sandboxFixture) firstSteps(t *testing.T, cfg, where string) []resource.TestStep {
	return []resource.TestStep{
		f.step(cfg, resource.TestStep{}),
		f.step(cfg, resource.TestStep{
			PreConfig:        func() { f.reboot(t) },
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		}),
		f.step(cfg, resource.TestStep{
			PreConfig: func() { f.dropPasswordLive(t, where) },
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction("ntopng_redis.cache", plancheck.ResourceActionUpdate),
				plancheck.ExpectResourceAction("ntopng_instance.probe", plancheck.ResourceActionNoop),
				expectRefreshed{"ntopng_instance.probe", "redis_status", regexp.MustCompile(`^ok$`)},
			}},
		}),
	}
}

// reboot reboots the sandbox and waits until ntopng serves HTTPS again, as an operator would
// before planning.
func (f *sandboxFixture) reboot(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := f.h.Reboot(ctx); err != nil {
		t.Fatal(err)
	}
	// Booted means ntopng.service started; ntopng binds a few seconds later.
	f.waitListener(t, "ntopng", f.https)
}

// dropPasswordLive removes the Redis password from the running server only (CONFIG SET), and
// checks that an anonymous client is let in then. where is the CLI's address arguments.
func (f *sandboxFixture) dropPasswordLive(t *testing.T, where string) {
	t.Helper()
	cli := f.r.CLI() + " " + where
	if got := f.mustExec(t, cli+" -a '"+f.pw+"' --no-auth-warning CONFIG SET requirepass ''"); got != "OK" {
		t.Fatalf("CONFIG SET requirepass '' = %q, want OK", got)
	}
	if got := f.mustExec(t, cli+" ping"); got != "PONG" {
		t.Fatalf("after CONFIG SET requirepass '', an anonymous ping = %q, want PONG", got)
	}
}

// testSeedHardening is TestSandboxSeedHardening on one sandbox.
func testSeedHardening(t *testing.T, f *sandboxFixture) {
	cfg := f.config("root", f.h.RootKey, false)
	const driftPort, decoyPort = 6390, 8081 // the sandbox's own network: free there
	socket, cli := f.r.Socket(), f.r.CLI()
	step := func(s resource.TestStep) resource.TestStep { return f.step(cfg, s) }
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: append(f.firstSteps(t, cfg, "-s "+socket),
			step(resource.TestStep{ // the password changed on the running server only: ntopng runs on
				PreConfig: func() {
					if got := f.mustExec(t, cli+" -s "+socket+" -a '"+f.pw+"' --no-auth-warning CONFIG SET requirepass 'changed-by-hand-0123456789abcdefghij'"); got != "OK" {
						t.Fatalf("CONFIG SET requirepass = %q, want OK", got)
					}
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ntopng_redis.cache", plancheck.ResourceActionUpdate),
					// ntop's ntopng keeps its authenticated connection, but its file's password
					// is refused now: the instance drifted too (issue #13); apply restarts it.
					plancheck.ExpectResourceAction("ntopng_instance.probe", plancheck.ResourceActionUpdate),
					expectRefreshed{"ntopng_instance.probe", "redis_status", regexp.MustCompile(`^WRONGPASS .*\(unix:` + regexp.QuoteMeta(socket) + `\)$`)},
				}},
			}),
			step(resource.TestStep{ // a TCP port put back into redis.conf with sed, and Redis restarted
				PreConfig: func() {
					f.mustExec(t, fmt.Sprintf("sed -i 's/^port 0$/port %d/' %[2]s && grep -x 'port %[1]d' %[2]s && systemctl restart %[3]s", driftPort, f.r.ConfigPath(), f.r.Unit()))
					f.waitListener(t, f.r.Server+"-server", "127.0.0.1:"+strconv.Itoa(driftPort))
					// ntop's unit is PartOf=redis.service: restarting Redis restarts ntopng too.
					f.waitListener(t, "ntopng", f.https)
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ntopng_redis.cache", plancheck.ResourceActionUpdate),
					plancheck.ExpectNonEmptyPlan(),
				}},
			}),
			step(resource.TestStep{ // HTTP re-enabled in ntopng.conf with sed, and ntopng restarted
				PreConfig: func() {
					f.mustExec(t, fmt.Sprintf("sed -i 's/^--http-port=.*$/--http-port=%d/' /etc/ntopng/ntopng.conf && grep -x -- '--http-port=%[1]d' /etc/ntopng/ntopng.conf && systemctl restart ntopng", f.h.StockHTTPPort))
					// systemctl returns once the process started; it binds a moment later.
					f.waitListener(t, "ntopng", "0.0.0.0:"+strconv.Itoa(f.h.StockHTTPPort))
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ntopng_instance.probe", plancheck.ResourceActionUpdate),
					plancheck.ExpectNonEmptyPlan(),
				}},
			}),
			resource.TestStep{ // a local user's process calling itself ntopng, listening on every address: not ntopng
				Config: cfg, ConfigVariables: f.vars(),
				PreConfig: func() {
					// redis-server copied to a file named ntopng, run as nobody: comm "ntopng".
					f.mustExec(t, fmt.Sprintf("cp /usr/bin/"+f.r.Server+"-server /tmp/ntopng && chmod 755 /tmp/ntopng && "+
						"(setsid runuser -u nobody -- /tmp/ntopng --port %d --bind 0.0.0.0 --save '' --dir /tmp >/dev/null 2>&1 & echo $! > /run/decoy.pid)", decoyPort))
					f.waitListener(t, "ntopng", "0.0.0.0:"+strconv.Itoa(decoyPort))
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("observed_listeners"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(f.https)}))},
			},
			resource.TestStep{ // ntopng stopped by hand: drift, and apply starts it.
				Config: cfg, ConfigVariables: f.vars(), Check: f.hardened(), ConfigStateChecks: f.stateChecks(),
				PreConfig: func() {
					f.mustExec(t, "pkill -F /run/decoy.pid; systemctl stop ntopng")
					if got, _ := f.exec("systemctl is-active ntopng"); got != "inactive" {
						t.Fatalf("after systemctl stop ntopng: is-active = %q, want inactive", got)
					}
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ntopng_instance.probe", plancheck.ResourceActionUpdate),
				}},
			},
		),
	})
}

func TestSandboxSudoUser(t *testing.T) {
	onSandboxes(t, oneRelease, testSudoUser)
}

func testSudoUser(t *testing.T, f *sandboxFixture) {
	cfg := f.config(f.h.DeployUser, f.h.DeployKey, true)
	if got := f.mustExec(t, "id -u "+f.h.DeployUser); got == "0" {
		t.Fatalf("%s has uid 0: this test needs an unprivileged user", f.h.DeployUser)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config:            cfg,
				ConfigVariables:   f.vars(),
				ConfigStateChecks: f.stateChecks(),
				Check:             f.hardened(),
			},
			{ // applying again changes nothing, and nothing "changed outside of Terraform"
				Config:            cfg,
				ConfigVariables:   f.vars(),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), expectNoDrift{}}},
				ConfigStateChecks: f.stateChecks(),
				Check:             f.hardened(),
			},
		},
	})
}

// TestSandboxPackageLeftovers: what ntop's package leaves that a hardening tool must notice, on
// the real ntopng: its configuration owned by the service account (the postinst's
// `chown -R ntopng:ntop /etc/ntopng`, again on every upgrade), --disable-login in a drop-in,
// and the package's self-signed CN=ntopng.local certificate still served. Each is drift in the
// plan and repaired by apply.
func TestSandboxPackageLeftovers(t *testing.T) {
	onSandboxes(t, oneRelease, testPackageLeftovers)
}

func testPackageLeftovers(t *testing.T, f *sandboxFixture) {
	cfg := f.config("root", f.h.RootKey, false)
	owned := func(want string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			got, err := f.exec("stat -c '%U:%G %a' /etc/ntopng /etc/ntopng/ntopng.conf.d /etc/ntopng/ntopng.conf")
			if err != nil {
				return err
			}
			if got != want {
				return fmt.Errorf("owners and modes of /etc/ntopng, its ntopng.conf.d and ntopng.conf = %q, want %q", got, want)
			}
			return nil
		}
	}
	rootOwned := "root:ntop 755\nroot:ntop 755\nroot:ntop 640"
	fileChecks := append(f.stateChecks(),
		statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("config_owner"), knownvalue.StringExact("root:ntop")),
		statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("config_mode"), knownvalue.StringExact("0640")),
		statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("writable_config_paths"), knownvalue.ListExact([]knownvalue.Check{})))
	https := f.https
	// The stock state: ntop's postinst gave the service account its configuration.
	if got := f.mustExec(t, "stat -c '%U:%G' /etc/ntopng /etc/ntopng/ntopng.conf.d /etc/ntopng/ntopng.conf"); got != "ntopng:ntop\nntopng:ntop\nntopng:ntop" {
		t.Fatalf("stock owners of /etc/ntopng = %q, want ntopng:ntop (ntop's postinst)", got)
	}
	expectUpdate := func(addr string) resource.ConfigPlanChecks {
		return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}}
	}
	base := resource.TestStep{Config: cfg, ConfigVariables: f.vars(), ConfigStateChecks: fileChecks,
		Check: resource.ComposeTestCheckFunc(f.hardened(), owned(rootOwned))}
	with := func(pre func(), plan resource.ConfigPlanChecks) resource.TestStep {
		s := base
		s.PreConfig, s.ConfigPlanChecks = pre, plan
		return s
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			base, // the first apply gives the configuration to root
			with(func() { // an upgrade of ntop's package runs its postinst again
				f.mustExec(t, "chown -R ntopng:ntop /etc/ntopng")
			}, expectUpdate("ntopng_instance.probe")),
			with(func() { // --disable-login in a drop-in, and ntopng restarted with it
				f.mustExec(t, "printf -- '--disable-login=1\\n' > /etc/ntopng/ntopng.conf.d/50-login.conf && systemctl restart ntopng && grep -c -- '^--disable-login' /run/ntopng.conf")
				f.waitListener(t, "ntopng", https)
			}, expectUpdate("ntopng_instance.probe")),
			with(func() { // the package's self-signed certificate served: the file is right, ntopng was not restarted
				cert := defaultCertPath
				f.mustExec(t, "cp "+cert+" /root/cert.keep && openssl req -new -x509 -nodes -days 365 -newkey rsa:2048 -subj /CN=ntopng.local "+
					"-keyout /root/k.pem -out /root/c.pem 2>/dev/null && cat /root/k.pem /root/c.pem > "+cert+" && systemctl restart ntopng")
				f.waitListener(t, "ntopng", https)
				f.mustExec(t, "cat /root/cert.keep > "+cert)
				if got := f.mustExec(t, "openssl s_client -connect "+https+" </dev/null 2>/dev/null | openssl x509 -noout -subject -nameopt RFC2253"); got != "subject=CN=ntopng.local" {
					t.Fatalf("ntopng serves %q, want the package's CN=ntopng.local", got)
				}
			}, expectUpdate("ntopng_tls_cert.web")),
		},
	})
	if got := f.mustExec(t, "grep -c -- disable-login /etc/ntopng/ntopng.conf.d/50-login.conf /run/ntopng.conf || true"); got != "/etc/ntopng/ntopng.conf.d/50-login.conf:0\n/run/ntopng.conf:0" {
		t.Errorf("after the apply, --disable-login lines: %q, want none in the drop-in and in what ntopng read", got)
	}
}

// TestSandboxInstances: several ntopng on one host, as operators run them with ntop's
// ntopng@IFACE.service (each reads /etc/ntopng/ntopng-IFACE.conf and no drop-ins): one
// ntopng_instance each, with the right unit and restart command, each seeing only its own
// listeners; one instance stopped is drift of that instance only. Instance b is a collector
// (-i tcp://ADDRESS:PORTc, for nProbe): its ZMQ listener is not a web listener, so it is neither
// drift nor a failed verification.
func TestSandboxInstances(t *testing.T) {
	onSandboxes(t, oneRelease, testInstances)
}

func testInstances(t *testing.T, f *sandboxFixture) {
	const portA, portB, dropInPort, zmqPort = 8443, 9443, 8080, 5556 // the sandbox's own network: free there
	// a captures on lo; b is a collector: nProbe would connect to its ZMQ endpoint.
	for _, inst := range []struct {
		name, iface string
		db          int
	}{{"a", "lo", 1}, {"b", fmt.Sprintf("tcp://127.0.0.1:%dc", zmqPort), 2}} {
		f.mustExec(t, fmt.Sprintf("install -d -o ntopng -g ntop -m 0700 /var/lib/ntopng/%[1]s && "+
			"printf -- '-G=/var/run/ntopng-%[1]s.pid\\n-i=%[4]s\\n-r=127.0.0.1:%[2]d@%[3]d\\n-d=/var/lib/ntopng/%[1]s\\n-w=0\\n' > /etc/ntopng/ntopng-%[1]s.conf",
			inst.name, f.h.StockRedisPort, inst.db, inst.iface))
	}
	// ntopng.service off, as on a multi-instance probe; a drop-in that only ntopng.service reads.
	f.mustExec(t, fmt.Sprintf("systemctl disable --now ntopng && printf -- '--http-port=%d\\n' > /etc/ntopng/ntopng.conf.d/10-main-only.conf && systemctl start ntopng@a ntopng@b", dropInPort))
	cfg := f.rootProvider() + fmt.Sprintf(`
resource "ntopng_instance" "a" {
  host         = %[1]q
  config_path  = "/etc/ntopng/ntopng-a.conf"
  https_listen = "127.0.0.1:%[2]d"
}

resource "ntopng_instance" "b" {
  host         = %[1]q
  config_path  = "/etc/ntopng/ntopng-b.conf"
  https_listen = "127.0.0.1:%[3]d"
}
`, f.h.Addr, portA, portB)
	listen := func(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }
	checks := []statecheck.StateCheck{}
	for name, port := range map[string]int{"a": portA, "b": portB} {
		addr := "ntopng_instance." + name
		checks = append(checks,
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("service"), knownvalue.StringExact("ntopng@"+name+".service")),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("restart_command"), knownvalue.StringExact("systemctl restart ntopng@"+name+".service")),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("observed_listeners"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(listen(port))})),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("http_listen"), knownvalue.StringExact("disabled")))
	}
	both := func(*terraform.State) error {
		ss, err := f.exec("ss -H -tlnp")
		if err != nil {
			return err
		}
		want := []string{listen(portA), listen(portB), listen(zmqPort)}
		slices.Sort(want)
		if got := listenersOf(ss, "ntopng"); !slices.Equal(got, want) {
			return fmt.Errorf("ntopng processes listen on %v, want exactly %v (a's and b's HTTPS, b's collector); ss -tlnp:\n%s", got, want, ss)
		}
		if got, _ := f.exec("systemctl is-active ntopng@a ntopng@b ntopng || true"); got != "active\nactive\ninactive" {
			return fmt.Errorf("systemctl is-active ntopng@a ntopng@b ntopng = %q", got)
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{Config: cfg, Check: both, ConfigStateChecks: checks},
			{ // one instance stopped by hand: drift of that one only
				Config: cfg, Check: both, ConfigStateChecks: checks,
				PreConfig: func() { f.mustExec(t, "systemctl stop ntopng@b") },
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ntopng_instance.b", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("ntopng_instance.a", plancheck.ResourceActionNoop),
				}},
			},
		},
	})
}
