package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// TestBench is `make bench`: for each K in BENCH_HOSTS (default "10,100,300,1000") it starts K
// sshd hosts and runs real terraform for: apply from empty, a no-change plan (BENCH_RUNS times,
// default 5, alternating with the terraform_data baseline of the same resource count), and a
// no-change apply. Fleets over scaleHosts run the scale scenarios only (see benchScale). It
// prints a table and writes it to BENCH_RESULTS (default RESULTS.md in this directory).
// BENCH_REDIS=0 runs no redis-server on the hosts (verify_live = false). Times are reported,
// never asserted; login counts are asserted up to the pool's cap of open connections.
func TestBench(t *testing.T) {
	if os.Getenv("NTOPNG_BENCH") != "1" {
		t.Skip("benchmark: run it with `make bench` (NTOPNG_BENCH=1)")
	}
	ks, err := parseInts(envOr("BENCH_HOSTS", "10,100,300,1000"))
	if err != nil {
		t.Fatalf("BENCH_HOSTS: %v (want a list like 10,100)", err)
	}
	runs, err := strconv.Atoi(envOr("BENCH_RUNS", "5"))
	if err != nil || runs < 1 {
		t.Fatalf("BENCH_RUNS=%q: want a positive number", os.Getenv("BENCH_RUNS"))
	}
	redis := os.Getenv("BENCH_REDIS") != "0"
	load := loadAverage()
	start := time.Now().UTC()

	var rows []row
	var timelines []string
	for _, k := range ks {
		t.Run(fmt.Sprintf("hosts=%d", k), func(t *testing.T) {
			if k > scaleHosts {
				rows = append(rows, benchScale(t, k, runs, redis)...)
				return
			}
			r, tl := benchFleet(t, k, runs, redis)
			rows = append(rows, r...)
			timelines = append(timelines, tl)
		})
	}
	report := renderReport(rows, timelines, start, load, redis)
	fmt.Println(report)
	if t.Failed() {
		return
	}
	out := envOr("BENCH_RESULTS", "RESULTS.md")
	if err := os.WriteFile(out, []byte(withHistory(report, out)), 0o644); err != nil {
		t.Fatalf("cannot write %s: %v", out, err)
	}
	t.Logf("results written to %s", out)
}

// historyMarker starts the part of RESULTS.md that make bench keeps: the history of earlier
// rounds, which each run's report goes above.
const historyMarker = "<!-- make bench keeps everything below this line -->"

// withHistory is report followed by the history kept in the file at path (nothing when the
// file is missing or has no marker).
func withHistory(report, path string) string {
	old, _ := os.ReadFile(path)
	_, history, ok := strings.Cut(string(old), historyMarker)
	if !ok {
		return report
	}
	return strings.TrimRight(report, "\n") + "\n\n" + historyMarker + history
}

// row is one line of the table.
type row struct {
	hosts    int
	scenario string
	wall     Summary
	baseline Summary // zero when there is no baseline
	floor    Summary // the no-op plugin provider, same count; zero when not measured
	// schemaFloor is the no-op provider's resources with the ntopng schemas, same count and
	// values (the framework alone); schemaFloorCPU the median of its provider CPU.
	schemaFloor    Summary
	schemaFloorCPU time.Duration
	// walks is how many provider walks touch the hosts; logins are per run (all runs).
	walks       int
	logins      []int
	loginsExact bool // every host accepted exactly `walks` logins in every run
	channels    string
	// peer is tenstad/remote's same plan (three files per host), when built.
	peer       Summary
	peerCPU    time.Duration
	procs      []HostProcs // per host, from one traced run; nil when not counted
	peakRSSKiB int
	// CPU medians over the runs: the provider processes, terraform with them, the machine.
	providerCPU, terraformCPU, machineCPU time.Duration
}

var (
	planArgs  = []string{"plan", "-input=false", "-no-color", "-detailed-exitcode"}
	applyArgs = []string{"apply", "-auto-approve", "-input=false", "-no-color"}
)

// scaleHosts is the largest fleet that runs every scenario; larger ones run benchScale.
const scaleHosts = 100

// scaleRuns caps BENCH_RUNS for fleets over scaleHosts (a 1,000-host plan of the peer takes
// minutes).
const scaleRuns = 2

