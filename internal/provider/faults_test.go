package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/testconn"
	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// faultStand is a host reached through a proxy that can refuse, cut and retarget
// connections, with a certificate file managed by ntopng_tls_cert.
type faultStand struct {
	s        *testhost.SSHD
	px       *testhost.Proxy
	certPath string
	pki      *testPKI
}

func newFaultStand(t *testing.T) *faultStand {
	t.Helper()
	f := &faultStand{s: testhost.StartSSHD(t, testhost.Options{}), pki: newTestPKI(t)}
	f.px = testhost.StartProxy(t, f.s.Addr)
	dir := filepath.Join(f.s.Dir, "ssl")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f.certPath = filepath.Join(dir, "ntopng-cert.pem")
	return f
}

// config: the certificate (key in the state: no ephemeral variable to pass) through the proxy.
func (f *faultStand) config(cert, key, path, restart string) string {
	return fmt.Sprintf(`
provider "ntopng" {
  ssh {
    user        = "root"
    port        = %d
    private_key = %s
    host_key    = %s
    timeout     = "5s"
  }
}
resource "ntopng_tls_cert" "web" {
  host            = "127.0.0.1"
  certificate_pem = %s
  private_key_pem = %s
  path            = %s
  group           = "root"
  mode            = "0600"
  restart_command = %s
}
`, f.px.Port, hcl(f.s.Root.PrivateKey), hcl(f.s.HostKey), hcl(cert), hcl(key), hcl(path), hcl(restart))
}

// interruptedApply leaves the host as a provider killed in the middle of an apply would:
// data written to the file, the journal holding the file as it was, the service restarted,
// and no rollback (the host became unreachable before the check ended).
func (f *faultStand) interruptedApply(t *testing.T, data string) {
	t.Helper()
	cfg := testconn.Config(f.s, f.s.Root)
	cfg.Target.Port, cfg.Timeout = f.px.Port, 3*time.Second
	c, providerGone := testconn.Open(t, cfg)
	defer providerGone()
	_, err := hostchange.Apply(context.Background(), c, hostchange.Change{
		Files:   []hostchange.File{{Path: f.certPath, Data: []byte(data), Mode: 0o600, UID: 0, GID: 0}},
		Restart: "true",
		Verify: func(context.Context) error {
			f.px.Refuse(true)
			f.px.DropAll()
			return errors.New("connection cut during the check")
		},
	})
	f.px.Refuse(false)
	if err == nil || !strings.Contains(err.Error(), hostchange.JournalPath(f.certPath)) {
		t.Fatalf("the interrupted apply said %v; want the journal named", err)
	}
	if got := readFile(t, f.certPath); got != data {
		t.Fatal("the interrupted apply did not leave its file")
	}
}

func noJournal(p string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if _, err := os.Stat(hostchange.JournalPath(p)); err == nil {
			return fmt.Errorf("%s is still there", hostchange.JournalPath(p))
		}
		return nil
	}
}

// TestAccFaultInterruptedApplyRecovered: an apply interrupted after the write (connection
// lost, provider gone) is rolled back by the next refresh from the journal on the host: the
// plan is empty again, the file is the applied one, the journal is gone.
func TestAccFaultInterruptedApplyRecovered(t *testing.T) {
	f := newFaultStand(t)
	cert, key := f.pki.leaf(t, leafOpts{})
	cert2, key2 := f.pki.leaf(t, leafOpts{})
	cfg := f.config(cert, key, f.certPath, "")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{Config: cfg, Check: checkFile(f.certPath, key+cert)},
			{
				PreConfig: func() { f.interruptedApply(t, key2+cert2) },
				Config:    cfg,
				PlanOnly:  true, // the refresh put the file back: nothing to change
			},
			{
				Config: cfg,
				Check:  resource.ComposeAggregateTestCheckFunc(checkFile(f.certPath, key+cert), noJournal(f.certPath)),
			},
			{
				// Interrupted again; this time the next apply (no refresh) finds the journal,
				// finishes the change and removes the journal.
				PreConfig: func() { f.interruptedApply(t, key2+cert2) },
				Config:    f.config(cert2, key2, f.certPath, ""),
				Check:     resource.ComposeAggregateTestCheckFunc(checkFile(f.certPath, key2+cert2), noJournal(f.certPath)),
			},
		},
	})
}

// TestAccFaultUnreachableAndHostKeyChanged: a host unreachable during refresh, then one
// whose key changed, each fail the plan with an error naming the host and what to do, and
// leave the file as it was.
func TestAccFaultUnreachableAndHostKeyChanged(t *testing.T) {
	f := newFaultStand(t)
	other := testhost.StartSSHD(t, testhost.Options{}) // same file system, another host key
	cert, key := f.pki.leaf(t, leafOpts{})
	cfg := f.config(cert, key, f.certPath, "")
	addr := regexp.QuoteMeta(f.px.Addr)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{Config: cfg, Check: checkFile(f.certPath, key+cert)},
			{
				PreConfig:   func() { f.px.Refuse(true); f.px.DropAll() },
				Config:      cfg,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Cannot Connect to Host[\s\S]*` + addr),
			},
			{
				PreConfig:   func() { f.px.Refuse(false); f.px.Retarget(other.Addr) },
				Config:      cfg,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`host key mismatch for\s+` + addr + `[\s\S]*` + regexp.QuoteMeta(f.s.HostKeyFingerprint)),
			},
			{
				PreConfig: func() { f.px.Retarget(f.s.Addr) },
				Config:    cfg,
				Check:     resource.ComposeAggregateTestCheckFunc(checkFile(f.certPath, key+cert), noJournal(f.certPath)),
			},
		},
	})
}

// TestAccFaultTwoAppliesAtOnce: two `terraform apply` in two working directories change
// files of one host at the same time, both restarting the same service: the restarts run
// one at a time (the restart command notes any overlap), and both applies succeed.
func TestAccFaultTwoAppliesAtOnce(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (its check reads what the applies left)")
	}
	f := newFaultStand(t)
	dir := testhost.TempDir(t)
	log := filepath.Join(dir, "restarts.log")
	restart := fmt.Sprintf("if mkdir %[1]s/busy 2>/dev/null; then sleep 1; rmdir %[1]s/busy; echo restart >> %[2]s; "+
		"else echo overlap >> %[2]s; fi", dir, log)
	var wg sync.WaitGroup
	for i, name := range []string{"a.pem", "b.pem"} {
		p := filepath.Join(filepath.Dir(f.certPath), name)
		cert, key := f.pki.leaf(t, leafOpts{})
		wg.Add(1)
		t.Run(fmt.Sprintf("apply_%d", i), func(t *testing.T) {
			t.Parallel()
			defer wg.Done()
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { preCheck(t) },
				ProtoV6ProviderFactories: protoV6Factories,
				Steps:                    []resource.TestStep{{Config: f.config(cert, key, p, restart), Check: checkFile(p, key+cert)}},
			})
		})
	}
	t.Cleanup(func() {
		wg.Wait()
		got := readFile(t, log)
		if got != "restart\nrestart\n" {
			t.Errorf("restart log:\n%s\nwant two restarts, none overlapping", got)
		}
	})
}
