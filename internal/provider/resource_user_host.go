package provider

// What ntopng_user does on the host: find the Redis ntopng uses, write the user's keys
// (webusers.WriteCommands), read them back (webusers.ParseStored) and remove them.

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	tfpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"

	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopnghardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
	"github.com/hardenops/terraform-provider-ntopng/internal/webusers"
)

// connect connects and finds ntopng's Redis.
func (r *userResource) connect(ctx context.Context, m userModel) (*transport.Conn, livecheck.RedisTarget, diag.Diagnostics) {
	var diags diag.Diagnostics
	c, err := r.data.conn(ctx, m.Host.ValueString(), m.SSHPort)
	if err != nil {
		diags.AddAttributeError(pathHost, "Cannot Connect to Host", err.Error())
		return nil, livecheck.RedisTarget{}, diags
	}
	t, err := ntopnghardening.ReadRedisTarget(ctx, c, m.ConfigPath.ValueString())
	if err != nil {
		diags.AddAttributeError(tfpath.Root("config_path"), "Cannot Read ntopng Configuration", err.Error())
		return nil, livecheck.RedisTarget{}, diags
	}
	return c, t, diags
}

// write sets the user's keys in one atomic MSET (the password too when withPassword), then
// reads the user back into m.
func (r *userResource) write(ctx context.Context, cfg tfsdk.Config, m *userModel, withPassword bool, private privateSetter) diag.Diagnostics {
	c, t, diags := r.connect(ctx, *m)
	if diags.HasError() {
		return diags
	}
	u, d := m.webUser(ctx)
	diags.Append(d...)
	var hash string
	var pwErr error
	if withPassword {
		pw, _, _, d := userPassword.value(ctx, cfg)
		diags.Append(d...)
		if pwErr = webusers.ValidatePassword(pw); pwErr == nil {
			hash = webusers.PasswordHash(pw)
		}
	}
	cmds, err := webusers.WriteCommands(u, hash)
	if err != nil {
		diags.AddAttributeError(tfpath.Root("allowed_networks"), "Invalid Network", err.Error())
		return diags
	}
	if pwErr != nil {
		diags.AddAttributeError(tfpath.Root("password_wo"), "Password Not Usable for ntopng", pwErr.Error())
		return diags
	}
	replies, err := livecheck.RedisDo(ctx, c, t, cmds...)
	if err == nil && replies[0].Err != "" {
		err = fmt.Errorf("MSET: %s", replies[0].Err)
	}
	if err != nil {
		diags.AddError("Cannot Write ntopng User", fmt.Sprintf("Writing web user %q to ntopng's Redis (%s) failed; nothing was changed: %v", u.Name, t.Addr, err))
		return diags
	}
	if len(replies) > 1 && replies[1].Err != "" {
		diags.AddWarning("Temporary admin Password Not Removed", fmt.Sprintf("DEL %s: %s", webusers.TempAdminPasswordKey, replies[1].Err))
	}
	if withPassword {
		fp, err := keyedHash(ctx, c, hash)
		if err != nil {
			diags.AddError("Cannot Fingerprint the Password", err.Error())
			return diags
		}
		diags.Append(userPassword.remember(ctx, private, fp)...)
	}
	if _, err := readUserInto(ctx, c, t, m); err != nil {
		diags.AddError("Cannot Read ntopng User", err.Error())
	}
	return diags
}

// readUserInto reads the user's keys into m; exists is false when the user is gone (see
// webusers.Stored).
func readUserInto(ctx context.Context, c *transport.Conn, t livecheck.RedisTarget, m *userModel) (exists bool, err error) {
	user := m.Username.ValueString()
	rep, err := livecheck.RedisDo(ctx, c, t, webusers.ReadCommands(user)...)
	if err != nil {
		return false, fmt.Errorf("reading web user %q from ntopng's Redis: %w", user, err)
	}
	replies := make([]webusers.Reply, 0, len(rep))
	for _, x := range rep {
		if x.Err != "" {
			return false, fmt.Errorf("reading web user %q from ntopng's Redis at %s: %s", user, t.Addr, x.Err)
		}
		replies = append(replies, webusers.Reply{Str: x.Str, Nil: x.Nil})
	}
	s, err := webusers.ParseStored(user, replies)
	if err != nil {
		return false, err
	}
	if err := m.fillFromHost(ctx, s, func(h string) (string, error) { return keyedHash(ctx, c, h) }); err != nil {
		return false, err
	}
	return s.Exists, nil
}

// remove deletes the user's keys.
func (r *userResource) remove(ctx context.Context, st userModel) diag.Diagnostics {
	c, t, diags := r.connect(ctx, st)
	if diags.HasError() {
		return diags
	}
	user := st.Username.ValueString()
	rep, err := livecheck.RedisDo(ctx, c, t, webusers.DeleteCommand(user))
	if err == nil && rep[0].Err != "" {
		err = fmt.Errorf("DEL: %s", rep[0].Err)
	}
	if err != nil {
		diags.AddError("Cannot Remove ntopng User", fmt.Sprintf("Removing web user %q from ntopng's Redis failed: %v", user, err))
	}
	return diags
}
