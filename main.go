// Command terraform-provider-ntopng is the Terraform provider that hardens ntopng probes
// (ntopng.conf, the Redis it uses, the HTTPS certificate) over SSH.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/hardenops/terraform-provider-ntopng/internal/procsettings"
	"github.com/hardenops/terraform-provider-ntopng/internal/provider"
)

// version is set by the release build (goreleaser ldflags: -X main.version=...).
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "start the provider with support for debuggers like delve")
	flag.Parse()
	procsettings.Apply("ntopng")
	stopProfile := procsettings.Profile() // only in a `-tags pprof` build

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/hardenops/ntopng",
		Debug:   debug,
	})
	stopProfile()
	if err != nil {
		log.Fatal(err.Error())
	}
}
