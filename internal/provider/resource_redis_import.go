package provider

// ntopng_redis's import: the state an import starts from, before Read fills it from the host.

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/tfmodel"
)

// ImportState takes host:/path, host:ssh_port:/path or the identity. Read then fills the managed
// attributes from the host; the settings that live only in Terraform get their defaults, and
// requirepass_wo_version is assumed to be 1.
func (r *redisResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	t, diags := redisIdentity.target(ctx, req)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	host, sshPort, p := t.host, t.sshPort, t.path
	st := redisModel{
		ID: types.StringValue(hostID(host, sshPort, p)), Host: types.StringValue(host), SSHPort: sshPort,
		ConfigPath: types.StringValue(p), RequirepassWO: types.StringNull(), RequirepassWOVersion: types.Int64Value(1),
		Requirepass: types.StringNull(), RequirepassSHA256: types.StringNull(), Port: types.Int64Null(),
		Bind: types.ListNull(types.StringType), Unixsocket: types.StringNull(), Unixsocketperm: types.StringNull(),
		ProtectedMode: types.BoolNull(), RenameCommands: types.MapNull(types.StringType),
		RestartCommand: types.StringValue(r.hostDefaults(ctx, types.StringValue(host), sshPort, p).RestartCommand), VerifyLive: types.BoolValue(true),
		OnDestroy: types.StringValue(string(hostchange.OnDestroyKeep)), LiveAuthRequired: types.BoolNull(), LiveTCPListening: types.BoolNull(),
		ConfigFiles: types.ListNull(types.StringType), EnableDebug: types.StringNull(), EnableModule: types.StringNull(),
		EnableProtected: types.StringNull(), Server: types.StringNull(), ServerVersion: types.StringNull(),
	}
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &st)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, redisImportedKey, []byte("true"))...)
	resp.Diagnostics.Append(redisIdentity.set(ctx, resp.Identity, resp.State)...)
}

// redisImportedKey marks, in the private state, a resource imported and not applied since.
const redisImportedKey = "imported"
