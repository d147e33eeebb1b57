package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/hardenops/terraform-provider-ntopng/internal/redisconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// Passwords the tests write; each is valid for ntopng's --redis (32..64 characters, no
// quotes, whitespace, backslash or backtick). '#' and '$' make Quote double-quote the value.
const (
	redisPwA = "tfA#Zq8v$L2mN7pR4sT9wX3yB6cD1fG5hJ0k"
	redisPwB = "tfB-Hk4nP8qS2uV6xZ0aC3eF7gJ1mL5oR9tW"
)

// redisFixture is one test host: sshd, and a real redis-server in the stock insecure state
// (TCP, no password) whose config file also holds lines the operator wrote.
type redisFixture struct {
	s      *testhost.SSHD
	r      *testhost.Redis
	sock   string
	tcp    int
	orig   string
	stored map[string]string
}

// redisOperatorHead and redisOperatorTail are unmanaged lines that must survive every apply.
const (
	redisOperatorHead = "# operator's note: this line stays byte for byte\n"
	redisOperatorTail = "maxmemory 64mb\n  # an indented comment\twith a tab\nmaxmemory-policy allkeys-lru\n"
)

func startRedisFixture(t *testing.T) *redisFixture {
	t.Helper()
	f := &redisFixture{s: testhost.StartSSHD(t, testhost.Options{}), stored: map[string]string{}}
	dir := testhost.TempDir(t)
	f.tcp = testhost.FreePort(t)
	f.orig = redisOperatorHead + testhost.RedisBaseConf(dir, f.tcp) + redisOperatorTail
	f.r = testhost.StartRedis(t, f.orig)
	f.sock = filepath.Join(dir, "redis.sock")
	return f
}

// config renders the provider and the resource; body holds extra attributes. The password
// comes from the ephemeral variable "pw" (see vars).
func (f *redisFixture) config(body string) string {
	return providerConfig(f.s, f.s.Root) + fmt.Sprintf(`
variable "pw" {
  type      = string
  ephemeral = true
}
resource "ntopng_redis" "test" {
  host            = "127.0.0.1"
  config_path     = %s
  unixsocket      = %s
  restart_command = %s
  requirepass_wo  = var.pw
%s
}
`, hcl(f.r.ConfPath), hcl(f.sock), hcl(f.r.RestartScript), body)
}

func redisVars(pw string) config.Variables {
	return config.Variables{"pw": config.StringVariable(pw)}
}

// socketMode points the harness client at the Unix socket (the server has no TCP any more).
func (f *redisFixture) socketMode() {
	f.r.Port, f.r.Socket = 0, f.sock
}

func (f *redisFixture) conf(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(f.r.ConfPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (f *redisFixture) writeConf(t *testing.T, data string) {
	t.Helper()
	if err := os.WriteFile(f.r.ConfPath, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// hardenedConf is the exact file the first apply must produce from f.orig: managed lines
// replaced where they stood, the others appended in one marked block, nothing else touched.
// The enable-* lines assume the machine's redis-server 7.0 or later.
func (f *redisFixture) hardenedConf(pw string, renames ...string) string {
	out := strings.Replace(f.orig, fmt.Sprintf("\nport %d\n", f.tcp), "\nport 0\n", 1)
	out = strings.Replace(out, "\nbind 127.0.0.1\n", "\nbind 127.0.0.1 -::1\n", 1)
	out += "\n" + redisconf.Marker + "\n" +
		"unixsocket " + f.sock + "\n" +
		"unixsocketperm 770\n" +
		"requirepass " + redisconf.Quote(pw) + "\n" +
		// The test machine's redis-server is 7.0 (Debian 12): the enable-* directives exist.
		"enable-debug-command no\nenable-module-command no\nenable-protected-configs no\n"
	for _, r := range renames {
		out += "rename-command " + r + " \"\"\n"
	}
	return out
}

// checkRedisLocked asserts, with a real client from outside the provider, that Redis
// refuses an unauthenticated client, accepts pw, and no longer listens on the old TCP port.
func (f *redisFixture) checkRedisLocked(t *testing.T, pw string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		f.socketMode()
		if _, err := f.r.Do(t, "PING"); err == nil || !strings.HasPrefix(err.Error(), "NOAUTH") {
			return fmt.Errorf("unauthenticated PING: want a NOAUTH error, got %v", err)
		}
		if got, err := f.r.DoAuth(t, pw, "PING"); err != nil || got != "PONG" {
			return fmt.Errorf("PING after AUTH: got %q, %v", got, err)
		}
		if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(f.tcp)), 2*time.Second); err == nil {
			c.Close()
			return fmt.Errorf("Redis still accepts TCP connections on port %d", f.tcp)
		}
		return nil
	}
}

// noSecretInPlan fails when a password appears anywhere in the plan (JSON form, which holds
// everything `terraform show` prints, sensitive values included).
type noSecretInPlan struct{ secrets []string }

func (c noSecretInPlan) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	b, err := json.Marshal(req.Plan)
	if err != nil || !bytes.Contains(b, []byte("ntopng_redis.test")) {
		resp.Error = fmt.Errorf("plan not readable or without ntopng_redis.test (%v, %d bytes)", err, len(b))
		return
	}
	for _, s := range c.secrets {
		if bytes.Contains(b, []byte(s)) {
			resp.Error = errors.New("a Redis password is in the plan")
		}
	}
}

