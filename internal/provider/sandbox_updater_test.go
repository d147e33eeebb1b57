package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/hardenops/terraform-provider-ntopng/internal/ntopnghardening"
)

// ntopCronJob is ntop's /etc/cron.d/ntopng (packages/etc/cron.d/ntopng), as a reinstall of
// the package puts it back.
const ntopCronJob = `# /etc/cron.d/ntopng: crontab fragment for ntopng
# This is used to handle software updates.

# Check for updates or upgrade if requested (every minute)
* * * * * root /usr/bin/ntopng-utils-manage-updates -a handle-on-demand-requests

# Check for updates (every 24h at 6am)
0 6 * * * root /usr/bin/ntopng-utils-manage-updates -a check-updates
`

// TestSandboxUpdater: on every release, ntop's updater as its root cron job runs it
// (ntopng-utils-manage-updates -a handle-on-demand-requests), with the upgrade request set in
// Redis, every redis-cli and apt-get it starts logged with its arguments (what /proc/PID/cmdline
// shows every local user):
//   - stock: any local user sets the request in the password-less Redis, and root runs apt-get
//     update and apt-get install --allow-unauthenticated ntopng;
//   - hardened with update_cron = false, Redis on its socket, then on TCP on loopback: the job
//     stays, ntopng.conf names no Redis (the password is in ntopng.conf.d/terraform-redis.conf),
//     the updater starts redis-cli without the password and reaches nothing: no apt-get, and
//     the request set in ntopng's Redis stays unread;
//   - the default (update_cron = true): the job is gone, kept as a copy cron does not run; a
//     reinstall of the package puts it back, the next plan shows it and apply takes it back;
//   - the password written into ntopng.conf by hand (where earlier builds wrote it): the
//     updater puts it on redis-cli's command line and root runs apt-get, as the check above
//     would have seen.
//
// On Debian 13 with Valkey there is no /usr/bin/redis-cli, so the updater reaches no Redis at
// all: the test gives it one (a logging redis-cli that runs valkey-cli), as a host with
// Valkey's redis compatibility links would have.
func TestSandboxUpdater(t *testing.T) {
	onSandboxes(t, nil, testUpdater)
}

