package provider

import (
	"context"
	"fmt"
	"path"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	fwpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// A destroy that puts a host back as it was, or removes the certificate, can leave the other
// resources' services broken or weaker until they are destroyed too, whatever the order (see
// the README's "Destroy"). The provider does not refuse it (it is what on_destroy asks for),
// and Terraform's order cannot be changed from here: each such destroy plan warns, naming what
// it leaves behind. on_destroy = "keep" (the default) warns about nothing: the host stays
// hardened.

// warnDestroy adds the destroy warning of resource typeName for its prior state; pathAttr is the
// attribute holding the managed file. Nothing is said for on_destroy = "keep".
func warnDestroy(ctx context.Context, typeName, pathAttr string, state tfsdk.State) diag.Diagnostics {
	var diags diag.Diagnostics
	var host, file, onDestroy types.String
	for attr, dst := range map[string]*types.String{"host": &host, pathAttr: &file, "on_destroy": &onDestroy} {
		if d := state.GetAttribute(ctx, fwpath.Root(attr), dst); d.HasError() {
			return nil
		}
	}
	switch od := hostchange.OnDestroy(onDestroy.ValueString()); {
	case typeName == "ntopng_instance" && od == hostchange.OnDestroyRestore:
		diags.AddAttributeWarning(fwpath.Root("on_destroy"), "Destroy Puts Back the Stock ntopng.conf",
			fmt.Sprintf("on_destroy = \"restore\": destroying this ntopng_instance puts back %s on %s as it was before "+
				"the first apply and restarts ntopng. A stock file serves plain HTTP on every address and reaches Redis over "+
				"TCP without a password: while ntopng_redis keeps that Redis hardened (no TCP port, a password), the "+
				"restarted ntopng cannot reach it until ntopng_redis is destroyed with on_destroy = \"restore\" too "+
				"(terraform destroy does both, ntopng_instance first). To leave the host hardened, set on_destroy = \"keep\" "+
				"and apply before destroying.", file.ValueString(), host.ValueString()))
	case typeName == "ntopng_redis" && od == hostchange.OnDestroyRestore:
		diags.AddAttributeWarning(fwpath.Root("on_destroy"), "Destroy Puts Back the Stock redis.conf",
			fmt.Sprintf("on_destroy = \"restore\": destroying this ntopng_redis puts back %s on %s as it was before the "+
				"first apply and restarts Redis: a stock file listens on TCP without a password again. An ntopng_instance "+
				"that stays configured for the socket and the password cannot reach Redis after that. Destroy or restore "+
				"ntopng_instance in the same run, or set on_destroy = \"keep\" and apply before destroying.", file.ValueString(), host.ValueString()))
	case typeName == "ntopng_tls_cert" && od == hostchange.OnDestroyRemove:
		diags.AddAttributeWarning(fwpath.Root("on_destroy"), "Destroy Removes the HTTPS Certificate",
			fmt.Sprintf("on_destroy = \"remove\": destroying this ntopng_tls_cert deletes %s on %s. ntopng is not "+
				"restarted and serves the loaded certificate until it restarts; then it has no certificate, serves no HTTPS, "+
				"and where its configuration still enables plain HTTP (an ntopng_instance with http_listen other than "+
				"\"disabled\", or none) it serves the web interface over plain HTTP only. Destroy or change the "+
				"ntopng_instance that uses it in the same run (terraform destroy does, first), or set on_destroy = \"keep\" "+
				"and apply before destroying.", file.ValueString(), host.ValueString()))
	}
	return diags
}

// restoreOriginals is Delete with on_destroy = "restore": it puts back every file of paths
// (paths[0] is the main file) as it was before the provider first changed it and runs
// restart. A file without a kept original stays as it is; when the main file has none, a
// warning says so.
func restoreOriginals(ctx context.Context, c *transport.Conn, host string, paths []string, restart string) diag.Diagnostics {
	var diags diag.Diagnostics
	main := paths[0]
	restored, err := hostchange.Restore(ctx, c, paths, restart)
	if err != nil {
		diags.AddError("Cannot Restore "+path.Base(main), fmt.Sprintf(
			"Putting back the original %s on %s failed: %v. Check the file and restart the service by hand.", main, host, err))
		return diags
	}
	if !restored {
		diags.AddWarning("No Original "+path.Base(main)+" Kept", fmt.Sprintf(
			"on_destroy = \"restore\", but no copy of the original %s was found (%s): the hardened file was left as it is.",
			main, main+hostchange.OriginalSuffix))
	}
	return diags
}
