package procsettings

import (
	"math"
	"os"
	"runtime"
	rdebug "runtime/debug"
	"strings"
	"testing"
	"time"
)

// clearLogEnv unsets every TF_LOG* variable for the test (restored afterwards).
func clearLogEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "TF_LOG") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
	for _, v := range QuietedLogVars("ntopng") {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
}

func TestQuietLogsWithoutAnyTFLog(t *testing.T) {
	clearLogEnv(t)
	QuietLogs("ntopng")
	for _, v := range QuietedLogVars("ntopng") {
		if got := os.Getenv(v); got != "off" {
			t.Errorf("%s = %q after QuietLogs with no TF_LOG* set, want off", v, got)
		}
	}
	if QuietedLogVars("ntopng")[0] != "TF_LOG_PROVIDER_NTOPNG" || QuietedLogVars("noop")[0] != "TF_LOG_PROVIDER_NOOP" {
		t.Errorf("provider loggers: %q, %q", QuietedLogVars("ntopng")[0], QuietedLogVars("noop")[0])
	}
}

func TestQuietLogsKeepsWhatTheOperatorAskedFor(t *testing.T) {
	for _, asked := range []string{"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_NTOPNG", "TF_LOG_SDK_FRAMEWORK"} {
		t.Run(asked, func(t *testing.T) {
			clearLogEnv(t)
			t.Setenv(asked, "DEBUG")
			QuietLogs("ntopng")
			if got := os.Getenv(asked); got != "DEBUG" {
				t.Errorf("%s = %q, want DEBUG kept", asked, got)
			}
			for _, v := range QuietedLogVars("ntopng") {
				if v != asked && os.Getenv(v) == "off" {
					t.Errorf("%s set to off although %s was set", v, asked)
				}
			}
		})
	}
}

// TestTuneGC: without GOMEMLIMIT and GOGC, a 64 MiB soft limit and no proportional collection
// under it; GOMEMLIMIT leaves both to the runtime; GOGC keeps its own pacing under the limit.
func TestTuneGC(t *testing.T) {
	defer rdebug.SetGCPercent(rdebug.SetGCPercent(100))
	defer rdebug.SetMemoryLimit(rdebug.SetMemoryLimit(math.MaxInt64))
	for _, c := range []struct {
		gomemlimit, gogc string
		limit            int64
		percent          int
	}{
		{"", "", MemoryLimit, -1},
		{"", "200", MemoryLimit, 100},
		{"1GiB", "", math.MaxInt64, 100},
	} {
		t.Setenv("GOMEMLIMIT", c.gomemlimit)
		t.Setenv("GOGC", c.gogc)
		rdebug.SetGCPercent(100)
		rdebug.SetMemoryLimit(math.MaxInt64)
		TuneGC()
		if limit, percent := rdebug.SetMemoryLimit(-1), rdebug.SetGCPercent(100); limit != c.limit || percent != c.percent {
			t.Errorf("GOMEMLIMIT=%q GOGC=%q: limit %d, GC percent %d; want %d, %d", c.gomemlimit, c.gogc, limit, percent, c.limit, c.percent)
		}
	}
}

// TestMemoryLimitFollowsTheLiveHeap: under TuneGC's settings, once the heap that survives a
// collection is past a quarter of MemoryLimit the limit becomes LiveHeapFactor times it, up to
// MaxMemoryLimit, and it comes back to MemoryLimit when that heap is freed; GOGC set turns the
// following off.
func TestMemoryLimitFollowsTheLiveHeap(t *testing.T) {
	defer rdebug.SetGCPercent(rdebug.SetGCPercent(100))
	defer rdebug.SetMemoryLimit(rdebug.SetMemoryLimit(math.MaxInt64))
	defer following.Store(false)
	t.Setenv("GOMEMLIMIT", "")
	t.Setenv("GOGC", "")
	TuneGC()
	limitAfterGC := func(want func(int64) bool, what string) int64 {
		t.Helper()
		var got int64
		for i := 0; i < 200; i++ { // the hook runs on the finalizer goroutine after a collection
			runtime.GC()
			if got = rdebug.SetMemoryLimit(-1); want(got) {
				return got
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("memory limit %d MiB after collections, want %s", got>>20, what)
		return 0
	}
	held := make([][]byte, 0, 248)
	for range 40 { // 40 MiB live, in pieces the collector must keep
		held = append(held, make([]byte, 1<<20))
	}
	limitAfterGC(func(l int64) bool { return l >= LiveHeapFactor*32<<20 }, "at least 4 × 32 MiB")
	for range 200 { // 248 MiB live: the limit stops at its ceiling
		held = append(held, make([]byte, 1<<20))
	}
	limitAfterGC(func(l int64) bool { return l == MaxMemoryLimit }, "MaxMemoryLimit")
	runtime.KeepAlive(held)
	held = nil
	limitAfterGC(func(l int64) bool { return l == MemoryLimit }, "back to MemoryLimit")

	t.Setenv("GOGC", "100")
	TuneGC()
	big := make([]byte, 64<<20)
	runtime.GC()
	runtime.GC()
	time.Sleep(50 * time.Millisecond)
	if l := rdebug.SetMemoryLimit(-1); l != MemoryLimit {
		t.Errorf("with GOGC set, the memory limit moved to %d MiB", l>>20)
	}
	runtime.KeepAlive(big)
}

func TestLimitFor(t *testing.T) {
	for live, want := range map[uint64]int64{0: MemoryLimit, 10 << 20: MemoryLimit, 16 << 20: MemoryLimit, 40 << 20: 160 << 20,
		48 << 20: MaxMemoryLimit, 1 << 30: MaxMemoryLimit, math.MaxUint64: MaxMemoryLimit} {
		if got := LimitFor(live); got != want {
			t.Errorf("LimitFor(%d) = %d, want %d", live, got, want)
		}
	}
}
