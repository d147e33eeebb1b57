package provider

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
	"github.com/hardenops/terraform-provider-ntopng/internal/unithardening"
)

// maxExposure is the goal of issue #21: `systemd-analyze security ntopng.service` at most 5.0.
const maxExposure = 5.0

// TestSandboxConfinement: on every release, the seed hardening with the confinement on (its
// default) on the real ntopng: the drop-in as rendered, the settings in effect in the unit and
// in the running process, an exposure of at most 5.0 (stock and confined figures logged),
// ntopng still serving HTTPS, reaching Redis over its socket, capturing on eth0 and writing its
// RRDs; drift when the drop-in is removed by hand and when another drop-in overrides a setting;
// a reboot; and confinement = false removing the drop-in.
func TestSandboxConfinement(t *testing.T) {
	onSandboxes(t, nil, testConfinement)
}

// exposure is the overall exposure `systemd-analyze security` gives ntopng.service.
func (f *sandboxFixture) exposure(t *testing.T) float64 {
	t.Helper()
	out := f.mustExec(t, "systemd-analyze security --no-pager ntopng.service | tail -n 1")
	m := regexp.MustCompile(`exposure level for ntopng\.service: ([0-9.]+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security: no exposure in %q", out)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func testConfinement(t *testing.T, f *sandboxFixture) {
	// ntopng_audit's service_confinement, read after the instance: it passes when confined.
	cfg := f.config("root", f.h.RootKey, false) + fmt.Sprintf(`
data "ntopng_audit" "probe" {
  host       = %q
  depends_on = [ntopng_instance.probe]
}
`, f.h.Addr)
	dropIn := unithardening.DropInPath("ntopng.service")
	stock, confinedExposure := f.exposure(t), 0.0
	want := string(unithardening.Render(unithardening.Settings("/var/lib/ntopng", nil)))
	confined := func(*terraform.State) error {
		var errs []error
		if got, err := f.exec("cat " + dropIn + "; stat -c '%U:%G %a' " + dropIn); err != nil || got != strings.TrimSpace(want)+"\nroot:root 644" {
			errs = append(errs, fmt.Errorf("%s = %q (%v), want the rendered drop-in, root:root 644", dropIn, got, err))
		}
		show, err := f.exec("systemctl show -p ProtectSystem,ProtectHome,PrivateTmp,NoNewPrivileges,RestrictAddressFamilies,ReadWritePaths,ProtectProc ntopng | sort")
		wantShow := "NoNewPrivileges=yes\nPrivateTmp=yes\nProtectHome=yes\nProtectProc=invisible\nProtectSystem=strict\n" +
			"ReadWritePaths=/run /var/lib/ntopng\nRestrictAddressFamilies=AF_INET AF_INET6 AF_NETLINK AF_PACKET AF_UNIX"
		if err != nil || show != wantShow {
			errs = append(errs, fmt.Errorf("systemctl show ntopng = %q (%v), want %q", show, err, wantShow))
		}
		// The running process, not only the unit: no new privileges, a seccomp filter, the bounding set.
		if got, err := f.exec(`grep -E '^(NoNewPrivs|Seccomp|CapBnd):' /proc/$(systemctl show -p MainPID --value ntopng)/status | tr -s '\t' ' '`); err != nil ||
			got != "CapBnd: 00000000000034c2\nNoNewPrivs: 1\nSeccomp: 2" {
			errs = append(errs, fmt.Errorf("ntopng's /proc status = %q (%v), want no_new_privs, seccomp and CapBnd 34c2 (dac_override setgid setuid net_bind_service net_admin net_raw)", got, err))
		}
		// Capture: a packet socket of the ntopng process bound to eth0 (/proc/net/packet lists
		// its inode), and RRDs written under the data directory after the restart.
		capture := `pid=$(systemctl show -p MainPID --value ntopng); ino=$(awk 'NR>1 {print $9}' /proc/net/packet); ` +
			`for i in $ino; do ls -l /proc/$pid/fd 2>/dev/null | grep -q "socket:\[$i\]" && echo capturing && break; done`
		if got, err := f.exec(capture); err != nil || got != "capturing" {
			errs = append(errs, fmt.Errorf("ntopng has no packet socket (%q, %v)", got, err))
		}
		if testhost.Until(testhost.RealClock{}, 2*time.Minute, 2*time.Second, func() error {
			if rrd, _ := f.exec(`find /var/lib/ntopng -name '*.rrd' -newer /proc/$(systemctl show -p MainPID --value ntopng)/cmdline -print -quit`); rrd == "" {
				return errors.New("no RRD yet")
			}
			return nil
		}) != nil {
			errs = append(errs, errors.New("ntopng wrote no RRD under /var/lib/ntopng since it started confined"))
		}
		if confinedExposure = f.exposure(t); confinedExposure > maxExposure {
			errs = append(errs, fmt.Errorf("systemd-analyze security ntopng.service: exposure %.1f, want at most %.1f", confinedExposure, maxExposure))
		}
		return errors.Join(errs...)
	}
	status := func(re string) statecheck.StateCheck {
		return statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("confinement_status"), knownvalue.StringRegexp(regexp.MustCompile(re)))
	}
	checks := append(f.stateChecks(), status(`^in effect$`))
	step := func(s resource.TestStep) resource.TestStep {
		if s.Config == "" {
			s.Config = cfg
		}
		s.ConfigVariables = f.vars()
		if s.Check == nil {
			s.Check = resource.ComposeTestCheckFunc(f.hardened(), confined,
				finding("service_confinement", "pass", `^in effect: ProtectSystem=strict, ProtectHome=yes, .*NoNewPrivileges=yes, .*SystemCallFilter=\(an allow list\)`))
			s.ConfigStateChecks = checks
		}
		return s
	}
	update := func(re string) resource.ConfigPlanChecks {
		return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			plancheck.ExpectResourceAction("ntopng_instance.probe", plancheck.ResourceActionUpdate),
			expectRefreshed{"ntopng_instance.probe", "confinement_status", regexp.MustCompile(re)},
		}}
	}
	override := "/etc/systemd/system/ntopng.service.d/zz-override.conf"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			step(resource.TestStep{}),
			step(resource.TestStep{ // the drop-in removed by hand, systemd reloaded, ntopng restarted unconfined
				PreConfig: func() {
					f.mustExec(t, "rm "+dropIn+" && systemctl daemon-reload && systemctl restart ntopng")
					f.waitListener(t, "ntopng", f.https)
				},
				ConfigPlanChecks: update(`drop-in .* is missing`),
			}),
			step(resource.TestStep{ // the drop-in edited, systemd not reloaded: the file and the reload are drift
				PreConfig:        func() { f.mustExec(t, "sed -i 's/^ProtectHome=yes$/ProtectHome=no/' "+dropIn) },
				ConfigPlanChecks: update(`was changed; the unit changed on disk and systemd was not reloaded`),
			}),
			{ // a setting overridden by another drop-in: not in effect, drift in the plan
				RefreshState: true, ExpectNonEmptyPlan: true,
				PreConfig: func() {
					f.mustExec(t, "printf '[Service]\\nProtectSystem=no\\n' > "+override+" && systemctl daemon-reload")
				},
				Check: resource.TestMatchResourceAttr("ntopng_instance.probe", "confinement_status", regexp.MustCompile(`ProtectSystem is "no" in the unit, want "strict"`)),
			},
			{ // and apply fails, naming it, with the files as they were
				Config: cfg, ConfigVariables: f.vars(),
				ExpectError: regexp.MustCompile(`ProtectSystem is "no" in the unit`),
			},
			step(resource.TestStep{ // the override gone (ntopng still runs confined): nothing to do
				PreConfig:        func() { f.mustExec(t, "rm "+override+" && systemctl daemon-reload") },
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			}),
			step(resource.TestStep{ // the confinement survives a reboot
				PreConfig:        func() { f.reboot(t) },
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			}),
			step(resource.TestStep{ // confinement = false removes the drop-in
				PreConfig: func() { f.unconfined = true },
				Config:    strings.Replace(cfg, "redis_password_wo = var.pw", "redis_password_wo = var.pw\n  confinement       = false", 1),
				Check: resource.ComposeTestCheckFunc(f.hardened(), finding("service_confinement", "fail", `ProtectSystem is "no" in the unit`), func(*terraform.State) error {
					if got, _ := f.exec("test -e " + dropIn + " && echo present; systemctl show -p ProtectSystem --value ntopng"); got != "no" {
						return fmt.Errorf("after confinement = false: %q, want no drop-in and ProtectSystem=no", got)
					}
					return nil
				}),
				ConfigStateChecks: append(f.stateChecks(), status(`^off$`)),
			}),
		},
	})
	t.Logf("%s: systemd-analyze security ntopng.service: stock %.1f, confined %.1f (after confinement = false: %.1f)", f.r.Name, stock, confinedExposure, f.exposure(t))
}

// TestConfinementValidate: a data directory that the confinement would hide from ntopng is a
// plan-time error naming data_dir, unless the confinement is off.
func TestConfinementValidate(t *testing.T) {
	var m instanceModel
	m.DataDir, m.Confinement = types.StringValue("/var/tmp/ntopng"), types.BoolValue(true)
	m.ConfinementWritablePaths = types.ListValueMust(types.StringType, nil)
	diags := confinementValidate(m)
	if !diags.HasError() || !strings.Contains(diags[0].Detail(), "PrivateTmp") {
		t.Fatalf("confinementValidate(data_dir /var/tmp/ntopng) = %v, want an error naming PrivateTmp", diags)
	}
	m.Confinement = types.BoolValue(false)
	if diags := confinementValidate(m); diags.HasError() || diags.WarningsCount() != 1 || !strings.Contains(diags[0].Detail(), "/run/ntopng.conf") {
		t.Fatalf("confinementValidate with confinement = false: %v, want one warning naming /run/ntopng.conf", diags)
	}
	m.DataDir = types.StringValue("/srv/ntopng")
	m.Confinement = types.BoolValue(true)
	if diags := confinementValidate(m); len(diags) != 0 {
		t.Fatalf("confinementValidate(/srv/ntopng): %v", diags)
	}
}