// checkNoSecretInStateFiles reads every terraform.tfstate under dir (the test's working
// directories, private state included) and fails when a password appears in one.
func checkNoSecretInStateFiles(dir string, secrets ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		found := 0
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasPrefix(d.Name(), "terraform.tfstate") {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if !bytes.Contains(b, []byte(`"ntopng_redis"`)) {
				return nil
			}
			found++
			for _, s := range secrets {
				if bytes.Contains(b, []byte(s)) {
					return fmt.Errorf("a Redis password is in the state file %s", p)
				}
			}
			return nil
		})
		if err == nil && found == 0 {
			err = fmt.Errorf("no state file holding ntopng_redis under %s", dir)
		}
		return err
	}
}

func TestAccRedisHardensFreshRedis(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "tf.log")
	t.Setenv("TF_ACC_LOG_PATH", logPath) // TRACE for terraform and the provider under test
	workDirs := t.TempDir()
	t.Setenv("TF_ACC_TEMP_DIR", workDirs) // where the state files are written

	f := startRedisFixture(t)
	renames := `rename_commands = { FLUSHALL = "", DEBUG = "" }`
	v1 := f.config(renames + "\n  requirepass_wo_version = 1")
	v2 := f.config(renames + "\n  requirepass_wo_version = 2")
	const addr = "ntopng_redis.test"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				// A fresh insecure Redis becomes password-protected and TCP-less.
				Config:          v1,
				ConfigVariables: redisVars(redisPwA),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
					noSecretInPlan{[]string{redisPwA}},
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("127.0.0.1:"+f.r.ConfPath)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("requirepass_sha256"), keyedHashOf{f.s, redisPwA}),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("live_auth_required"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("live_tcp_listening"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("config_files"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(f.r.ConfPath)})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("requirepass_wo"), knownvalue.Null()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					// Unmanaged lines survive byte for byte; managed ones are in place or in the block.
					func(*terraform.State) error {
						if got, want := f.conf(t), f.hardenedConf(redisPwA, "DEBUG", "FLUSHALL"); got != want {
							return fmt.Errorf("redis.conf after apply:\n--- got\n%s--- want\n%s", got, want)
						}
						return nil
					},
					// The file kept its owner; the harness wrote it 0644, and other users lost their
					// read access, since it now holds the password.
					func(*terraform.State) error {
						if got := strings.TrimSpace(f.s.Exec(t, "stat -c %U:%a "+f.r.ConfPath)); got != "root:640" {
							return fmt.Errorf("redis.conf is %s, want root:640", got)
						}
						return nil
					},
					f.checkRedisLocked(t, redisPwA),
					func(*terraform.State) error {
						if got, err := f.r.DoAuth(t, redisPwA, "CONFIG", "GET", "maxmemory"); err != nil || got != "maxmemory\n67108864" {
							return fmt.Errorf("CONFIG GET maxmemory (an unmanaged line): got %q, %v", got, err)
						}
						if _, err := f.r.DoAuth(t, redisPwA, "FLUSHALL"); err == nil || !strings.Contains(err.Error(), "unknown command") {
							return fmt.Errorf("FLUSHALL should be renamed away, got %v", err)
						}
						return nil
					},
				),
			},
			{
				// Another value for requirepass_wo without a version bump (an ephemeral random
				// password): nothing to do, the host keeps the password.
				Config:          v1,
				ConfigVariables: redisVars(redisPwB),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				Check: f.checkRedisLocked(t, redisPwA),
			},
			{
				// Import (an import block, as an operator adopting this host would write it), then
				// plan: a no-op. Import cannot know the settings that live only in Terraform, so
				// this configuration leaves them at their defaults (restart_command is not run
				// by a plan) and requirepass_wo_version at 1; the host's password is adopted.
				ResourceName:    addr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				Config:          strings.Replace(v1, "  restart_command = "+hcl(f.r.RestartScript)+"\n", "", 1),
				ConfigVariables: redisVars(redisPwB),
			},
			{
				// Rotation: bump the version.
				Config:          v2,
				ConfigVariables: redisVars(redisPwB),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(addr, tfjsonpath.New("requirepass_sha256")),
					noSecretInPlan{[]string{redisPwA, redisPwB}},
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("requirepass_sha256"), keyedHashOf{f.s, redisPwB}),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					f.checkRedisLocked(t, redisPwB),
					func(*terraform.State) error {
						if _, err := f.r.DoAuth(t, redisPwA, "PING"); err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
							return fmt.Errorf("the old password should be refused with WRONGPASS, got %v", err)
						}
						if got, want := f.conf(t), f.hardenedConf(redisPwB, "DEBUG", "FLUSHALL"); got != want {
							return fmt.Errorf("redis.conf after rotation:\n--- got\n%s--- want\n%s", got, want)
						}
						return nil
					},
					checkNoSecretInStateFiles(workDirs, redisPwA, redisPwB),
				),
			},
		},
	})

	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(log, []byte("ntopng_redis")) || !bytes.Contains(log, []byte("redis.conf applied")) {
		t.Fatalf("the debug log %s holds no trace of the provider (%d bytes): the check below would prove nothing", logPath, len(log))
	}
	for _, pw := range []string{redisPwA, redisPwB} {
		if bytes.Contains(log, []byte(pw)) {
			t.Errorf("a Redis password is in the debug log %s", logPath)
		}
	}
}

