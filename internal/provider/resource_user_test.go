package provider

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
	"github.com/hardenops/terraform-provider-ntopng/internal/webusers"
)

// Web passwords the tests write (12..31 characters).
const (
	webPwA = "tfWebA-7hQ2mX9kL4pZ"
	webPwB = "tfWebB-3nR8vT1cY6sW"
	webPwC = "tfWebC-5jK0fD2gH8bN"
)

// userFixture is a host whose ntopng.conf points at a real redis-server with a password, in
// database db; no ntopng process is needed (the user resource talks to Redis only).
type userFixture struct {
	s        *testhost.SSHD
	r        *testhost.Redis
	confPath string
	db       int
	sock     string
}

// newUserFixture: viaSocket makes ntopng.conf name the Unix socket (db 3), else TCP (db 0).
func newUserFixture(t *testing.T, viaSocket bool) *userFixture {
	t.Helper()
	f := &userFixture{s: testhost.StartSSHD(t, testhost.Options{})}
	dir := testhost.TempDir(t)
	port := testhost.FreePort(t)
	f.sock = filepath.Join(dir, "redis.sock")
	f.r = testhost.StartRedis(t, testhost.RedisBaseConf(dir, port)+
		fmt.Sprintf("requirepass %s\nunixsocket %s\nunixsocketperm 700\n", ntopngRedisPw, f.sock))
	redis := fmt.Sprintf("127.0.0.1:%d:%s@0", port, ntopngRedisPw)
	if viaSocket {
		f.db = 3
		redis = fmt.Sprintf("%s:0:%s@3", f.sock, ntopngRedisPw)
	}
	f.confPath = filepath.Join(dir, "ntopng.conf")
	// The password is in a drop-in, as the ntopng_instance resource may leave it: the
	// resource must read the drop-ins too.
	if err := os.MkdirAll(filepath.Join(dir, "ntopng.conf.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeHostFile(t, f.confPath, "-G=/var/run/ntopng.pid\n--redis=127.0.0.1:1@0\n")
	writeHostFile(t, filepath.Join(dir, "ntopng.conf.d", "50-redis.conf"), "--redis="+redis+"\n")
	return f
}

// cli runs one command with redis-cli against the fixture's Redis and database.
func (f *userFixture) cli(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("redis-cli", append([]string{"-s", f.sock, "-n", fmt.Sprint(f.db)}, args...)...)
	cmd.Env = append(os.Environ(), "REDISCLI_AUTH="+ntopngRedisPw)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli %v: %v: %s", args, err, out)
	}
	return strings.TrimRight(string(out), "\n")
}

func (f *userFixture) config(name, body string) string {
	return providerConfig(f.s, f.s.Root) + fmt.Sprintf(`
variable "pw" {
  type      = string
  ephemeral = true
}
resource "ntopng_user" %q {
  host        = "127.0.0.1"
  config_path = %s
  password_wo = var.pw
%s
}
`, name, hcl(f.confPath), body)
}

func pwVar(pw string) config.Variables { return config.Variables{"pw": config.StringVariable(pw)} }

// checkUser asserts the user's keys in Redis.
func (f *userFixture) checkUser(t *testing.T, user, pw, group, nets string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for key, want := range map[string]string{
			webusers.Key(user, "password"): webusers.PasswordHash(pw), webusers.Key(user, "group"): group,
			webusers.Key(user, "allowed_nets"): nets,
		} {
			if got := f.cli(t, "GET", key); got != want {
				return fmt.Errorf("%s = %q, want %q", key, got, want)
			}
		}
		return nil
	}
}

// noneOf fails when the state holds any of the strings (a password, its MD5).
type noneOf []string

func (n noneOf) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	b, _ := os.ReadFile(filepath.Join(".", "terraform.tfstate"))
	all := fmt.Sprintf("%v %s", req.State, b)
	for _, s := range n {
		if strings.Contains(all, s) {
			resp.Error = fmt.Errorf("the state holds %q", s)
		}
	}
}

var fingerprintRE = knownvalue.StringRegexp(regexp.MustCompile(`^hmac-sha256:[0-9a-f]{64}$`))