func testUpdater(t *testing.T, f *sandboxFixture) {
	cli := "/usr/bin/redis-cli.real"
	if f.r.Server != "redis" {
		cli = "/usr/bin/" + f.r.CLI()
	} else {
		f.mustExec(t, "mv /usr/bin/redis-cli "+cli)
	}
	// Logging stand-ins for the two programs whose arguments matter; apt-get does nothing else.
	f.mustExec(t, fmt.Sprintf(`cat > /usr/bin/redis-cli <<'EOF'
#!/bin/sh
{ printf '%%s\n' "$*" >> /run/updater-redis-cli.log; } 2>/dev/null || : # other users (the checks' sudo -u ntopng) are not logged
exec %s "$@"
EOF
mv /usr/bin/apt-get /usr/bin/apt-get.real
cat > /usr/bin/apt-get <<'EOF'
#!/bin/sh
printf '%%s\n' "$*" >> /run/updater-apt-get.log
EOF
chmod 755 /usr/bin/redis-cli /usr/bin/apt-get`, cli))
	defer f.exec("mv /usr/bin/apt-get.real /usr/bin/apt-get")
	// runUpdater runs the updater as cron does (root, cron's environment) after the request is
	// set with setRequest, and returns the arguments of every redis-cli and apt-get it started.
	runUpdater := func(setRequest string) (redisCLI, aptGet string) {
		t.Helper()
		f.mustExec(t, setRequest)
		f.mustExec(t, "rm -f /run/updater-redis-cli.log /run/updater-apt-get.log; "+
			"env -i PATH=/usr/bin:/bin HOME=/root LOGNAME=root SHELL=/bin/sh /usr/bin/ntopng-utils-manage-updates -a handle-on-demand-requests; "+
			"rm -f /var/log/ntopng-updates*.log")
		return f.mustExec(t, "cat /run/updater-redis-cli.log 2>/dev/null; true"), f.mustExec(t, "cat /run/updater-apt-get.log 2>/dev/null; true")
	}

	// Stock: a local user without any password asks for the upgrade, and root runs apt-get.
	redisCLI, aptGet := runUpdater("runuser -u nobody -- " + cli + " SET ntopng.updates.run_upgrade 1")
	if !strings.Contains(aptGet, "update") || !strings.Contains(aptGet, "install --assume-yes --fix-broken --allow-unauthenticated ntopng") {
		t.Fatalf("stock: the updater ran apt-get %q, want update and install --allow-unauthenticated ntopng (redis-cli: %q)", aptGet, redisCLI)
	}
	t.Logf("stock: the updater started redis-cli %d times and apt-get %q", strings.Count(redisCLI, "\n")+1, aptGet)
	f.mustExec(t, cli+" DEL ntopng.updates.run_upgrade ntopng.updates.in_progress")

	kept := strings.Replace(f.config("root", f.h.RootKey, false), "  redis_password_wo = var.pw\n}",
		"  redis_password_wo = var.pw\n  revoke_package_grants = { update_cron = false }\n}", 1)
	// requestInNtopngRedis sets the request in the Redis ntopng uses, with its password (on
	// the CLI's standard input, as ntopng's web interface would through ntopng).
	requestInNtopngRedis := func(where string) string {
		return fmt.Sprintf("printf 'AUTH %%s\\nSET ntopng.updates.run_upgrade 1\\n' '%s' | %s %s", f.pw, cli, where)
	}
	updaterKept := func(where string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if got, err := f.exec("grep -c -- redis /etc/ntopng/ntopng.conf; grep -c -- '^--redis=' /etc/ntopng/ntopng.conf.d/" + ntopnghardening.RedisDropInName +
				"; stat -c '%U:%G %a' /etc/ntopng/ntopng.conf.d/" + ntopnghardening.RedisDropInName + "; test -f /etc/cron.d/ntopng && echo job"); err != nil ||
				got != "0\n1\nroot:ntop 640\njob" {
				return fmt.Errorf("ntopng.conf's Redis lines, the drop-in's, its owner and mode, the job = %q (%v), want 0, 1, root:ntop 640, job", got, err)
			}
			redisCLI, aptGet := runUpdater(requestInNtopngRedis(where))
			if redisCLI == "" || strings.Contains(redisCLI, f.pw[:16]) || aptGet != "" {
				return fmt.Errorf("the updater started redis-cli with %q and apt-get with %q: want redis-cli without the password, and no apt-get", redisCLI, aptGet)
			}
			if got, err := f.exec(fmt.Sprintf("printf 'AUTH %%s\\nGET ntopng.updates.run_upgrade\\n' '%s' | %s %s", f.pw, cli, where)); err != nil || !strings.HasSuffix(got, "1") {
				return fmt.Errorf("the request in ntopng's Redis = %q (%v): want it still there, unread", got, err)
			}
			t.Logf("%s, update_cron = false: the updater started redis-cli %d times (%q), no apt-get", f.r.Name, strings.Count(redisCLI, "\n")+1, strings.SplitN(redisCLI, "\n", 2)[0])
			return nil
		}
	}
	cronState := func(v bool) statecheck.StateCheck {
		return statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("revoke_package_grants").AtMapKey("update_cron"), knownvalue.Bool(v))
	}
	removed := resource.ComposeTestCheckFunc(f.hardened(), func(*terraform.State) error {
		if got, err := f.exec("test -e /etc/cron.d/ntopng || echo gone; cat /etc/cron.d/ntopng.pre-terraform; grep -c -- redis /etc/ntopng/ntopng.conf || true"); err != nil ||
			got != "gone\n"+strings.TrimSpace(ntopCronJob)+"\n0" {
			return fmt.Errorf("the job, its kept copy, ntopng.conf's Redis lines = %q (%v)", got, err)
		}
		return nil
	})
	f.tcp = true // from here on: the steps below and f.hardened() are about Redis on TCP
	keptTCP := strings.Replace(f.config("root", f.h.RootKey, false), "  redis_password_wo = var.pw\n}",
		"  redis_password_wo = var.pw\n  revoke_package_grants = { update_cron = false }\n}", 1)
	hardenedTCP := f.config("root", f.h.RootKey, false)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{Config: kept, ConfigVariables: f.vars(), ConfigStateChecks: []statecheck.StateCheck{cronState(false)},
				Check: updaterKept("-s " + f.r.Socket())},
			{Config: keptTCP, ConfigVariables: f.vars(), ConfigStateChecks: []statecheck.StateCheck{cronState(false)},
				Check: updaterKept("-h 127.0.0.1 -p 6379")},
			{Config: hardenedTCP, ConfigVariables: f.vars(), ConfigStateChecks: []statecheck.StateCheck{cronState(true)}, Check: removed},
			{Config: hardenedTCP, ConfigVariables: f.vars(), PlanOnly: true},
			{ // a reinstall of ntop's package puts the job back: drift, taken back by apply
				Config: hardenedTCP, ConfigVariables: f.vars(),
				PreConfig: func() { f.mustExec(t, "cat > /etc/cron.d/ntopng <<'EOF'\n"+ntopCronJob+"EOF") },
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ntopng_instance.probe", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("revoke_package_grants").AtMapKey("update_cron"), knownvalue.Bool(true)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{cronState(true)},
				Check:             removed,
			},
		},
	})
	// What this provider wrote before, and what the checks above would see: --redis with the
	// password in ntopng.conf. The updater puts it on redis-cli's command line. (It cuts the
	// password at its first ':' or '@', which this test's password has, so here it is refused
	// and apt-get does not run; a password without them lets the request through.)
	f.mustExec(t, fmt.Sprintf("printf -- '--redis=127.0.0.1:6379:%%s@0\\n' '%s' >> /etc/ntopng/ntopng.conf", f.pw))
	redisCLI, aptGet = runUpdater(requestInNtopngRedis("-h 127.0.0.1 -p 6379"))
	if n := strings.Count(redisCLI, "-a "+f.pw[:16]); n == 0 {
		t.Fatalf("the password in ntopng.conf: redis-cli started with it %d times (%q): the check above would not see a leak", n, redisCLI)
	} else {
		t.Logf("%s, the password in ntopng.conf (before this provider kept it out): redis-cli started %d times with it, apt-get %q", f.r.Name, n, aptGet)
	}
}
