package provider

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestAccSecretCensus applies every resource that takes a secret, with distinctive canary
// secrets (the Redis password, the certificate's private key, ntopng's Redis password), then
// searches every place a secret could leak to: the state files (private state decoded),
// `terraform show -json`, the plan JSON, the TRACE log of terraform and the provider, every
// file on the host under the folders the provider wrote to (backups and temporary files
// included) other than the intended targets, and the command lines of every process on the
// host, sampled during the applies. Zero hits.
func TestAccSecretCensus(t *testing.T) {
	workDirs := t.TempDir()
	t.Setenv("TF_ACC_TEMP_DIR", workDirs)
	logPath := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logPath)

	f := newInstanceFixture(t)
	f.s.Exec(t, "getent group ntop >/dev/null || groupadd --system ntop")
	dir := testhost.TempDir(t)
	r := testhost.StartRedis(t, testhost.RedisBaseConf(dir, testhost.FreePort(t)))
	sock := filepath.Join(dir, "redis.sock")
	pki := newTestPKI(t)
	cert, key := pki.leaf(t, leafOpts{})
	const redisPw = "CensusRedisPw-0123456789abcdefghijKLMN"
	keyLines := strings.Split(strings.TrimSpace(key), "\n")
	canaries := map[string]string{
		"the Redis password":      redisPw,
		"the certificate's key":   keyMarker(key),
		"the password's SHA-256":  plainSHA256(redisPw),
		"the key's last PEM line": keyLines[len(keyLines)-2],
	}
	cfg := providerConfig(f.s, f.s.Root) + fmt.Sprintf(`
variable "pw" {
  type      = string
  ephemeral = true
}
variable "key" {
  type      = string
  ephemeral = true
}
resource "ntopng_redis" "r" {
  host            = "127.0.0.1"
  config_path     = %s
  unixsocket      = %s
  unixsocketperm  = "777"
  restart_command = %s
  requirepass_wo  = var.pw
}
resource "ntopng_tls_cert" "c" {
  host               = "127.0.0.1"
  certificate_pem    = %s
  ca_chain_pem       = %s
  private_key_pem_wo = var.key
  path               = %s
  restart_command    = %s
}
resource "ntopng_instance" "i" {
  host              = "127.0.0.1"
  config_path       = %s
  cert_path         = ntopng_tls_cert.c.path
  data_dir          = %s
  restart_command   = %s
  https_listen      = %s
  redis             = { socket = ntopng_redis.r.unixsocket }
  redis_password_wo = var.pw
}
`, hcl(r.ConfPath), hcl(sock), hcl(r.RestartScript), hcl(cert), hcl(pki.chainPEM()), hcl(f.certPath), hcl(f.n.RestartScript),
		hcl(f.n.ConfPath), hcl(f.dataDir), hcl(f.n.RestartScript), hcl(fmt.Sprintf("127.0.0.1:%d", f.httpsPort)))
	vars := redisVars(redisPw)
	vars["key"] = keyVar(key)["key"]
	check := canaryCheck{canaries: canaries, mustHave: "ntopng_instance"}

	// The command lines of every process in the test host's namespace (its sessions: sftp-server,
	// sh, the restart scripts, whatever the provider starts), sampled during the applies.
	sampler := testhost.WatchCmdlines(f.s.NamespacePIDs, canaries)
	places := map[string]int{}
	count := func(where string) resource.TestCheckFunc {
		return func(*terraform.State) error { places[where]++; return nil }
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: cfg, ConfigVariables: vars,
			ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{check}},
			ConfigStateChecks: []statecheck.StateCheck{check},
			Check: resource.ComposeAggregateTestCheckFunc(checkStateLacks(workDirs, `"ntopng_instance"`, canaries),
				count("plan JSON"), count("terraform show -json"), count("state files")),
		}, {
			// Rotation: the secrets are written again.
			Config: strings.Replace(strings.Replace(cfg, "requirepass_wo  = var.pw", "requirepass_wo  = var.pw\n  requirepass_wo_version = 2", 1),
				"redis_password_wo = var.pw", "redis_password_wo = var.pw\n  redis_password_wo_version = 2", 1),
			ConfigVariables:   vars,
			ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{check}},
			ConfigStateChecks: []statecheck.StateCheck{check},
			Check: resource.ComposeAggregateTestCheckFunc(checkStateLacks(workDirs, `"ntopng_instance"`, canaries),
				count("plan JSON"), count("terraform show -json"), count("state files")),
		}},
	})
	sweeps, hits := sampler.Stop()
	if len(hits) > 0 {
		t.Errorf("secrets on command lines: %v", hits)
	}
	if sweeps == 0 {
		t.Error("the process sampler read no command line: the search proves nothing")
	}

	// The TRACE log of terraform and the provider.
	b, err := os.ReadFile(logPath)
	if err != nil || !strings.Contains(string(b), "ntopng_tls_cert") {
		t.Fatalf("no TRACE log at %s (%v): the search would prove nothing", logPath, err)
	}
	for name, c := range canaries {
		if strings.Contains(string(b), c) {
			t.Errorf("%s is in the TRACE log", name)
		}
	}

	// Every file under the folders the provider wrote to, in the host's view.
	targets := map[string]bool{r.ConfPath: true, f.n.ConfPath: true, f.certPath: true}
	roots := []string{filepath.Dir(r.ConfPath), f.n.Dir, filepath.Join(f.s.Dir, "etc", "terraform-provider-ntopng")}
	files := 0
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !d.Type().IsRegular() {
				return err
			}
			// The harness's own files: the stand-in's restart script joins the configuration
			// into run.conf (as ntop's unit does into /run/ntopng.conf), and the servers log.
			if p == filepath.Join(f.n.Dir, "run.conf") || strings.HasSuffix(p, ".log") {
				return nil
			}
			files++
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for name, c := range canaries {
				if !strings.Contains(string(b), c) {
					continue
				}
				fi, _ := os.Stat(p)
				if !targets[p] {
					t.Errorf("%s is in %s (mode %04o), a file the provider left beside its targets", name, p, fi.Mode().Perm())
				} else if fi.Mode().Perm()&0o007 != 0 {
					t.Errorf("%s is in the target %s, readable by every user (mode %04o)", name, p, fi.Mode().Perm())
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("census: searched %d state/show/plan snapshots, 1 TRACE log (%d bytes), %d host files, %d sweeps of the host's process command lines",
		places["plan JSON"]+places["terraform show -json"]+places["state files"], len(b), files, sweeps)
}
