// Command terraform-provider-ntopng is the Terraform provider that hardens ntopng probes
// (ntopng.conf, the Redis it uses, the HTTPS certificate) over SSH.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	rdebug "runtime/debug"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/hardenops/terraform-provider-ntopng/internal/provider"
)

// version is set by the release build (goreleaser ldflags: -X main.version=...).
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "start the provider with support for debuggers like delve")
	flag.Parse()
	quietLogs()
	tuneGC()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/hardenops/ntopng",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}

// quietedLogVars are the levels quietLogs sets to off: the provider's own logger (which
// terraform-plugin-go names after the registry address's type: TF_LOG_PROVIDER_NTOPNG; left
// unset it logs at TRACE for terraform to filter) and the SDK's subsystems.
var quietedLogVars = []string{"TF_LOG_PROVIDER_NTOPNG", "TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO"}

// quietLogs turns the provider's logging off when the operator asked for no logs at all
// (no TF_LOG* variable set): the provider and the plugin SDK would still format every line
// as JSON on stderr, and terraform would parse each one only to drop it. Over a 100-host
// plan that was about 1,500 lines from the provider and, from the SDK's TRACE logging, a
// fifth of the plan's time. Any TF_LOG* variable set keeps every default, so
// TF_LOG_PROVIDER=DEBUG and TF_LOG=TRACE work as documented.
func quietLogs() {
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TF_LOG") {
			return
		}
	}
	for _, v := range quietedLogVars {
		_ = os.Setenv(v, "off")
	}
}

// memoryLimit is the provider's soft memory limit unless GOMEMLIMIT is set.
const memoryLimit = 64 << 20

// tuneGC sets, unless GOMEMLIMIT is set, a soft memory limit of 64 MiB: the garbage collector
// works harder instead of growing the heap, which keeps the provider small on plans over
// hundreds of hosts. Under that limit, and unless GOGC is set, it turns the collector's
// proportional pacing off: a provider process lives for one walk, and most of it never gets
// near the limit, so a collection before it is work thrown away (a tenth to a fifth of the
// provider's CPU in a 10-host plan, see make bench); past it the limit collects as before.
func tuneGC() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	rdebug.SetMemoryLimit(memoryLimit)
	if os.Getenv("GOGC") == "" {
		rdebug.SetGCPercent(-1)
	}
}
