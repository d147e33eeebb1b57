// Package pluginserver is how a provider of this project serves Terraform: the process
// settings (procsettings), the framework's protocol-6 server, and between the two a wrapper
// (Detach) that lets go of each request's context once the request has ended.
//
// Why the wrapper: terraform-plugin-framework v1.19.0 keeps the cancel function of every
// request's context until Terraform calls StopProvider (internal/proto6server/serve.go,
// registerContext), and with it that context and all its parents: terraform-plugin-go's
// per-request loggers and gRPC's stream. Measured over gRPC with a one-attribute resource,
// that is about 13 KiB per request for the life of the process, so a plan's live heap grew
// with the fleet (15 MiB for 100 hosts on the no-op provider, about 160 MiB at 1,000 hosts)
// and the collector's work per host grew with it. The framework only ever calls those cancel
// functions on StopProvider, to cancel requests still running; what it gets from Detach still
// does that while the request runs, and is a few hundred bytes once it has ended.
//
// The ntopng provider (main.go) and make bench's no-op provider (internal/bench/noopprovider)
// both serve through Serve, so that the framework floor the bench measures runs exactly as
// the provider does.
package pluginserver

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/hardenops/terraform-provider-ntopng/internal/procsettings"
)

// Serve applies procsettings for providerType (the type in the registry address
// registry.terraform.io/hardenops/<providerType>), starts the profiles of a `-tags pprof`
// build, and serves p's framework server through Detach until Terraform stops it. debug is
// the provider's -debug flag (tf6server's managed debug mode).
func Serve(providerType string, p func() provider.Provider, debug bool) error {
	procsettings.Apply(providerType)
	stopProfile := procsettings.Profile() // only in a `-tags pprof` build
	defer stopProfile()
	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	server, err := Detach(providerserver.NewProtocol6(p())())
	if err != nil {
		return err
	}
	return tf6server.Serve("registry.terraform.io/hardenops/"+providerType, func() tfprotov6.ProviderServer { return server }, opts...)
}

// Detach returns down behind the wrapper that lets go of each request's context when the
// request ends (see the package's comment). down must serve every optional interface
// terraform-plugin-framework's server serves (list resources, actions, state stores): a
// framework that stopped doing so is an error here, not a provider that silently lost RPCs.
func Detach(down tfprotov6.ProviderServer) (tfprotov6.ProviderServer, error) {
	full, ok := down.(downstream)
	if !ok {
		return nil, fmt.Errorf("pluginserver: %T does not serve list resources, actions and state stores", down)
	}
	return server{full}, nil
}