// startBenchFleet starts k hosts and writes every configuration the rotation plans: ours,
// the baselines and, when built, the peer's (applied here, as the peer cannot start empty).
func startBenchFleet(t *testing.T, k int, redis bool) *Fleet {
	setup := time.Now()
	f := StartFleet(t, Options{Hosts: k, Redis: redis})
	f.WriteConfig(t, Base)
	f.WriteBaseline(t)
	f.WriteFloor(t)
	f.WriteSchemaFloor(t)
	if PeerProvider() != "" {
		f.WritePeer(t)
		f.Terraform(t, f.PeerDir, false, applyArgs...).Expect(t, 0)
	}
	t.Logf("%d hosts started in %s", k, time.Since(setup).Round(time.Millisecond))
	return f
}

// benchScale measures a fleet of more than scaleHosts hosts: whether the cost per host stays
// flat. It applies from empty once (timed, beside the baselines' applies) and runs the
// no-change plan min(runs, scaleRuns) times in the same rotation as benchFleet; it skips the
// logged and traced runs, the no-change apply and the applies changing one attribute.
func benchScale(t *testing.T, k, runs int, redis bool) []row {
	f := startBenchFleet(t, k, redis)
	apply := newRowWithBaselines(t, k, "apply from empty", 2, f.runEach(t, 1, applyArgs))
	f.CopyStateToSchemaFloor(t)
	plan := newRowWithBaselines(t, k, "no-change plan", 1, f.runEach(t, min(runs, scaleRuns), planArgs))
	return []row{apply, plan}
}

// benchFleet measures one fleet of k hosts. It returns the table rows and a description of
// where the time of a (logged) no-change plan went.
func benchFleet(t *testing.T, k, runs int, redis bool) ([]row, string) {
	f := startBenchFleet(t, k, redis)

	// Apply from empty: once each (a second one would not start from empty).
	apply := newRowWithBaselines(t, k, "apply from empty", 2, f.runEach(t, 1, applyArgs))
	f.CopyStateToSchemaFloor(t)

	// One logged plan counts the channels (and warms the caches); it is not timed.
	logged := f.Terraform(t, f.WorkDir, true, planArgs...)
	logged.Expect(t, 0)
	chs := ParseChannels(logged.ProviderLog)
	total, most, _ := ReadChannels(chs)
	channels := fmt.Sprintf("%.2f (max %d; %s)", float64(total)/float64(f.Resources()), most, channelsByType(chs, k))
	timeline := describeTimeline(k, logged, ParseTimeline(logged.ProviderLog), chs)
	// One traced plan counts the processes started on the hosts; it is not timed either.
	var planProcs []HostProcs
	if CanTrace() {
		stop := f.TraceHosts(t)
		f.Terraform(t, f.WorkDir, false, planArgs...).Expect(t, 0)
		planProcs = stop()
	}

	plan := newRowWithBaselines(t, k, "no-change plan", 1, f.runEach(t, runs, planArgs))
	plan.channels = channels
	plan.procs = planProcs

	noop := newRowWithBaselines(t, k, "no-change apply", 1, f.runEach(t, 1, applyArgs))
	return []row{apply, plan, noop, f.oneChange(t, k, runs)}, timeline
}

// oneChange is the row of applies that change one attribute of one resource per host
// (ntopng_tls_cert's mode, back and forth): runs timed applies, then one traced.
func (f *Fleet) oneChange(t *testing.T, k, runs int) row {
	variants := [2]Variant{OneChange, Base}
	var res []Result
	for i := 0; i < runs; i++ {
		f.WriteConfig(t, variants[i%2])
		r := f.Terraform(t, f.WorkDir, false, applyArgs...)
		r.Expect(t, 0)
		if !strings.Contains(r.Output, fmt.Sprintf("0 added, %d changed, 0 destroyed", k)) {
			t.Errorf("apply changing one attribute per host did not change %d resources:\n%s", k, lastLines(r.Output, 20))
		}
		res = append(res, r)
	}
	var procs []HostProcs
	if CanTrace() {
		f.WriteConfig(t, variants[runs%2])
		stop := f.TraceHosts(t)
		f.Terraform(t, f.WorkDir, false, applyArgs...).Expect(t, 0)
		procs = stop()
	}
	f.WriteConfig(t, Base)
	f.Terraform(t, f.WorkDir, false, applyArgs...).Expect(t, 0)
	r := newRow(t, k, "apply changing one attribute", 2, res)
	r.procs = procs
	return r
}

