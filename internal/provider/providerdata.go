package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// providerData is what Configure hands to every resource and data source: the connection
// settings and the pool that shares one SSH connection per host.
type providerData struct {
	pool    *transport.Pool
	base    transport.Config
	unknown bool // some ssh setting is not known yet (depends on a resource not created yet)
	// endpoints cross-checks ntopng_tls_cert.verify_endpoint and ntopng_instance.https_listen.
	endpoints endpointNotes
}

// conn returns the shared connection to host, dialling it on first use. sshPort, when set,
// overrides the provider's SSH port.
func (d *providerData) conn(ctx context.Context, host string, sshPort types.Int64) (*transport.Conn, error) {
	if d.unknown {
		return nil, fmt.Errorf("the provider's ssh settings depend on values not known until apply; "+
			"set them from variables or files so that the provider can reach %s while planning", host)
	}
	cfg := d.base
	cfg.Target.Host = host
	if !sshPort.IsNull() && !sshPort.IsUnknown() {
		cfg.Target.Port = int(sshPort.ValueInt64())
	}
	return d.pool.Conn(ctx, cfg)
}

// configureData is the one checked way to take the provider's data in Configure.
func configureData(raw any) (*providerData, diag.Diagnostics) {
	var diags diag.Diagnostics
	if raw == nil { // the provider is not configured yet (validate)
		return nil, nil
	}
	d, ok := raw.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data",
			fmt.Sprintf("Expected *providerData, got %T. Please report this to the provider developers.", raw))
		return nil, diags
	}
	return d, nil
}

// recoverInterrupted finishes the rollback of an apply to mainPath that was interrupted (a
// dropped connection, a killed provider) before a refresh reads the host, so that the plan
// compares the configuration with the files as last confirmed.
func recoverInterrupted(ctx context.Context, c *transport.Conn, mainPath, restart string) diag.Diagnostics {
	var diags diag.Diagnostics
	msg, err := hostchange.Recover(ctx, c, mainPath, restart)
	if err != nil {
		diags.AddError("Interrupted Apply Not Rolled Back", err.Error())
		return diags
	}
	if msg != "" {
		diags.AddWarning("Interrupted Apply Rolled Back", msg)
	}
	return diags
}
