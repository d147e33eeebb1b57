// Command terraform-provider-ntopng is the Terraform provider that hardens ntopng probes
// (ntopng.conf, the Redis it uses, the HTTPS certificate) over SSH.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	rdebug "runtime/debug"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/hardenops/terraform-provider-ntopng/internal/provider"
)

// version is set by the release build (goreleaser ldflags: -X main.version=...).
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "start the provider with support for debuggers like delve")
	flag.Parse()
	quietSDKLogs()
	if os.Getenv("GOMEMLIMIT") == "" {
		// A soft limit: the garbage collector works harder instead of growing the heap, which
		// keeps the provider small on plans over hundreds of hosts (see make bench).
		rdebug.SetMemoryLimit(64 << 20)
	}

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/hardenops/ntopng",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}

// quietSDKLogs turns off the plugin SDK's own TRACE logging when the operator asked for no
// logs at all: the SDK formats every line and terraform parses and drops it, which costs a
// fifth of a large plan's time. Any TF_LOG* variable set keeps the SDK's defaults.
func quietSDKLogs() {
	for _, v := range []string{"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO"} {
		if os.Getenv(v) != "" {
			return
		}
	}
	for _, v := range []string{"TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO"} {
		_ = os.Setenv(v, "off")
	}
}