// channelsByType renders the channels of the reads per resource type and read:
// "ntopng_instance 1.00, ...".
func channelsByType(chs []Channel, hosts int) string {
	n := map[string]int{}
	for _, c := range chs {
		if c.RPC == "ReadResource" {
			n[c.ResourceType]++
		}
	}
	var parts []string
	for _, typ := range []string{"ntopng_instance", "ntopng_redis", "ntopng_tls_cert"} {
		parts = append(parts, fmt.Sprintf("%s %.2f", strings.TrimPrefix(typ, "ntopng_"), float64(n[typ])/float64(hosts)))
	}
	return strings.Join(parts, ", ")
}

// runEach runs terraform with args n times in each of WorkDir (ntopng), BaselineDir
// (terraform_data), FloorDir (no-op plugin provider), SchemaFloorDir (no-op resources with the
// ntopng schemas) and, when built, PeerDir, in a rotating order so that a slower moment of the
// machine does not fall on one of them only. It returns the results per directory, in that
// order.
func (f *Fleet) runEach(t *testing.T, n int, args []string) [5][]Result {
	dirs := []string{f.WorkDir, f.BaselineDir, f.FloorDir, f.SchemaFloorDir}
	if PeerProvider() != "" {
		dirs = append(dirs, f.PeerDir)
	}
	var out [5][]Result
	for i := 0; i < n; i++ {
		for j := range dirs {
			d := (i + j) % len(dirs)
			r := f.Terraform(t, dirs[d], false, args...)
			r.Expect(t, 0)
			out[d] = append(out[d], r)
		}
	}
	return out
}

// newRowWithBaselines is newRow for the ntopng results of runEach, with the baselines'
// wall times beside them.
func newRowWithBaselines(t *testing.T, k int, scenario string, walks int, res [5][]Result) row {
	r := newRow(t, k, scenario, walks, res[0])
	r.baseline = Summarize(walls(res[1]))
	r.floor = Summarize(walls(res[2]))
	r.schemaFloor = Summarize(walls(res[3]))
	r.peer = Summarize(walls(res[4]))
	var cpu, floorCPU []time.Duration
	for _, p := range res[4] {
		cpu = append(cpu, p.TerraformCPU)
	}
	for _, p := range res[3] {
		floorCPU = append(floorCPU, p.ProviderCPU)
	}
	r.peerCPU = Summarize(cpu).Median
	r.schemaFloorCPU = Summarize(floorCPU).Median
	return r
}

func walls(rs []Result) []time.Duration {
	var out []time.Duration
	for _, r := range rs {
		out = append(out, r.Wall)
	}
	return out
}

// describeTimeline renders where the time of the logged plan went.
func describeTimeline(k int, r Result, tl Timeline, chs []Channel) string {
	var b strings.Builder
	fmt.Fprintf(&b, "- %d × 3, one no-change plan with TRACE logging (%s wall, slower than unlogged): ", k, seconds(r.Wall))
	fmt.Fprintf(&b, "%d provider processes started (%s from start to handshake, summed); ", tl.ProviderStarts, ms(tl.ProviderStartup))
	fmt.Fprintf(&b, "%d SSH logins, dial to login median %s, max %s, up to %d dials in flight at once; ",
		len(tl.Logins), ms(Percentile(tl.Logins, 50)), ms(Percentile(tl.Logins, 100)), tl.MaxDialsInFlight)
	kinds := map[string]int{}
	for _, c := range chs {
		kinds[c.Kind]++
	}
	fmt.Fprintf(&b, "channels: %d SFTP, %d exec, %d tunnels; ", kinds["sftp"], kinds["exec"], kinds["tunnel"])
	fmt.Fprintf(&b, "resource reads from first start to last end %s", ms(tl.ReadSpan))
	for _, typ := range []string{"ntopng_tls_cert", "ntopng_redis", "ntopng_instance"} {
		if ds := tl.Reads[typ]; len(ds) > 0 {
			fmt.Fprintf(&b, "; %s Read median %s, p90 %s, max %s", typ, ms(Percentile(ds, 50)), ms(Percentile(ds, 90)), ms(Percentile(ds, 100)))
		}
	}
	b.WriteString(".\n")
	return b.String()
}

func ms(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }

