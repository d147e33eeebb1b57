// Package procsettings is how a provider process of this project sets itself up before it
// serves Terraform: its logging and its garbage collector. The ntopng provider (main.go) and
// make bench's no-op provider (internal/bench/noopprovider) both call Apply, so that the
// framework floor the bench measures runs under exactly the provider's settings.
package procsettings

import (
	"os"
	rdebug "runtime/debug"
	"strings"
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

// TuneGC sets, unless GOMEMLIMIT is set, a soft memory limit of MemoryLimit: the garbage
// collector works harder instead of growing the heap, which keeps the provider small on plans
// over hundreds of hosts. Under that limit, and unless GOGC is set, it turns the collector's
// proportional pacing off: a provider process lives for one walk, and most of it never gets
// near the limit, so a collection before it is work thrown away (a tenth to a fifth of the
// provider's CPU in a 10-host plan, see make bench); past it the limit collects as before.
func TuneGC() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	rdebug.SetMemoryLimit(MemoryLimit)
	if os.Getenv("GOGC") == "" {
		rdebug.SetGCPercent(-1)
	}
}