func TestAccUserAdmin(t *testing.T) {
	f := newUserFixture(t, false)
	// ntopng's own start: admin with MD5("admin").
	f.cli(t, "MSET", webusers.Key("admin", "password"), webusers.DefaultAdminHash, webusers.Key("admin", "group"), "administrator",
		webusers.TempAdminPasswordKey, "tmp-pass")
	cfg := f.config("admin", `  username = "admin"
  group    = "administrator"`)
	nets := webusers.AllNets
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config: cfg, ConfigVariables: pwVar(webPwA),
				Check: resource.ComposeTestCheckFunc(f.checkUser(t, "admin", webPwA, "administrator", nets), func(*terraform.State) error {
					if got := f.cli(t, "GET", webusers.AdminPasswordChangedKey); got != "1" {
						return fmt.Errorf("admin_password_changed = %q", got)
					}
					if got := f.cli(t, "EXISTS", webusers.TempAdminPasswordKey); got != "0" {
						return fmt.Errorf("temp_admin_password left: %s", got)
					}
					return nil
				}),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ntopng_user.admin", tfjsonpath.New("password_fingerprint"), fingerprintRE),
					statecheck.ExpectKnownValue("ntopng_user.admin", tfjsonpath.New("id"), knownvalue.StringExact("127.0.0.1:admin")),
					noneOf{webPwA, webusers.PasswordHash(webPwA), ntopngRedisPw},
				},
			},
			{
				// A new run (another ephemeral value) changes nothing: the host keeps the password written.
				Config: cfg, ConfigVariables: pwVar(webPwB),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            f.checkUser(t, "admin", webPwA, "administrator", nets),
			},
			{
				// admin back on admin/admin: drift, repaired with this run's password.
				PreConfig: func() { f.cli(t, "SET", webusers.Key("admin", "password"), webusers.DefaultAdminHash) },
				Config:    cfg, ConfigVariables: pwVar(webPwB),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ntopng_user.admin", plancheck.ResourceActionUpdate)}},
				Check: f.checkUser(t, "admin", webPwB, "administrator", nets),
			},
			{
				// The key removed: ntopng recreates admin with admin/admin at its next start. Drift.
				PreConfig: func() { f.cli(t, "DEL", webusers.Key("admin", "password")) },
				Config:    cfg, ConfigVariables: pwVar(webPwA),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ntopng_user.admin", plancheck.ResourceActionUpdate)}},
				Check: f.checkUser(t, "admin", webPwA, "administrator", nets),
			},
			{
				// The password changed in ntopng's UI: drift.
				PreConfig: func() { f.cli(t, "SET", webusers.Key("admin", "password"), webusers.PasswordHash("changed-in-the-ui")) },
				Config:    cfg, ConfigVariables: pwVar(webPwC),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ntopng_user.admin", plancheck.ResourceActionUpdate)}},
				Check: f.checkUser(t, "admin", webPwC, "administrator", nets),
			},
			{
				// Group and networks changed behind Terraform's back: drift; the password stays.
				PreConfig: func() {
					f.cli(t, "MSET", webusers.Key("admin", "group"), "unprivileged", webusers.Key("admin", "allowed_nets"), "10.0.0.0/8")
				},
				Config: cfg, ConfigVariables: pwVar(webPwA),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ntopng_user.admin", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("ntopng_user.admin", tfjsonpath.New("password_fingerprint"), fingerprintRE)}},
				Check: f.checkUser(t, "admin", webPwC, "administrator", nets),
			},
			{
				// A version bump writes this run's password.
				Config: strings.Replace(cfg, `group    = "administrator"`, `group    = "administrator"
  password_wo_version = 2
  allowed_networks = ["192.0.2.0/24", "2001:db8::/32"]`, 1), ConfigVariables: pwVar(webPwA),
				Check: f.checkUser(t, "admin", webPwA, "administrator", "192.0.2.0/24,2001:db8::/32"),
			},
			{
				// Import with the configuration file in the ID reads the same user back.
				ResourceName: "ntopng_user.admin", ImportState: true, ImportStateId: "127.0.0.1:" + f.confPath + ":admin",
				ImportStateVerify: true, ImportStateVerifyIgnore: []string{"password_wo_version"},
				Config: cfg, ConfigVariables: pwVar(webPwA),
			},
		},
		// Destroy leaves admin (ntopng would recreate it as admin/admin).
		CheckDestroy: func(*terraform.State) error {
			if got := f.cli(t, "GET", webusers.Key("admin", "password")); got != webusers.PasswordHash(webPwA) {
				return fmt.Errorf("destroy changed admin's password: %q", got)
			}
			return nil
		},
	})
}

func TestAccUserOther(t *testing.T) {
	f := newUserFixture(t, true)
	cfg := f.config("ops", `  username  = "ops.team"
  group     = "unprivileged"
  full_name = "Operations"
  allowed_networks = ["10.0.0.0/8"]`)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config: cfg, ConfigVariables: pwVar(webPwA),
				Check: resource.ComposeTestCheckFunc(f.checkUser(t, "ops.team", webPwA, "unprivileged", "10.0.0.0/8"), func(*terraform.State) error {
					if got := f.cli(t, "GET", webusers.Key("ops.team", "full_name")); got != "Operations" {
						return fmt.Errorf("full_name = %q", got)
					}
					// Database 3 only: nothing in database 0.
					cmd := exec.Command("redis-cli", "-s", f.sock, "-n", "0", "DBSIZE")
					cmd.Env = append(os.Environ(), "REDISCLI_AUTH="+ntopngRedisPw)
					if out, err := cmd.Output(); err != nil || strings.TrimSpace(string(out)) != "0" {
						return fmt.Errorf("database 0 holds keys: %s %v", out, err)
					}
					return nil
				}),
			},
			{
				// The user removed in ntopng's UI: planned again.
				PreConfig: func() {
					for _, fld := range webusers.Fields {
						f.cli(t, "DEL", webusers.Key("ops.team", fld))
					}
				},
				Config: cfg, ConfigVariables: pwVar(webPwB),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ntopng_user.ops", plancheck.ResourceActionCreate)}},
				Check: f.checkUser(t, "ops.team", webPwB, "unprivileged", "10.0.0.0/8"),
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if got := f.cli(t, "KEYS", "ntopng.user.ops.team.*"); got != "" {
				return fmt.Errorf("destroy left keys: %q", got)
			}
			return nil
		},
	})
}

