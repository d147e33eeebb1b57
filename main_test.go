package main

import (
	"fmt"
	"math"
	"os"
	rdebug "runtime/debug"
	"strings"
	"testing"

	"github.com/hardenops/terraform-provider-ntopng/internal/bench"
)

// clearLogEnv unsets every TF_LOG* variable for the test (restored afterwards).
func clearLogEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "TF_LOG") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
	for _, v := range quietedLogVars {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
}

func TestQuietLogsWithoutAnyTFLog(t *testing.T) {
	clearLogEnv(t)
	quietLogs()
	for _, v := range quietedLogVars {
		if got := os.Getenv(v); got != "off" {
			t.Errorf("%s = %q after quietLogs with no TF_LOG* set, want off", v, got)
		}
	}
}

func TestQuietLogsKeepsWhatTheOperatorAskedFor(t *testing.T) {
	for _, asked := range []string{"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_NTOPNG", "TF_LOG_SDK_FRAMEWORK"} {
		t.Run(asked, func(t *testing.T) {
			clearLogEnv(t)
			t.Setenv(asked, "DEBUG")
			quietLogs()
			if got := os.Getenv(asked); got != "DEBUG" {
				t.Errorf("%s = %q, want DEBUG kept", asked, got)
			}
			for _, v := range quietedLogVars {
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
		{"", "", memoryLimit, -1},
		{"", "200", memoryLimit, 100},
		{"1GiB", "", math.MaxInt64, 100},
	} {
		t.Setenv("GOMEMLIMIT", c.gomemlimit)
		t.Setenv("GOGC", c.gogc)
		rdebug.SetGCPercent(100)
		rdebug.SetMemoryLimit(math.MaxInt64)
		tuneGC()
		if limit, percent := rdebug.SetMemoryLimit(-1), rdebug.SetGCPercent(100); limit != c.limit || percent != c.percent {
			t.Errorf("GOMEMLIMIT=%q GOGC=%q: limit %d, GC percent %d; want %d, %d", c.gomemlimit, c.gogc, limit, percent, c.limit, c.percent)
		}
	}
}

// TestBenchFloorHasTheProviderGC: make bench's framework floor runs the no-op provider with the
// garbage collector settings tuneGC gives this provider, or the floor would measure another
// runtime setting than the provider's.
func TestBenchFloorHasTheProviderGC(t *testing.T) {
	want := fmt.Sprintf("GOMEMLIMIT=%dMiB GOGC=off", memoryLimit>>20)
	if bench.FloorGCEnv != want {
		t.Errorf("bench.FloorGCEnv = %q, want %q (main.go's memoryLimit and no pacing)", bench.FloorGCEnv, want)
	}
}