// newRow summarizes runs of one scenario; walks is how many provider walks reach the hosts.
func newRow(t *testing.T, k int, scenario string, walks int, runs []Result) row {
	r := row{hosts: k, scenario: scenario, walks: walks, loginsExact: true, channels: "—"}
	// Past the pool's cap, an idle host's connection may be closed before the walk reads the
	// host again: more than one login per walk is then expected, none is not.
	capped := k > transport.DefaultMaxOpen
	var pcpu, tcpu, mcpu []time.Duration
	for _, res := range runs {
		pcpu, tcpu, mcpu = append(pcpu, res.ProviderCPU), append(tcpu, res.TerraformCPU), append(mcpu, res.MachineCPU)
		r.logins = append(r.logins, res.TotalLogins())
		r.peakRSSKiB = max(r.peakRSSKiB, res.PeakRSSKiB)
		for i, n := range res.Logins {
			switch {
			case n == walks:
			case capped && n > walks:
				r.loginsExact = false
			default:
				r.loginsExact = false
				t.Errorf("%s over %d hosts: host %d accepted %d SSH logins, want %d (one per walk)", scenario, k, i, n, walks)
			}
		}
	}
	r.wall = Summarize(walls(runs))
	r.providerCPU, r.terraformCPU, r.machineCPU = Summarize(pcpu).Median, Summarize(tcpu).Median, Summarize(mcpu).Median
	return r
}

// renderReport renders RESULTS.md: machine, method, table, targets and where the time went.
func renderReport(rows []row, timelines []string, start time.Time, load string, redis bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# `make bench` results\n\nMeasured %s on %s.\n\n", start.Format("2006-01-02 15:04 MST"), machine())
	fmt.Fprintf(&b, "Load average before the run: %s.\n\n", load)
	b.WriteString("Every host is a real OpenSSH sshd on 127.0.0.1 with its own ntopng.conf, redis.conf and certificate")
	if redis {
		b.WriteString(" and its own redis-server (`hz 1`; `verify_live = true`)")
	} else {
		b.WriteString(" and no redis-server (`verify_live = false`)")
	}
	b.WriteString("; one ntopng stand-in serves HTTPS for all of them (one machine has one network namespace), " +
		"and root's home on each host is an empty directory (not this machine's /root, whose .bashrc would run " +
		"on every SSH session). The hosts' sshd, `ss` and redis-server share the 2 cores with terraform and the " +
		"provider: on a real fleet that server-side work runs on the probes. " +
		"Each host has one `ntopng_instance`, `ntopng_redis` and `ntopng_tls_cert` (with `verify_endpoint`). " +
		"Real `terraform` with the provider binary through `dev_overrides`, default parallelism (10). " +
		"Wall time is the whole terraform command; no-change plans alternate with the `terraform_data` baseline of " +
		"the same resource count and with the same count of resources of a no-op plugin provider (internal/bench/noopprovider: " +
		"a terraform-plugin-framework provider whose resource touches nothing, the floor of any plugin provider) " +
		"and with the same resources, attributes and values on that no-op provider's noop_instance, noop_redis and " +
		"noop_tls_cert, which have the ntopng resources' schemas and touch nothing, served like the provider " +
		"(internal/pluginserver) and, from the apply from empty on, holding the ntopng state's values, read-backs " +
		"included (what the framework alone spends on these schemas and values) " +
		"(median, range, n). Logins are sshd's `Accepted` lines per run; channels per " +
		"resource read come from the provider's log (TRACE) of one extra plan; peak RSS is the largest " +
		"provider process under `/usr/bin/time -v`. CPU is user + system time (median): of the provider processes " +
		"(`time -v`), of terraform with the providers it waited for, and of the whole machine during the command " +
		"(`/proc/stat`), which adds the hosts' server side (sshd, sftp-server, shells, redis-server, stand-in).\n\n")
	b.WriteString("| hosts × resources | scenario | wall time | terraform_data, same count | ratio | no-op plugin provider, same count (ratio to terraform_data) | SSH logins per run (walks × hosts) | channels per resource read | provider peak RSS | CPU: provider / terraform + provider / machine |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		base, ratio := "—", "—"
		if r.baseline.N > 0 {
			base = r.baseline.String()
			ratio = fmt.Sprintf("%.1f×", r.wall.Median.Seconds()/r.baseline.Median.Seconds())
		}
		floor := "—"
		if r.floor.N > 0 && r.baseline.N > 0 {
			floor = fmt.Sprintf("%s (%.1f×)", r.floor, r.floor.Median.Seconds()/r.baseline.Median.Seconds())
		}
		fmt.Fprintf(&b, "| %d × 3 | %s | %s | %s | %s | %s | %s (%d × %d) | %s | %s | %s / %s / %s |\n", r.hosts, r.scenario, r.wall, base, ratio,
			floor, loginList(r.logins), r.walks, r.hosts, r.channels, mib(r.peakRSSKiB),
			seconds(r.providerCPU), seconds(r.terraformCPU), seconds(r.machineCPU))
	}
	b.WriteString("\nPer host: the provider's CPU time (all its processes) divided by the hosts; the processes the " +
		"hosts' sshd started (every fork in its tree: the session, login shells, scripts' shells and subshells, programs) " +
		"and the programs they executed, counted by `strace -f` on each sshd during one more run of the scenario (not " +
		"timed); the peer is tenstad/terraform-provider-remote with three `remote_file` per host on the same sshd hosts " +
		"(BENCH_PEER_PROVIDER), in the same rotation as the baselines.\n\n")
	b.WriteString("| hosts × resources | scenario | provider CPU per host | framework alone, same schemas and settings: wall, provider CPU per host | ours minus the framework, per host | processes per host (median, max) | programs per host (median, max) | programs on one host | peer, same hosts | ours / peer |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		if r.scenario == "no-change apply" || r.scenario == "apply from empty" {
			continue
		}
		procs, progs, names := "not counted (no strace)", "—", "—"
		if len(r.procs) > 0 {
			var ps, es []time.Duration
			for _, p := range r.procs {
				ps, es = append(ps, time.Duration(p.Processes)), append(es, time.Duration(p.Execs()))
			}
			sp, se := Summarize(ps), Summarize(es)
			procs = fmt.Sprintf("%d (max %d)", int(sp.Median), int(sp.Max))
			progs = fmt.Sprintf("%d (max %d)", int(se.Median), int(se.Max))
			names = programNames(r.procs[0].Programs)
		}
		peer, ratio := "peer not built", "—"
		if r.peer.N > 0 {
			peer = fmt.Sprintf("%s, CPU (terraform + provider) %s", r.peer, seconds(r.peerCPU))
			ratio = fmt.Sprintf("%.2f", r.wall.Median.Seconds()/r.peer.Median.Seconds())
		}
		floor, above := "—", "—"
		if r.schemaFloor.N > 0 {
			floor = fmt.Sprintf("%s, %s", r.schemaFloor, perHostMS(r.schemaFloorCPU, r.hosts))
			above = perHostMS(r.providerCPU-r.schemaFloorCPU, r.hosts)
		}
		fmt.Fprintf(&b, "| %d × 3 | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.hosts, r.scenario,
			perHostMS(r.providerCPU, r.hosts), floor, above, procs, progs, names, peer, ratio)
	}
	b.WriteString("\n## Targets\n\n")
	for _, line := range targets(rows) {
		b.WriteString("- " + line + "\n")
	}
	b.WriteString("\n## Where the time goes\n\n")
	for _, tl := range timelines {
		b.WriteString(tl)
	}
	return b.String()
}

