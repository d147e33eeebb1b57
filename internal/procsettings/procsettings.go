// Package procsettings is how a provider process of this project sets itself up before it
// serves Terraform: its logging and its garbage collector. The ntopng provider (main.go) and
// make bench's no-op provider (internal/bench/noopprovider) both serve through
// internal/pluginserver, which calls Apply, so that the framework floor the bench measures
// runs under exactly the provider's settings.
package procsettings

import (
	"os"
	"runtime"
	rdebug "runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
)

// MemoryLimit is the provider's soft memory limit unless GOMEMLIMIT is set.
const MemoryLimit = 64 << 20

// Apply runs QuietLogs and TuneGC. providerType is the type in the provider's registry
// address ("ntopng" for registry.terraform.io/hardenops/ntopng).
func Apply(providerType string) {
	QuietLogs(providerType)
	TuneGC()
}

// QuietedLogVars are the levels QuietLogs sets to off: the provider's own logger (which
// terraform-plugin-go names after the registry address's type: TF_LOG_PROVIDER_NTOPNG; left
// unset it logs at TRACE for terraform to filter) and the SDK's subsystems.
func QuietedLogVars(providerType string) []string {
	return []string{"TF_LOG_PROVIDER_" + strings.ToUpper(providerType), "TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO"}
}

// QuietLogs turns the provider's logging off when the operator asked for no logs at all
// (no TF_LOG* variable set): the provider and the plugin SDK would still format every line
// as JSON on stderr, and terraform would parse each one only to drop it. Over a 100-host
// plan that was about 1,500 lines from the provider and, from the SDK's TRACE logging, a
// fifth of the plan's time. Any TF_LOG* variable set keeps every default, so
// TF_LOG_PROVIDER=DEBUG and TF_LOG=TRACE work as documented.
func QuietLogs(providerType string) {
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TF_LOG") {
			return
		}
	}
	for _, v := range QuietedLogVars(providerType) {
		_ = os.Setenv(v, "off")
	}
}

// LiveHeapFactor is how far above the live heap TuneGC's memory limit follows it: after each
// collection the limit becomes LiveHeapFactor times the heap that survived it, between
// MemoryLimit and MaxMemoryLimit.
const LiveHeapFactor = 4

// MaxMemoryLimit is as far as the following limit goes: past it the collector works harder
// rather than let a provider process take more than about 200 MiB. The limit bounds what the
// Go runtime holds (heap, goroutine stacks); the resident set adds the program's code and
// what lives outside the runtime: with a connection held to each of 1,000 hosts
// (transport.DefaultMaxOpen), a limit of 192 MiB would let the process pass 200 MiB.
const MaxMemoryLimit = 160 << 20

// TuneGC sets, unless GOMEMLIMIT is set, a soft memory limit of MemoryLimit: the garbage
// collector works harder instead of growing the heap, which keeps the provider small on plans
// over hundreds of hosts. Under that limit, and unless GOGC is set, it turns the collector's
// proportional pacing off: a provider process lives for one walk, and most of it never gets
// near the limit, so a collection before it is work thrown away (a tenth to a fifth of the
// provider's CPU in a 10-host plan, see make bench); past it the limit collects as before.
//
// A fixed limit alone makes the collector's cost grow faster than the fleet: the heap that
// survives each collection (mostly the SSH connections held for the walk) eats the room left
// under the limit, so collections come more often just as each one has more to mark (at 100
// hosts, 60 collections of a 28 MiB heap: a third of the provider's CPU). So after each
// collection the limit follows the live heap: LiveHeapFactor times it, never below
// MemoryLimit nor above MaxMemoryLimit. Up to that ceiling the collector's work per byte
// allocated stays the same whatever the fleet's size. What stays live is bounded by the
// pool's open connections (transport.DefaultMaxOpen, of which transport.DefaultMaxWarm keep
// their SFTP sessions), plus a few hundred bytes of every request served
// (internal/pluginserver lets go of the rest).
func TuneGC() {
	following.Store(false)
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	rdebug.SetMemoryLimit(MemoryLimit)
	if os.Getenv("GOGC") == "" {
		rdebug.SetGCPercent(-1)
		following.Store(true)
		hookOnce.Do(func() { afterEachGC(followLiveHeap) })
	}
}

var (
	following atomic.Bool // the limit follows the live heap (TuneGC's last call set it so)
	hookOnce  sync.Once
)

// followLiveHeap sets the memory limit to LimitFor the live heap while following is set.
func followLiveHeap() {
	if !following.Load() {
		return
	}
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	rdebug.SetMemoryLimit(LimitFor(s[0].Value.Uint64()))
}

// LimitFor is the memory limit TuneGC sets after a collection that left live bytes of heap.
func LimitFor(live uint64) int64 {
	return min(MaxMemoryLimit, max(MemoryLimit, int64(min(live, MaxMemoryLimit))*LiveHeapFactor))
}

// gcSentinel is an object whose finalizer runs after the collection that finds it
// unreachable (it has a pointer, so it is never batched with other tiny objects).
type gcSentinel struct{ _ *int }

// afterEachGC runs f on the finalizer goroutine after each garbage collection.
func afterEachGC(f func()) {
	runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
		f()
		afterEachGC(f)
	})
}
