package provider

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hardenops/terraform-provider-ntopng/internal/bench"
)

// TestAccFleetCounts runs the real terraform CLI and the built provider binary (through
// dev_overrides, so terraform runs exactly the commands an operator runs) against three
// real sshd hosts, each with a redis-server and one ntopng_instance, ntopng_redis and
// ntopng_tls_cert, and counts what happens on the hosts: sshd's "Accepted" lines, the
// channels the provider's transport logs, the files written and the restart commands run.
// Counts only, never times.
func TestAccFleetCounts(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	const hosts = 3
	f := bench.StartFleet(t, bench.Options{Hosts: hosts, Redis: true})
	f.WriteConfig(t, bench.Base)
	dir := f.WorkDir
	plan := []string{"plan", "-input=false", "-no-color", "-detailed-exitcode"}
	apply := []string{"apply", "-auto-approve", "-input=false", "-no-color"}

	// Each step needs the one before it: stop at the first failure.
	step := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, fn) {
			t.FailNow()
		}
	}
	step("validate opens no connection", func(t *testing.T) {
		r := f.Terraform(t, dir, false, "validate", "-no-color")
		r.Expect(t, 0)
		if got := r.TotalLogins(); got != 0 {
			t.Errorf("terraform validate: %d SSH logins, want 0", got)
		}
	})
	step("apply from empty logs in once per host and walk", func(t *testing.T) {
		r := f.Terraform(t, dir, false, apply...)
		r.Expect(t, 0)
		expectLogins(t, r, 2)
		if !strings.Contains(r.Output, "9 added, 0 changed, 0 destroyed") {
			t.Errorf("apply did not create the 9 resources:\n%s", r.Output)
		}
	})
	step("plan logs in once per host, in parallel, and opens at most 2 sessions per read", func(t *testing.T) {
		sessionsBefore := f.SSHDSessions()
		r := f.Terraform(t, dir, true, plan...)
		r.Expect(t, 0) // 0: no changes
		expectLogins(t, r, 1)

		chs := bench.ParseChannels(r.ProviderLog)
		total, most, _ := bench.ReadChannels(chs)
		var sessions []bench.Channel
		for _, c := range chs {
			if c.Kind != "tunnel" {
				sessions = append(sessions, c)
			}
		}
		if _, mostSessions, mostType := bench.ReadChannels(sessions); mostSessions > 2 {
			t.Errorf("a %s read opened %d SSH session channels, want at most 2", mostType, mostSessions)
		}
		// The budget of a host's three reads: one SFTP session (shared), one command (the
		// instance's unit check, with the grants in it), one tunnel each for the instance's
		// Redis reach check, Redis's live check and the served certificate, and six for the
		// instance's TLS probes (tls_observed: one client hello each on a direct-tcpip channel,
		// no login and no process on the host). Issue 28 raised the tunnels from 3 to 9 a host.
		kinds := map[string]int{}
		for _, c := range chs {
			kinds[c.Kind]++
		}
		if want := map[string]int{"sftp": hosts, "exec": hosts, "tunnel": 9 * hosts}; !maps.Equal(kinds, want) {
			t.Errorf("plan over %d hosts opened channels %v, want %v", hosts, kinds, want)
		}
		if total == 0 || total != len(chs) {
			t.Errorf("plan opened %d channels, %d of them in resource reads; want every channel in a read, and some", len(chs), total)
		}
		// The transport's log agrees with sshd about session channels (sshd does not log tunnels).
		sshd := 0
		for i, n := range f.SSHDSessions() {
			sshd += n - sessionsBefore[i]
		}
		if got := bench.Sessions(chs); got != sshd {
			t.Errorf("provider log: %d session channels, sshd logs: %d; want the same", got, sshd)
		}
		// Logins to different hosts overlap: no lock serialises them.
		if tl := bench.ParseTimeline(r.ProviderLog); tl.MaxDialsInFlight < 2 {
			t.Errorf("at most %d SSH dial in progress at a time over %d hosts: logins to different hosts are serialised", tl.MaxDialsInFlight, hosts)
		}
		t.Logf("plan over %d hosts x 3 resources: %d logins, %d channels (%d sessions), at most %d per read",
			hosts, r.TotalLogins(), total, sshd, most)
	})
	step("plan starts at most the budgeted processes on each host", func(t *testing.T) {
		if !bench.CanTrace() {
			t.Fatal("counting the processes started on the hosts needs strace, run as root (make deps)")
		}
		stop := f.TraceHosts(t)
		r := f.Terraform(t, dir, false, plan...)
		procs := stop()
		r.Expect(t, 0)
		for i, p := range procs {
			// Per host and plan: sshd's login, the SFTP session (login shell, sh, sftp-server),
			// and the ONE command of the instance's read (login shell, sh, systemctl, find).
			// The TCP tables are read through the SFTP session, not by a cat; the instance's
			// Redis is asked through a tunnel, not by redis-cli.
			if p.Processes > maxPlanProcesses || p.Execs() > maxPlanPrograms {
				t.Errorf("host %d: the plan started %d processes and ran %d programs %v, want at most %d and %d",
					i, p.Processes, p.Execs(), p.Programs, maxPlanProcesses, maxPlanPrograms)
			}
			if i == 0 {
				t.Logf("host 0: %d processes, %d programs %v", p.Processes, p.Execs(), p.Programs)
			}
		}
	})
	step("apply without changes writes nothing and restarts nothing", func(t *testing.T) {
		files, restarts := f.Snapshot(t), f.Restarts(t)
		r := f.Terraform(t, dir, false, apply...)
		r.Expect(t, 0)
		if !strings.Contains(r.Output, "No changes.") {
			t.Errorf("apply without changes found changes:\n%s", r.Output)
		}
		expectLogins(t, r, 1) // the plan walk only: the apply walk has no host to reach
		if got := f.Restarts(t); got != restarts {
			t.Errorf("apply without changes ran %d restart commands, want 0", got-restarts)
		}
		after := f.Snapshot(t)
		for _, p := range slices.Sorted(maps.Keys(after)) {
			if before, ok := files[p]; !ok || before != after[p] {
				t.Errorf("apply without changes wrote %s", p)
			}
		}
		for p := range files {
			if _, ok := after[p]; !ok {
				t.Errorf("apply without changes removed %s", p)
			}
		}
	})
	step("apply changing every resource logs in once per host and walk", func(t *testing.T) {
		f.WriteConfig(t, bench.Changed)
		restarts := f.Restarts(t)
		r := f.Terraform(t, dir, false, apply...)
		r.Expect(t, 0)
		expectLogins(t, r, 2)
		if !strings.Contains(r.Output, "0 added, 9 changed, 0 destroyed") {
			t.Errorf("apply did not change the 9 resources:\n%s", r.Output)
		}
		if f.Restarts(t) == restarts {
			t.Errorf("apply changed every resource but ran no restart command")
		}
	})
	step("a plan with fewer open connections than hosts reads every host the same", func(t *testing.T) {
		main := filepath.Join(dir, "main.tf")
		b, err := os.ReadFile(main)
		if err != nil {
			t.Fatal(err)
		}
		capped := strings.Replace(string(b), "provider \"ntopng\" {\n", "provider \"ntopng\" {\n  max_open_connections = 1\n", 1)
		if capped == string(b) {
			t.Fatal("main.tf has no provider block to cap")
		}
		if err := os.WriteFile(main, []byte(capped), 0o644); err != nil {
			t.Fatal(err)
		}
		// One read at a time: every return to a host after another was read finds its idle
		// connection closed (one stays open), so the reads run on reopened connections.
		r := f.Terraform(t, dir, false, append(plan, "-parallelism=1")...)
		r.Expect(t, 0) // 0: no changes
		for i, n := range r.Logins {
			if n < 1 || n > 6 { // at most one per read and plan of the host's 3 resources
				t.Errorf("host %d accepted %d SSH logins with max_open_connections = 1 (per host: %v)", i, n, r.Logins)
			}
		}
	})
}

// The budget of a no-change plan on one host (TestAccFleetCounts, counted by strace -f on the
// host's sshd): processes forked and programs executed.
const (
	maxPlanProcesses = 6
	maxPlanPrograms  = 8
)

// expectLogins checks that every host accepted exactly perHost SSH logins during r.
func expectLogins(t *testing.T, r bench.Result, perHost int) {
	t.Helper()
	for i, n := range r.Logins {
		if n != perHost {
			t.Errorf("terraform %s: host %d accepted %d SSH logins, want %d (per host: %v)",
				strings.Join(r.Args, " "), i, n, perHost, r.Logins)
		}
	}
}
