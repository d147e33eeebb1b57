//go:build pprof

package procsettings

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"time"
)

// Profile, in a provider built with `-tags pprof` and run with NTOPNG_PROFILE_DIR set, writes
// into that directory, per process (NAME is the program's name): a CPU profile (NAME.cpu.PID),
// at the end what it allocated and what was still in use after a last collection
// (NAME.heap.PID), the in-use heap and the goroutines each time the live heap grew by a tenth
// (NAME.peakheap.PID, NAME.peakgoroutines.PID), and the peak live heap, goroutines and
// collections (NAME.gc.PID). It returns what ends the profiles. make bench's BENCH_PROFILE
// builds both providers so (internal/bench). The release build has none of this
// (profile_off.go).
func Profile() (stop func()) {
	dir := os.Getenv("NTOPNG_PROFILE_DIR")
	if dir == "" {
		return func() {}
	}
	name := func(kind string) string {
		return fmt.Sprintf("%s/%s.%s.%d", dir, filepath.Base(os.Args[0]), kind, os.Getpid())
	}
	runtime.MemProfileRate = 32 << 10
	f, err := os.Create(name("cpu"))
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	var peakLive, peakGoroutines uint64
	samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/sched/goroutines:goroutines"}, {Name: "/gc/cycles/total:gc-cycles"}}
	tick := time.NewTicker(20 * time.Millisecond)
	go func() {
		for range tick.C {
			metrics.Read(samples[:2])
			if live := samples[0].Value.Uint64(); live > peakLive+peakLive/10 {
				peakLive = live
				if h, err := os.Create(name("peakheap")); err == nil {
					_ = pprof.Lookup("heap").WriteTo(h, 0)
					h.Close()
				}
				if h, err := os.Create(name("peakgoroutines")); err == nil {
					_ = pprof.Lookup("goroutine").WriteTo(h, 1)
					h.Close()
				}
			}
			peakGoroutines = max(peakGoroutines, samples[1].Value.Uint64())
		}
	}()
	return func() {
		tick.Stop()
		metrics.Read(samples)
		_ = os.WriteFile(name("gc"), fmt.Appendf(nil,
			"peak live heap %d KiB, peak goroutines %d, GC cycles %d\n", peakLive>>10, peakGoroutines, samples[2].Value.Uint64()), 0o644)
		pprof.StopCPUProfile()
		f.Close()
		if h, err := os.Create(name("heap")); err == nil {
			runtime.GC()
			_ = pprof.Lookup("allocs").WriteTo(h, 0)
			h.Close()
		}
	}
}