// targets checks the targets against the rows.
func targets(rows []row) []string {
	var out []string
	exact := true
	cpuAt := map[int]time.Duration{}
	for _, r := range rows {
		if r.hosts <= transport.DefaultMaxOpen {
			exact = exact && r.loginsExact
		}
		if r.scenario != "no-change plan" {
			continue
		}
		goal := peerGoal(r.hosts)
		if r.peer.N > 0 {
			ratio := r.wall.Median.Seconds() / r.peer.Median.Seconds()
			out = append(out, fmt.Sprintf("%d × 3 no-change plan at most %.2f of the peer's (tenstad/remote, 3 files per host): %.2f — %s", r.hosts, goal, ratio, met(ratio <= goal)))
		} else {
			out = append(out, fmt.Sprintf("%d × 3 no-change plan at most %.2f of the peer's: peer not built (BENCH_PEER_PROVIDER)", r.hosts, goal))
		}
		perHost := r.providerCPU / time.Duration(r.hosts)
		cpuAt[r.hosts] = perHost
		out = append(out, fmt.Sprintf("%d × 3 no-change plan, provider CPU per host at most 15 ms: %.1f ms — %s", r.hosts,
			float64(perHost.Microseconds())/1000, met(perHost <= 15*time.Millisecond)))
		out = append(out, fmt.Sprintf("%d × 3 no-change plan, provider peak RSS: %s%s", r.hosts, mib(r.peakRSSKiB),
			map[bool]string{true: fmt.Sprintf(" (at most 200 MiB — %s)", met(r.peakRSSKiB > 0 && r.peakRSSKiB <= 200*1024)), false: ""}[r.hosts >= 1000]))
		if r.schemaFloor.N > 0 {
			out = append(out, fmt.Sprintf("  (terraform-plugin-framework alone, the same resources with the same schemas, values, logging and "+
				"collector settings on no-op resources: %s per host, plan %s, %s of the peer's; ours minus that: %s per host)",
				perHostMS(r.schemaFloorCPU, r.hosts), seconds(r.schemaFloor.Median), ratioOr(r.schemaFloor, r.peer),
				perHostMS(r.providerCPU-r.schemaFloorCPU, r.hosts)))
		}
		switch r.hosts {
		case 10:
			ratio := r.wall.Median.Seconds() / r.baseline.Median.Seconds()
			out = append(out, fmt.Sprintf("10 × 3 no-change plan at most 3× the terraform_data plan: %.1f× — %s", ratio, met(ratio <= 3)))
			if r.floor.N > 0 {
				out = append(out, fmt.Sprintf("  (a plugin provider that does nothing at all plans the same 30 resources in %s: %.1f× the terraform_data plan)",
					seconds(r.floor.Median), r.floor.Median.Seconds()/r.baseline.Median.Seconds()))
			}
		case 100:
			out = append(out, fmt.Sprintf("100 × 3 no-change plan under 5 s: %s — %s", seconds(r.wall.Median), met(r.wall.Median < 5*time.Second)))
		}
	}
	if big, ok := cpuAt[1000]; ok {
		if ref, ok := cpuAt[100]; ok {
			out = append(out, fmt.Sprintf("1000 × 3 no-change plan, provider CPU per host no more than at 100 hosts: %s vs %s — %s",
				perHostMS(big, 1), perHostMS(ref, 1), met(big <= ref)))
		}
	}
	out = append(out, fmt.Sprintf("SSH logins per walk = hosts, on every host in every run of fleets up to the pool's %d open connections: %s", transport.DefaultMaxOpen, met(exact)))
	return out
}