func TestUserValidate(t *testing.T) {
	list := func(s ...string) tftypes.Value {
		var v []tftypes.Value
		for _, x := range s {
			v = append(v, str(x))
		}
		return tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, v)
	}
	base := func(extra map[string]tftypes.Value) map[string]tftypes.Value {
		m := map[string]tftypes.Value{"username": str("admin"), "group": str("administrator"), "password_wo": str(webPwA)}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		name  string
		attrs map[string]tftypes.Value
		want  string // "" : no error
	}{
		{"ok", base(nil), ""},
		{"empty password", base(map[string]tftypes.Value{"password_wo": str("")}), "password is empty"},
		{"short password", base(map[string]tftypes.Value{"password_wo": str("admin")}), "at least 12"},
		{"long password", base(map[string]tftypes.Value{"password_wo": str(strings.Repeat("x", 40))}), "at most 31"},
		{"sensitive short", base(map[string]tftypes.Value{"password_wo": tftypes.NewValue(tftypes.String, nil), "password": str("abc")}), "at least 12"},
		{"both passwords", base(map[string]tftypes.Value{"password": str(webPwB)}), "Invalid Attribute Combination"},
		{"no password", base(map[string]tftypes.Value{"password_wo": tftypes.NewValue(tftypes.String, nil)}), "Exactly one of"},
		{"username with space", base(map[string]tftypes.Value{"username": str("ad min")}), "may hold only"},
		{"username quote", base(map[string]tftypes.Value{"username": str("x'y")}), "may hold only"},
		{"username long", base(map[string]tftypes.Value{"username": str(strings.Repeat("u", 32))}), "at most 31"},
		{"unknown group", base(map[string]tftypes.Value{"group": str("admin")}), "administrator"},
		{"not a cidr", base(map[string]tftypes.Value{"allowed_networks": list("10.0.0.1")}), "no prefix length"},
		{"host name", base(map[string]tftypes.Value{"allowed_networks": list("lan.example.net")}), "CIDR"},
		{"host bits", base(map[string]tftypes.Value{"allowed_networks": list("10.1.0.0/8")}), "host bits"},
		{"empty list", base(map[string]tftypes.Value{"allowed_networks": list()}), "at least 1"},
	} {
		diags := validateResource(t, "ntopng_user", tc.attrs)
		var errs []string
		for _, d := range diags {
			if d.Severity == 1 { // error
				errs = append(errs, d.Summary+": "+d.Detail)
			}
		}
		got := strings.Join(errs, "\n")
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("%s: errors %q, want %q", tc.name, got, tc.want)
		}
	}
	// admin made unprivileged: a warning.
	diags := validateResource(t, "ntopng_user", base(map[string]tftypes.Value{"group": str("unprivileged")}))
	if len(diags) != 1 || !strings.Contains(diags[0].Summary, "admin Without Administrator Rights") {
		t.Errorf("want one warning for unprivileged admin, got %v", diags)
	}
}

// TestAccUserThroughSudoRedisCLI: as the unprivileged deploy user with sudo = true, the Redis
// socket (mode 700, root's) cannot be opened through the tunnel: the resource goes through
// `sudo -n redis-cli` with everything on stdin, and the result is the same.
func TestAccUserThroughSudoRedisCLI(t *testing.T) {
	f := newUserFixture(t, true)
	cfg := strings.Replace(f.config("ops", `  username  = "ops"
  group     = "unprivileged"
  full_name = "Ops: night shift (NOC)"`), providerConfig(f.s, f.s.Root), providerConfig(f.s, f.s.Deploy, "    sudo = true"), 1)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config: cfg, ConfigVariables: pwVar(webPwA),
				Check: resource.ComposeTestCheckFunc(f.checkUser(t, "ops", webPwA, "unprivileged", webusers.AllNets), func(*terraform.State) error {
					if got := f.cli(t, "GET", webusers.Key("ops", "full_name")); got != "Ops: night shift (NOC)" {
						return fmt.Errorf("full_name = %q", got)
					}
					return nil
				}),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ntopng_user.ops", tfjsonpath.New("password_fingerprint"), fingerprintRE),
				},
			},
			{
				PreConfig: func() { f.cli(t, "SET", webusers.Key("ops", "password"), webusers.PasswordHash("changed-in-the-ui")) },
				Config:    cfg, ConfigVariables: pwVar(webPwB),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ntopng_user.ops", plancheck.ResourceActionUpdate)}},
				Check: f.checkUser(t, "ops", webPwB, "unprivileged", webusers.AllNets),
			},
		},
	})
}
