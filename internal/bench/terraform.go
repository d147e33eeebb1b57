package bench

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// timeBin is GNU time (Debian package "time"); without it peak RSS is not measured.
const timeBin = "/usr/bin/time"

// Provider is the provider binary as terraform reaches it: a dev_overrides CLI
// configuration whose directory holds a wrapper that runs the real binary under
// `/usr/bin/time -v`, so that every provider process leaves its own peak RSS in RSSDir.
type Provider struct {
	// CLIConfig is the CLI configuration file (TF_CLI_CONFIG_FILE).
	CLIConfig string
	// RSSDir gets one `time -v` report per provider process.
	RSSDir string
	// Terraform is the terraform binary.
	Terraform string
}

// BuildProvider builds the provider from this module into <dir>/bin, and writes the wrapper
// (<dir>/provider/terraform-provider-ntopng) and the CLI configuration (<dir>/cli.tfrc). The
// configuration also installs the no-op provider (internal/bench/noopprovider, built into
// <dir>/noop) as hardenops/noop: the plugin floor.
func BuildProvider(t testing.TB, dir, terraform string) *Provider {
	t.Helper()
	p := &Provider{CLIConfig: filepath.Join(dir, "cli.tfrc"), RSSDir: filepath.Join(dir, "rss"), Terraform: terraform}
	bin := filepath.Join(dir, "bin", "terraform-provider-ntopng")
	flags := []string{"build", "-trimpath"}
	if ProfileDir() != "" {
		flags = append(flags, "-tags", "pprof") // procsettings.Profile: the providers write their profiles
	}
	cmd := exec.Command("go", append(flags, "-o", bin, ".")...)
	cmd.Dir = testhost.ModuleRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bench: go build of the provider failed: %v\n%s", err, out)
	}
	noopBin := filepath.Join(dir, "bin", "terraform-provider-noop")
	cmd = exec.Command("go", append(flags, "-o", noopBin, "./internal/bench/noopprovider")...)
	cmd.Dir = testhost.ModuleRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bench: go build of the no-op provider failed: %v\n%s", err, out)
	}
	mkdir(t, p.RSSDir)
	peer := ""
	if bin := PeerProvider(); bin != "" {
		// The peer, when built by hand (it is never part of this repository): dev_overrides
		// wants a directory holding terraform-provider-remote.
		dir := filepath.Join(dir, "peer-provider")
		mkdir(t, dir)
		if err := os.Symlink(bin, filepath.Join(dir, "terraform-provider-remote")); err != nil {
			t.Fatalf("bench: %v", err)
		}
		peer = fmt.Sprintf("    \"tenstad/remote\"   = %q\n", dir)
	}
	// Both providers run under the same wrapper: the no-op provider's CPU is the floor's.
	wrapper := func(bin string) string { return "#!/bin/sh\nexec " + shellQuote(bin) + ` "$@"` + "\n" }
	if _, err := os.Stat(timeBin); err == nil {
		// $$ is the shell's PID, kept by exec: one report per provider process.
		wrapper = func(bin string) string {
			return "#!/bin/sh\nexec " + timeBin + " -v -o " + shellQuote(p.RSSDir) + `/"$$" ` + shellQuote(bin) + ` "$@"` + "\n"
		}
	} else {
		t.Logf("bench: %s is missing (apt-get install time): provider peak RSS and CPU are not measured", timeBin)
	}
	overrides, noop := filepath.Join(dir, "provider"), filepath.Join(dir, "noop")
	writeFile(t, filepath.Join(overrides, "terraform-provider-ntopng"), wrapper(bin), 0o755)
	// The no-op provider gives itself the ntopng provider's logging and garbage collector
	// settings (internal/procsettings), so that the floor differs from it only in what it does.
	writeFile(t, filepath.Join(noop, "terraform-provider-noop"), wrapper(noopBin), 0o755)
	writeFile(t, p.CLIConfig, fmt.Sprintf(`provider_installation {
  dev_overrides {
    "hardenops/ntopng" = %q
    "hardenops/noop"   = %q
%s  }
  direct {}
}
`, overrides, noop, peer), 0o644)
	return p
}

