// Command terraform-provider-ntopng is the Terraform provider that hardens ntopng probes
// (ntopng.conf, the Redis it uses, the HTTPS certificate) over SSH.
package main

import (
	"flag"
	"log"

	"github.com/hardenops/terraform-provider-ntopng/internal/pluginserver"
	"github.com/hardenops/terraform-provider-ntopng/internal/provider"
)

// version is set by the release build (goreleaser ldflags: -X main.version=...).
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "start the provider with support for debuggers like delve")
	flag.Parse()
	// registry.terraform.io/hardenops/ntopng, with the settings and the server make bench's
	// framework floor runs under too (internal/pluginserver).
	if err := pluginserver.Serve("ntopng", provider.New(version), debug); err != nil {
		log.Fatal(err.Error())
	}
}
