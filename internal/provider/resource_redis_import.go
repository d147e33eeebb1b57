package provider

// ntopng_redis's import: the state an import starts from, before Read fills it from the host.

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// ImportState takes host:/path, host:ssh_port:/path or the identity. Read then fills the managed
// attributes from the host; the settings that live only in Terraform get their schema defaults,
// and requirepass_wo_version (which has none) is assumed to be 1.
func (r *redisResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	t, diags := redisIdentity.target(ctx, req)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	resp.Diagnostics.Append(startImport(ctx, resp, redisIdentity, func(st *redisModel) {
		st.ID, st.Host, st.SSHPort = types.StringValue(hostID(t.host, t.sshPort, t.path)), types.StringValue(t.host), t.sshPort
		st.ConfigPath = types.StringValue(t.path)
		st.RequirepassWOVersion = types.Int64Value(1) // no schema default: assumed
		st.RestartCommand = types.StringValue(r.hostDefaults(ctx, types.StringValue(t.host), t.sshPort, t.path).RestartCommand)
		// Read from the host (fillFromHost adopts what the file says where these are null).
		st.Port, st.Unixsocketperm, st.ProtectedMode = types.Int64Null(), types.StringNull(), types.BoolNull()
		st.RenameCommands = types.MapNull(types.StringType)
		st.EnableDebug, st.EnableModule, st.EnableProtected = types.StringNull(), types.StringNull(), types.StringNull()
	})...)
}