// PeerProvider is the path of a terraform-provider-remote binary (tenstad/terraform-provider-remote)
// built by hand, from BENCH_PEER_PROVIDER; "" when the peer is not built.
func PeerProvider() string {
	p := os.Getenv("BENCH_PEER_PROVIDER")
	if p == "" {
		return ""
	}
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// ProfileDir is BENCH_PROFILE: a directory where both providers, built with `-tags pprof`,
// write their profiles per process (procsettings.Profile) for `go tool pprof`; "" when not
// profiling. Profiling costs CPU of its own: compare figures
// of profiled runs with each other only.
func ProfileDir() string {
	p := os.Getenv("BENCH_PROFILE")
	if p == "" {
		return ""
	}
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// Result is one terraform command.
type Result struct {
	Args     []string
	ExitCode int
	// Output is terraform's stdout and stderr.
	Output string
	Wall   time.Duration
	// Logins is, per host, the SSH logins sshd accepted during the command.
	Logins []int
	// ProviderProcesses is how many provider processes terraform started; PeakRSSKiB the
	// largest peak resident set of them (0 when not measured).
	ProviderProcesses int
	PeakRSSKiB        int
	// ProviderLog is the provider's TRACE log, when the command ran with logging.
	ProviderLog string
	// CPU time (user + system) of terraform with every process it waited for (providers
	// included), of the provider processes alone (from `time -v`; 0 when not measured), and
	// of the whole machine during the command (from /proc/stat: adds the hosts' sshd,
	// sftp-server, shells, redis-server and the ntopng stand-in).
	TerraformCPU, ProviderCPU, MachineCPU time.Duration
}

// TotalLogins sums Logins.
func (r Result) TotalLogins() int {
	n := 0
	for _, l := range r.Logins {
		n += l
	}
	return n
}

// Expect fails the test, with the end of terraform's output, unless the exit code is one
// of codes.
func (r Result) Expect(t testing.TB, codes ...int) {
	t.Helper()
	for _, c := range codes {
		if r.ExitCode == c {
			return
		}
	}
	t.Fatalf("bench: terraform %s exited %d, want %v:\n%s", strings.Join(r.Args, " "), r.ExitCode, codes, lastLines(r.Output, 60))
}

// Terraform runs terraform with args in dir (WorkDir or BaselineDir), with the fleet's CLI
// configuration. Other ntopng processes on the machine (another test's stand-in, a sandbox's
// ntopng) do not matter: every host finds its ntopng through its unit's main PID. With logged, the
// provider logs at TRACE level into Result.ProviderLog (slower: use it for counting, not
// for timing).
func (f *Fleet) Terraform(t testing.TB, dir string, logged bool, args ...string) Result {
	t.Helper()
	clearDir(t, f.provider.RSSDir)
	env := []string{"TF_CLI_CONFIG_FILE=" + f.provider.CLIConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1"}
	if d := ProfileDir(); d != "" {
		env = append(env, "NTOPNG_PROFILE_DIR="+d)
	}
	logPath := filepath.Join(f.Dir, "provider.log")
	if logged {
		os.Remove(logPath)
		env = append(env, "TF_LOG_PROVIDER=TRACE", "TF_LOG_PATH="+logPath)
	}
	cmd := exec.Command(f.provider.Terraform, args...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out

	before := f.Logins()
	cpuBefore := machineCPU()
	start := time.Now()
	err := cmd.Run()
	r := Result{Args: args, Wall: time.Since(start), Output: out.String(), MachineCPU: machineCPU() - cpuBefore}
	if cmd.ProcessState != nil {
		r.TerraformCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		r.ExitCode = exitErr.ExitCode()
	default:
		t.Fatalf("bench: cannot run terraform: %v", err)
	}
	for i, n := range f.Logins() {
		r.Logins = append(r.Logins, n-before[i])
	}
	r.ProviderProcesses, r.PeakRSSKiB, r.ProviderCPU = peakRSS(t, f.provider.RSSDir)
	if logged {
		b, err := os.ReadFile(logPath)
		if err != nil {
			t.Fatalf("bench: terraform wrote no provider log: %v", err)
		}
		r.ProviderLog = string(b)
	}
	return r
}

// cleanEnv is this process's environment without the variables that change how terraform
// logs or finds its CLI configuration.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TF_LOG") || strings.HasPrefix(kv, "TF_CLI_CONFIG_FILE=") || strings.HasPrefix(kv, "TF_CLI_ARGS") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func clearDir(t testing.TB, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("bench: %v", err)
	}
	for _, e := range entries {
		os.Remove(filepath.Join(dir, e.Name()))
	}
}

// maxRSS matches GNU time's "Maximum resident set size (kbytes): N" line.
var maxRSS = regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`)

// peakRSS reads the `time -v` reports in dir: how many processes reported, the largest
// peak RSS in KiB, and their CPU time summed.
func peakRSS(t testing.TB, dir string) (processes, peakKiB int, cpu time.Duration) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("bench: %v", err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		kib, ok := ParseMaxRSS(string(b))
		if !ok {
			continue
		}
		processes++
		peakKiB = max(peakKiB, kib)
		cpu += ParseCPU(string(b))
	}
	return processes, peakKiB, cpu
}

// cpuTime matches GNU time's "User time (seconds): 0.12" and "System time (seconds): 0.03".
var cpuTime = regexp.MustCompile(`(?m)^\s*(?:User|System) time \(seconds\): ([0-9.]+)`)

// ParseCPU returns user + system time from a GNU `time -v` report.
func ParseCPU(report string) time.Duration {
	var d time.Duration
	for _, m := range cpuTime.FindAllStringSubmatch(report, -1) {
		if s, err := strconv.ParseFloat(m[1], 64); err == nil {
			d += time.Duration(s * float64(time.Second))
		}
	}
	return d
}

// machineCPU is the CPU time every core of this machine spent busy since boot, from the
// first line of /proc/stat (user, nice, system, irq, softirq, steal; in USER_HZ = 100 ticks
// per second, which Linux fixes for this file). It is 0 when /proc/stat cannot be read.
func machineCPU() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} { // skip idle (4) and iowait (5)
		n, _ := strconv.ParseInt(f[i], 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// ParseMaxRSS returns the peak RSS in KiB from a GNU `time -v` report.
func ParseMaxRSS(report string) (int, bool) {
	m := maxRSS.FindStringSubmatch(report)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
