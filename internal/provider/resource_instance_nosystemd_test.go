package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// initRestartScript restarts the ntopng stand-in the way ntop's init script does: the PID
// file's process stopped, then `ntopng CONF` started in the background, which writes the PID
// file itself (-G); it waits until the file is there.
func initRestartScript(bin, conf, pidFile, log string) string {
	return fmt.Sprintf(`#!/bin/sh
pid=$(cat %[3]s 2>/dev/null)
if [ -n "$pid" ] && [ "$(readlink /proc/$pid/exe)" = %[1]s ]; then
	kill "$pid"
	while [ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; do sleep 0.1; done
fi
rm -f %[3]s
setsid %[1]s %[2]s >> %[4]s 2>&1 < /dev/null &
i=0
while [ ! -s %[3]s ]; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { tail -n 5 %[4]s >&2; exit 1; }
	sleep 0.1
done
`, testhostQuote(bin), testhostQuote(conf), testhostQuote(pidFile), testhostQuote(log))
}

func testhostQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// TestAccInstanceWithoutSystemd: on a host where systemd does not run (no
// /run/systemd/system in the sshd's view, no test-only systemctl), ntopng started by an
// init script is found through the PID file its configuration names; a PID file naming
// another process is not trusted, and no PID file at all is a read that succeeds with
// observed_listeners null (and a warning), never an error.
func TestAccInstanceWithoutSystemd(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{NoSystemd: true})
	bin := testhost.BuildStandin(t)
	dir := testhost.TempDir(t)
	conf := filepath.Join(dir, "ntopng.conf")
	pidFile := filepath.Join(dir, "ntopng.pid")
	docs := filepath.Join(dir, "httpdocs")
	if err := os.MkdirAll(filepath.Join(docs, "ssl"), 0o755); err != nil {
		t.Fatal(err)
	}
	port := testhost.FreePort(t)
	listen := fmt.Sprintf("127.0.0.1:%d", port)
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("-G=%s\n-w=%d\n--httpdocs-dir=%s\n", pidFile, port, docs)), 0o644); err != nil {
		t.Fatal(err)
	}
	restart := filepath.Join(dir, "ntopng-init.sh")
	if err := os.WriteFile(restart, []byte(initRestartScript(bin, conf, pidFile, filepath.Join(dir, "ntopng.log"))), 0o755); err != nil {
		t.Fatal(err)
	}
	// Started inside the sshd's namespace (its /etc has the users): stopped with it.
	s.Exec(t, testhostQuote(restart))

	cfg := providerConfig(s, s.Root) + fmt.Sprintf(`
resource "ntopng_instance" "probe" {
  host            = "127.0.0.1"
  config_path     = %q
  cert_path       = %q
  data_dir        = %q
  http_listen     = %q
  https_listen    = "disabled"
  restart_command = %q
  extra_options   = { pid = %q }
  verify_timeout  = "15s"
}
`, conf, filepath.Join(docs, "ssl", "ntopng-cert.pem"), filepath.Join(dir, "data"), listen, restart, pidFile)
	observed := func(want ...string) statecheck.StateCheck {
		checks := []knownvalue.Check{}
		for _, w := range want {
			checks = append(checks, knownvalue.StringExact(w))
		}
		return statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("observed_listeners"), knownvalue.ListExact(checks))
	}
	notObserved := func(st *terraform.State) error {
		attrs := st.RootModule().Resources["ntopng_instance.probe"].Primary.Attributes
		if v, ok := attrs["observed_listeners.#"]; ok {
			return fmt.Errorf("observed_listeners has %s elements; want null (not checked)", v)
		}
		return nil
	}
	var decoy string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				// Apply restarts ntopng with the init script and verifies it through the PID
				// file: verify_listeners works without systemd.
				Config:            cfg,
				ConfigStateChecks: []statecheck.StateCheck{observed(listen)},
				Check: func(*terraform.State) error {
					if got := readFile(t, conf); !strings.Contains(got, "--http-port="+listen) {
						return fmt.Errorf("the file was not hardened:\n%s", got)
					}
					return nil
				},
			},
			{
				// The PID file now names a process that merely calls itself ntopng (a program
				// named so, which a user other than root may change): it is not trusted.
				PreConfig: func() {
					decoy = strings.TrimSpace(s.Exec(t,
						`d=$(mktemp -d) && cp /bin/sleep "$d/ntopng" && chown 1:1 "$d/ntopng" && { "$d/ntopng" 600 >/dev/null 2>&1 & echo $!; }`))
					s.Exec(t, "printf '%s\\n' "+testhostQuote(decoy)+" > "+testhostQuote(pidFile))
				},
				RefreshState: true,
				Check:        notObserved,
			},
			{
				// Not checked is not drift: the plan succeeds and is empty.
				Config:   cfg,
				PlanOnly: true,
			},
			{
				// No PID file at all: still a read that succeeds, with nothing observed.
				PreConfig:    func() { s.Exec(t, "rm -f "+testhostQuote(pidFile)) },
				RefreshState: true,
				Check:        notObserved,
			},
			{
				Config:   cfg,
				PlanOnly: true,
			},
		},
	})
}
