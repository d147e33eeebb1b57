package provider

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// TestAccInstanceSilentUnitIsDriftAtOnce: ntopng's unit is active but its process listens
// nowhere (stuck, or still starting). A read reports that as it is, drift, with ONE unit check:
// it does not ask again and again while waiting for listeners (it waited up to 20 s per host,
// so a plan over 100 such hosts took minutes). Only apply's verification waits.
func TestAccInstanceSilentUnitIsDriftAtOnce(t *testing.T) {
	f := newInstanceFixture(t)
	f.writeCert(t)
	cfg := f.config(fmt.Sprintf("  https_listen = \"127.0.0.1:%d\"\n", f.httpsPort))
	var execsBefore int64
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				// The unit's main process is now one that listens nowhere.
				PreConfig: func() {
					silent := exec.Command("sleep", "600")
					if err := silent.Start(); err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { silent.Process.Kill(); silent.Wait() })
					pidFile := filepath.Join(testhost.TempDir(t), "silent.pid")
					if err := os.WriteFile(pidFile, []byte(strconv.Itoa(silent.Process.Pid)+"\n"), 0o644); err != nil {
						t.Fatal(err)
					}
					f.s.ServeUnit(t, "ntopng.service", pidFile)
					execsBefore = transport.GlobalStats().Execs
				},
				Config:             cfg,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("ntopng_instance.probe", plancheck.ResourceActionUpdate),
						execsAtMost(&execsBefore, 2),
					},
				},
			},
		},
	})
}

// execsAtMost is a plan check: since *before, at most n commands ran on hosts. The plan step
// refreshes twice (plan, then the check's refresh): one unit check each.
func execsAtMost(before *int64, n int64) plancheck.PlanCheck { return execsCheck{before, n} }

type execsCheck struct {
	before *int64
	n      int64
}

func (c execsCheck) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if got := transport.GlobalStats().Execs - *c.before; got > c.n {
		resp.Error = fmt.Errorf("the plan ran %d commands on the host, want at most %d: a read of a silent unit asked again", got, c.n)
	}
}