func TestAccRedisDriftIsRepaired(t *testing.T) {
	f := startRedisFixture(t)
	cfg := f.config("")
	vars := redisVars(redisPwA)
	const addr = "ntopng_redis.test"
	var applied string // redis.conf as the provider left it
	inc := filepath.Join(filepath.Dir(f.r.ConfPath), "override.conf")
	const override = "# the operator's include\nbind 0.0.0.0\n"
	var withInclude string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config: cfg, ConfigVariables: vars,
				Check: resource.ComposeAggregateTestCheckFunc(
					f.checkRedisLocked(t, redisPwA),
					func(*terraform.State) error { applied = f.conf(t); return nil },
				),
			},
			{
				// An out-of-band edit of the file (not yet applied by Redis).
				PreConfig: func() {
					f.writeConf(t, strings.Replace(applied, "\nport 0\n", fmt.Sprintf("\nport %d\n", f.tcp), 1))
				},
				Config: cfg, ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("port"), knownvalue.Int64Exact(0)),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error {
						if got := f.conf(t); got != applied {
							return fmt.Errorf("redis.conf after the repair:\n--- got\n%s--- want\n%s", got, applied)
						}
						return nil
					},
					f.checkRedisLocked(t, redisPwA),
				),
			},
			{
				// Someone removes the password at runtime: the file is right, the server is not.
				PreConfig: func() {
					if _, err := f.r.DoAuth(t, redisPwA, "CONFIG", "SET", "requirepass", ""); err != nil {
						t.Fatalf("CONFIG SET requirepass: %v", err)
					}
					if got, err := f.r.Do(t, "PING"); err != nil || got != "PONG" {
						t.Fatalf("after CONFIG SET requirepass \"\" an unauthenticated PING should work: %q, %v", got, err)
					}
				},
				Config: cfg, ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("live_auth_required"), knownvalue.Bool(true)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("live_auth_required"), knownvalue.Bool(true)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					f.checkRedisLocked(t, redisPwA),
					func(*terraform.State) error {
						if got := f.conf(t); got != applied {
							return fmt.Errorf("the file was right and should not change:\n--- got\n%s--- want\n%s", got, applied)
						}
						return nil
					},
				),
			},
			{
				// An included file overrides bind: drift, and apply refuses naming the file.
				PreConfig: func() {
					if err := os.WriteFile(inc, []byte(override), 0o644); err != nil {
						t.Fatal(err)
					}
					withInclude = applied + "include " + inc + "\n"
					f.writeConf(t, withInclude)
				},
				Config: cfg, ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("bind"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("127.0.0.1"), knownvalue.StringExact("-::1"),
					})),
				}},
				ExpectError: regexp.MustCompile(`(?s)` + regexp.QuoteMeta(inc) + ` line 2 sets bind.*never edits files`),
			},
			{
				// Neither file was touched; once the operator removes the override the host is right.
				PreConfig: func() {
					if got := f.conf(t); got != withInclude {
						t.Fatalf("the refused apply changed redis.conf:\n%s", got)
					}
					if got, _ := os.ReadFile(inc); string(got) != override {
						t.Fatalf("the provider edited the included file: %q", got)
					}
					if err := os.WriteFile(inc, []byte("# the operator's include\nmaxclients 100\n"), 0o644); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg, ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("config_files"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact(f.r.ConfPath), knownvalue.StringExact(inc),
					})),
				},
			},
		},
	})
}