// peerGoal is the largest ours/peer ratio of a no-change plan the goals allow at hosts.
func peerGoal(hosts int) float64 {
	if hosts == 100 {
		return 0.30
	}
	return 0.35
}

// programNames renders programs as "sh 2, cat 1, ..." (base names, most first).
func programNames(p map[string]int) string {
	type kv struct {
		name string
		n    int
	}
	var l []kv
	for k, v := range p {
		l = append(l, kv{filepath.Base(k), v})
	}
	sort.Slice(l, func(i, j int) bool { return l[i].n > l[j].n || l[i].n == l[j].n && l[i].name < l[j].name })
	var parts []string
	for _, e := range l {
		parts = append(parts, fmt.Sprintf("%s %d", e.name, e.n))
	}
	return strings.Join(parts, ", ")
}

// perHostMS is d divided by hosts, in milliseconds.
func perHostMS(d time.Duration, hosts int) string {
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000/float64(hosts))
}

// ratioOr is a's median over b's, or says that b (the peer) was not measured.
func ratioOr(a, b Summary) string {
	if b.N == 0 || b.Median == 0 {
		return "— (peer not built)"
	}
	return fmt.Sprintf("%.2f", a.Median.Seconds()/b.Median.Seconds())
}

func met(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**missed**"
}

func loginList(ls []int) string {
	seen := map[int]bool{}
	var parts []string
	for _, l := range ls {
		if !seen[l] {
			seen[l] = true
			parts = append(parts, strconv.Itoa(l))
		}
	}
	return strings.Join(parts, ", ")
}

func mib(kib int) string {
	if kib == 0 {
		return "not measured"
	}
	return fmt.Sprintf("%.0f MiB", float64(kib)/1024)
}

// machine describes this computer and the tool versions.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		f := strings.Fields(string(b))
		if len(f) > 1 {
			if kb, err := strconv.Atoi(f[1]); err == nil {
				mem = fmt.Sprintf(", %.0f GiB RAM", float64(kb)/(1<<20))
			}
		}
	}
	return fmt.Sprintf("%d cores (%s)%s, %s; %s, %s, %s, %s", runtime.NumCPU(), cpu, mem, firstLine("uname", "-sr"),
		firstLine("terraform", "version"), firstLine("sshd", "-V"), firstLine("redis-server", "--version"), runtime.Version())
}

// firstLine runs a command and returns the first line it printed (stdout or stderr).
func firstLine(name string, args ...string) string {
	cmd := exec.Command(name, args...)
	cmd.Env = append(cleanEnv(), "TF_CLI_CONFIG_FILE="+os.DevNull, "CHECKPOINT_DISABLE=1")
	out, _ := cmd.CombinedOutput()
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if line == "" {
		return name + " (unknown version)"
	}
	return line
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], ", ")
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive number", p)
		}
		out = append(out, n)
	}
	return out, nil
}
