package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/hardenops/terraform-provider-ntopng/internal/audit"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopnghardening"
)

// TestSandboxPackageGrants: on every release, what ntop's postinst grants (nmap's file
// capabilities, ntopng in systemd-journal, the sudoers rule for ntopctl) fails the audit with
// evidence on the stock host; the default revoke_package_grants takes each back (ntopng still
// serves HTTPS and reaches its Redis), the next plan is empty, the postinst run again (a
// package upgrade) is drift that apply takes back again; on_destroy = "restore" puts the
// sudoers rule back. Then a host without nmap and without the group has nothing to take back.
// TestSandboxPackageGrants runs on Debian 13: the grants are the same postinst's on every
// release, and TestSandboxWebLogin shows on every release that the stock audit fails them and
// that the default hardening takes them back.
func TestSandboxPackageGrants(t *testing.T) {
	onSandboxes(t, oneRelease, testPackageGrants)
}

func testPackageGrants(t *testing.T, f *sandboxFixture) {
	if ntopnghardening.NmapPath != audit.NmapPath || ntopnghardening.SudoersPath != audit.SudoersPath || ntopnghardening.JournalGroup != audit.JournalGroup {
		t.Fatal("ntopnghardening and audit name different grants")
	}
	const grants = `getcap /usr/bin/nmap; id -nG ntopng | tr ' ' '\n' | grep -x systemd-journal; ls /etc/sudoers.d/ntopng 2>/dev/null; true`
	// getcap's order and spelling differ between libcap versions ("PATH caps=eip", "PATH = caps+eip").
	stockGrants := f.mustExec(t, grants)
	if !regexp.MustCompile(`^/usr/bin/nmap (= )?cap_[a-z_,]+[=+]eip\nsystemd-journal\n/etc/sudoers\.d/ntopng$`).MatchString(stockGrants) ||
		!strings.Contains(stockGrants, "cap_net_raw") || !strings.Contains(stockGrants, "cap_net_admin") || !strings.Contains(stockGrants, "cap_net_bind_service") {
		t.Fatalf("stock grants (getcap, group, sudoers file) = %q, want nmap's three capabilities, the group and the file (ntop's postinst)", stockGrants)
	}
	hostIs := func(want string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if got, err := f.exec(grants); err != nil || got != want {
				return fmt.Errorf("grants on the host (getcap, group, sudoers file) = %q (%v), want %q", got, err, want)
			}
			return nil
		}
	}
	// ntop's rule lets ntopng run ntopctl as root: proven on the stock host.
	if got := f.mustExec(t, "sudo -l -U ntopng | grep -c ntopctl || true"); got != "1" {
		t.Fatalf("sudo -l -U ntopng lists ntopctl %s times, want once", got)
	}
	auditHCL := `
data "ntopng_audit" "probe" {
  host = "` + f.h.Addr + `"
  %s
}
`
	cfg := f.config("root", f.h.RootKey, false)
	stock := cfg[:strings.Index(cfg, `resource "ntopng_redis"`)] + fmt.Sprintf(auditHCL, "")
	hardened := strings.Replace(cfg, "  redis_password_wo = var.pw\n}", "  redis_password_wo = var.pw\n  on_destroy = \"restore\"\n}", 1) +
		fmt.Sprintf(auditHCL, "depends_on = [ntopng_instance.probe]")
	grantFindings := func(status string, evidence ...string) resource.TestCheckFunc {
		var checks []resource.TestCheckFunc
		for i, id := range []string{"package_nmap_capabilities", "package_journal_access", "package_ntopctl_sudo", "package_update_cron"} {
			checks = append(checks, finding(id, status, evidence[i]))
		}
		return resource.ComposeTestCheckFunc(checks...)
	}
	grantsState := func(v bool) statecheck.StateCheck {
		return statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("revoke_package_grants"), knownvalue.ObjectExact(map[string]knownvalue.Check{
			"nmap_capabilities": knownvalue.Bool(v), "systemd_journal": knownvalue.Bool(v), "ntopctl_sudo": knownvalue.Bool(v), "update_cron": knownvalue.Bool(v)}))
	}
	hardenedStep := resource.TestStep{
		Config: hardened, ConfigVariables: f.vars(),
		ConfigStateChecks: append(f.stateChecks(), grantsState(true)),
		Check: resource.ComposeTestCheckFunc(f.hardened(), hostIs(""),
			grantFindings("pass", `getcap /usr/bin/nmap: none`, `ntopng is not a member of systemd-journal`, `/etc/sudoers\.d/ntopng missing`,
				`/etc/cron\.d/ntopng missing; the updater finds no Redis in /etc/ntopng/ntopng\.conf`),
			func(*terraform.State) error {
				// The copy kept for on_destroy is one sudo does not read, and ntopng lost the group it started with.
				if got, err := f.exec(`cat /etc/sudoers.d/ntopng.pre-terraform; sudo -l -U ntopng | grep -c ntopctl || true; ` +
					`grep ^Groups: /proc/$(systemctl show -p MainPID --value ntopng)/status | grep -c " $(getent group systemd-journal | cut -d: -f3)\( \|$\)" || true`); err != nil ||
					got != "ntopng ALL= NOPASSWD: /usr/bin/ntopctl\n0\n0" {
					return fmt.Errorf("after the apply: kept rule, sudo -l count, journal group in ntopng's process = %q (%v)", got, err)
				}
				return nil
			}),
	}
	regranted := hardenedStep
	regranted.PreConfig = func() {
		// An upgrade of ntop's package runs its postinst again: every grant is back.
		// (dpkg unpacks the package's files first: its sudoers rule among them).
		f.mustExec(t, "printf 'ntopng ALL= NOPASSWD: /usr/bin/ntopctl\\n' > /etc/sudoers.d/ntopng && cat > /etc/cron.d/ntopng <<'EOF'\n"+ntopCronJob+"EOF\n/usr/share/ntopng-package/postinst")
		if got := f.mustExec(t, grants); got != stockGrants {
			t.Fatalf("after the postinst ran again, grants = %q, want %q", got, stockGrants)
		}
	}
	regranted.ConfigPlanChecks = resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction("ntopng_instance.probe", plancheck.ResourceActionUpdate),
		plancheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("revoke_package_grants").AtMapKey("ntopctl_sudo"), knownvalue.Bool(true)),
		plancheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("revoke_package_grants").AtMapKey("update_cron"), knownvalue.Bool(true)),
	}}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config: stock, ConfigVariables: f.vars(),
				Check: grantFindings("fail", `getcap /usr/bin/nmap: /usr/bin/nmap cap_[a-z_,]*cap_net_raw[a-z_,]*[=+]eip`,
					`/etc/group: ntopng is a member of systemd-journal`, `ntopng ALL= NOPASSWD: /usr/bin/ntopctl`,
					`/etc/cron\.d/ntopng: \* \* \* \* \* root /usr/bin/ntopng-utils-manage-updates -a handle-on-demand-requests; 0 6 \* \* \* root /usr/bin/ntopng-utils-manage-updates -a check-updates; the updater finds no Redis`),
			},
			hardenedStep,
			{Config: hardened, ConfigVariables: f.vars(), PlanOnly: true}, // the next plan is empty
			regranted,
			{Config: hardened, ConfigVariables: f.vars(), PlanOnly: true},
			{ // a grant left alone is not managed: giving nmap its capabilities back is no drift
				Config:          strings.Replace(hardened, "  on_destroy = \"restore\"\n", "  on_destroy = \"restore\"\n  revoke_package_grants = { nmap_capabilities = false }\n", 1),
				ConfigVariables: f.vars(),
				PreConfig:       func() { f.mustExec(t, "setcap cap_net_raw+ep /usr/bin/nmap") },
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue("ntopng_instance.probe",
					tfjsonpath.New("revoke_package_grants").AtMapKey("nmap_capabilities"), knownvalue.Bool(false))},
				Check: finding("package_nmap_capabilities", "fail", `cap_net_raw=ep|cap_net_raw\+ep`),
			},
		},
	})
	// Destroyed with on_destroy = "restore": ntop's sudoers rule and cron job are back as they
	// were, their copies gone; ntopng.conf is ntop's again, and the provider's Redis drop-in gone.
	if got := f.mustExec(t, "stat -c '%U:%G %a' /etc/sudoers.d/ntopng; cat /etc/sudoers.d/ntopng; ls /etc/sudoers.d/ntopng.pre-terraform 2>&1 >/dev/null | grep -c 'No such' || true"); got != "root:root 440\nntopng ALL= NOPASSWD: /usr/bin/ntopctl\n1" {
		t.Errorf("after destroy with on_destroy = \"restore\": %q, want ntop's rule back, 0440 root, and no copy", got)
	}
	if got := f.mustExec(t, "cat /etc/cron.d/ntopng; ls /etc/cron.d/ntopng.pre-terraform /etc/ntopng/ntopng.conf.d/"+ntopnghardening.RedisDropInName+
		" 2>&1 >/dev/null | grep -c 'No such'; grep -c -e redis -e Terraform /etc/ntopng/ntopng.conf || true"); got != strings.TrimSpace(ntopCronJob)+"\n2\n0" {
		t.Errorf("after destroy with on_destroy = \"restore\": cron job, missing copies, ntopng.conf's Redis and Terraform lines = %q, want ntop's job, 2, 0", got)
	}

	// A host without nmap and without the systemd-journal group: nothing to take back, no error.
	f.mustExec(t, "rm -f /etc/sudoers.d/ntopng && mv /usr/bin/nmap /usr/bin/nmap.away && gpasswd -d ntopng systemd-journal >/dev/null 2>&1; groupdel systemd-journal")
	defer f.exec("mv /usr/bin/nmap.away /usr/bin/nmap; groupadd -r systemd-journal")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: cfg + fmt.Sprintf(auditHCL, "depends_on = [ntopng_instance.probe]"), ConfigVariables: f.vars(),
			ConfigStateChecks: []statecheck.StateCheck{grantsState(true)},
			Check: resource.ComposeTestCheckFunc(f.hardened(),
				grantFindings("pass", `/usr/bin/nmap missing`, `no systemd-journal`, `/etc/sudoers\.d/ntopng missing`, `/etc/cron\.d/ntopng missing`)),
		}, {Config: cfg + fmt.Sprintf(auditHCL, "depends_on = [ntopng_instance.probe]"), ConfigVariables: f.vars(), PlanOnly: true}},
	})
}