func TestAccRedisFailedRestartRollsBack(t *testing.T) {
	f := startRedisFixture(t)
	vars := redisVars(redisPwA)
	var before string
	missing := filepath.Join(filepath.Dir(f.sock), "missing", "redis.sock")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config: f.config(""), ConfigVariables: vars,
				Check: func(*terraform.State) error { before = f.conf(t); return nil },
			},
			{
				// The socket's folder does not exist: Redis cannot start with the new file.
				Config:          strings.Replace(f.config(""), hcl(f.sock), hcl(missing), 1),
				ConfigVariables: vars,
				ExpectError:     regexp.MustCompile(`(?s)Failed opening Unix\s+socket.*previous\s+\S*redis\.conf\s+was\s+put\s+back\s+and\s+the\s+service\s+restarted\s+with\s+it`),
			},
			{
				PreConfig: func() {
					if got := f.conf(t); got != before {
						t.Fatalf("the failed apply left another redis.conf:\n--- got\n%s--- want\n%s", got, before)
					}
				},
				Config: f.config(""), ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            f.checkRedisLocked(t, redisPwA),
			},
		},
	})
}

func TestAccRedisPlanTimeErrors(t *testing.T) {
	f := startRedisFixture(t)
	cases := []struct{ pw, want string }{
		{"too-short-password", `(?s)requirepass_wo.*shorter than 32`},
		{"has a space in it and is long enough 1234", `(?s)requirepass_wo.*whitespace`},
		{"has`a`backtick`and`is`long`enough`1234567", `(?s)requirepass_wo.*backtick`},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config: f.config(""), ConfigVariables: redisVars(c.pw), PlanOnly: true,
			ExpectError: regexp.MustCompile(c.want),
		})
	}
	steps = append(steps,
		resource.TestStep{
			Config:          providerConfig(f.s, f.s.Root) + `resource "ntopng_redis" "test" { host = "127.0.0.1" }`,
			PlanOnly:        true,
			ExpectError:     regexp.MustCompile(`(?s)Redis Password Missing`),
			ConfigVariables: nil,
		},
		resource.TestStep{Config: f.config(""), ConfigVariables: redisVars(redisPwA)},
		resource.TestStep{
			// aclfile makes Redis ignore requirepass: refused at plan time, saying why.
			PreConfig: func() {
				f.writeConf(t, f.conf(t)+"aclfile "+filepath.Join(filepath.Dir(f.r.ConfPath), "users.acl")+"\n")
			},
			Config: f.config(""), ConfigVariables: redisVars(redisPwA), PlanOnly: true,
			ExpectError: regexp.MustCompile(`(?s)requirepass Would Be Ignored.*aclfile is set.*ignores requirepass`),
		},
	)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps:                    steps,
	})
}

// TestAccRedisDestroyRestoresOriginal: with on_destroy = "restore", destroy puts back the
// operator's redis.conf byte for byte and restarts Redis, which then answers without a
// password again; without a kept original it warns and leaves the hardened file. The resource
// is created with the default on_destroy ("keep") and switched to "restore" later: the
// original is kept from the first apply whatever on_destroy said then.
func TestAccRedisDestroyRestoresOriginal(t *testing.T) {
	f := startRedisFixture(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy: func(*terraform.State) error {
			if got := f.conf(t); got != f.orig {
				return fmt.Errorf("after destroy redis.conf is\n%s\nwant the original\n%s", got, f.orig)
			}
			f.r.Port, f.r.Socket = f.tcp, ""
			if got, err := f.r.Do(t, "PING"); err != nil || got != "PONG" {
				return fmt.Errorf("the restored Redis (TCP %d, no password): PING = %q, %v", f.tcp, got, err)
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config:          f.config(`requirepass_wo_version = 1`),
			ConfigVariables: redisVars(redisPwA),
			Check:           f.checkRedisLocked(t, redisPwA),
		}, {
			Config:          f.config(`on_destroy = "restore"` + "\n  requirepass_wo_version = 1"),
			ConfigVariables: redisVars(redisPwA),
			Check:           f.checkRedisLocked(t, redisPwA),
		}},
	})
}
