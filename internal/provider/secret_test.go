package provider

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/hardenops/terraform-provider-ntopng/internal/redisconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// keyedHashOf checks, when the state is checked, that a value is keyedHash(secret) under the
// key the provider left in the test host's /etc (read then, since it is made by the apply).
type keyedHashOf struct {
	s      *testhost.SSHD
	secret string
}

func (k keyedHashOf) CheckValue(v any) error {
	got, ok := v.(string)
	if !ok {
		return fmt.Errorf("expected a string, got %T", v)
	}
	key, err := os.ReadFile(filepath.Join(k.s.Dir, "etc", strings.TrimPrefix(hashKeyPath, "/etc/")))
	if err != nil {
		return fmt.Errorf("the hash key is not on the host: %v", err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(k.secret))
	if want := keyedHashForm + hex.EncodeToString(m.Sum(nil)); got != want {
		return fmt.Errorf("got %q, want the keyed hash %q", got, want)
	}
	return nil
}

func (k keyedHashOf) String() string { return "keyed hash of the password" }

// plainSHA256 is what the state held before the hashes were keyed.
func plainSHA256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// stateTexts returns every terraform.tfstate* file under dir, each followed by the decoded
// private state of its resources (base64 in the file, so a plain search would miss it).
func stateTexts(dir string) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasPrefix(d.Name(), "terraform.tfstate") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		text := string(b)
		var st struct {
			Resources []struct {
				Instances []struct {
					Private string `json:"private"`
				} `json:"instances"`
			} `json:"resources"`
		}
		if json.Unmarshal(b, &st) == nil {
			for _, r := range st.Resources {
				for _, i := range r.Instances {
					if dec, err := base64.StdEncoding.DecodeString(i.Private); err == nil {
						text += "\n" + string(dec)
					}
				}
			}
		}
		out[p] = text
		return nil
	})
	return out, err
}

// checkStateLacks fails when a needle occurs in a state file under dir (private state
// decoded), or when no state file mentions want (the search would prove nothing).
func checkStateLacks(dir, want string, needles map[string]string) tfresource.TestCheckFunc {
	return func(*terraform.State) error {
		texts, err := stateTexts(dir)
		if err != nil {
			return err
		}
		found := 0
		for p, text := range texts {
			if !strings.Contains(text, want) {
				continue
			}
			found++
			for what, n := range needles {
				if strings.Contains(text, n) {
					return fmt.Errorf("%s is in the state file %s", what, p)
				}
			}
		}
		if found == 0 {
			return fmt.Errorf("no state file under %s mentions %s", dir, want)
		}
		return nil
	}
}

// TestAccPasswordHashIsKeyed: the state keeps a keyed hash of the Redis password, not its
// plain SHA-256 (which a state reader could test guesses against), the key is root's and
// only on the host, and a password changed on the host still plans an update.
func TestAccPasswordHashIsKeyed(t *testing.T) {
	workDirs := t.TempDir()
	t.Setenv("TF_ACC_TEMP_DIR", workDirs)
	f := startRedisFixture(t)
	cfg := f.config("  requirepass_wo_version = 1")
	const addr = "ntopng_redis.test"
	secrets := map[string]string{
		"the password": redisPwA, "the plain SHA-256 of the password": plainSHA256(redisPwA),
		"the plain SHA-256 of the drifted password": plainSHA256(redisPwB),
	}
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []tfresource.TestStep{{
			Config: cfg, ConfigVariables: redisVars(redisPwA),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("requirepass_sha256"), keyedHashOf{f.s, redisPwA}),
			},
			Check: tfresource.ComposeAggregateTestCheckFunc(
				checkStateLacks(workDirs, `"ntopng_redis"`, secrets),
				func(*terraform.State) error {
					got := strings.TrimSpace(f.s.Exec(t, "stat -c '%U:%G %a %s' "+hashKeyDir+" "+hashKeyPath))
					if want := "root:root 700 "; !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "root:root 600 32") {
						return fmt.Errorf("hash key folder and file: %q, want root:root 700 and root:root 600 32 bytes", got)
					}
					return nil
				},
			),
		}, {
			// The password changed on the host behind Terraform's back: drift, repaired.
			PreConfig: func() {
				f.writeConf(t, strings.Replace(f.conf(t), "requirepass "+redisconf.Quote(redisPwA), "requirepass "+redisconf.Quote(redisPwB), 1))
			},
			Config: cfg, ConfigVariables: redisVars(redisPwA),
			ConfigPlanChecks: tfresource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				noSecretInPlan{[]string{redisPwA, redisPwB, plainSHA256(redisPwA), plainSHA256(redisPwB)}},
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("requirepass_sha256"), keyedHashOf{f.s, redisPwA}),
			},
			Check: tfresource.ComposeAggregateTestCheckFunc(
				f.checkRedisLocked(t, redisPwA),
				checkStateLacks(workDirs, `"ntopng_redis"`, secrets),
			),
		}},
	})
}

// TestPasswordHashesAreSensitive: the hash attributes are marked sensitive, so that plan
// output and CI logs do not show them either.
func TestPasswordHashesAreSensitive(t *testing.T) {
	for _, c := range []struct {
		r    resource.Resource
		attr string
	}{{NewRedisResource(), "requirepass_sha256"}, {NewInstanceResource(), "redis_password_sha256"}} {
		var resp resource.SchemaResponse
		c.r.Schema(context.Background(), resource.SchemaRequest{}, &resp)
		a, ok := resp.Schema.Attributes[c.attr].(rschema.StringAttribute)
		if !ok || !a.Sensitive {
			t.Errorf("%s is not a sensitive string attribute", c.attr)
		}
	}
}
