package provider

// What ntopng_redis does on the host, in host order: the plan-time check of redis.conf, and
// apply (read, choose the password, hash it, edit, check the includes, then
// redishardening.Apply: write, restart, verify, roll back).

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	tfpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/hardenops/terraform-provider-ntopng/internal/distro"
	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/redisconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/redishardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// checkHost reads the host's redis.conf at plan time: conflicts are errors, a managed
// directive that an included file overrides is a warning (apply refuses it).
func (r *redisResource) checkHost(ctx context.Context, plan redisModel, prior *redisModel) diag.Diagnostics {
	var diags diag.Diagnostics
	if r.data == nil || r.data.unknown || !plan.knownForHost() {
		return nil
	}
	c, err := r.data.conn(ctx, plan.Host.ValueString(), plan.SSHPort)
	if err != nil {
		diags.AddAttributeWarning(pathHost, "redis.conf Not Checked at Plan Time", fmt.Sprintf(
			"The host could not be reached to check redis.conf now; apply checks it before writing anything: %v", err))
		return diags
	}
	confPath := plan.ConfigPath.ValueString()
	hc, err := redishardening.ReadConf(ctx, c, confPath, nil)
	if err != nil {
		diags.AddAttributeError(pathConfigPath, "Cannot Read redis.conf", fmt.Sprintf(
			"Reading %s (and the files it includes) on %s failed: %v", confPath, plan.Host.ValueString(), err))
		return diags
	}
	if !hc.Info.Exists {
		return nil
	}
	diags.Append(conflictErrors(hc.Cfg)...)
	// The override check needs the file as apply would write it; the password does not
	// matter for it, so a placeholder stands in.
	edited := desiredRedis(ctx, plan, prior).Edit(hc.Data, "placeholder")
	after, err := redishardening.ReadConf(ctx, c, confPath, edited)
	if err != nil {
		return diags // the same error shows at apply, with the file named
	}
	for _, o := range redishardening.Overrides(after.Cfg, confPath, plan.renameKeys()) {
		diags.AddAttributeWarning(pathConfigPath, "Managed Directive Overridden by an Included File",
			o.Message()+" Apply will fail until that line is removed.")
	}
	return diags
}

// conflictErrors turns the directives that defeat requirepass into errors saying why.
func conflictErrors(cfg *redisconf.Config) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, why := range redishardening.Conflicts(cfg) {
		diags.AddAttributeError(pathConfigPath, "requirepass Would Be Ignored", why)
	}
	return diags
}

// apply writes the file for plan, restarts and verifies (redishardening.Apply), and completes
// plan with what the host now has.
func (r *redisResource) apply(ctx context.Context, cfg tfsdk.Config, plan, prior *redisModel) diag.Diagnostics {
	var diags diag.Diagnostics
	host, confPath := plan.Host.ValueString(), plan.ConfigPath.ValueString()
	c, err := r.data.conn(ctx, host, plan.SSHPort)
	if err != nil {
		diags.AddAttributeError(pathHost, "Cannot Connect to Host", err.Error())
		return diags
	}
	hc, err := redishardening.ReadConf(ctx, c, confPath, nil)
	if err != nil {
		diags.AddError("Cannot Read redis.conf", fmt.Sprintf(
			"Reading %s (and the files it includes) on %s failed: %v. Nothing was changed.", confPath, host, err))
		return diags
	}
	password, err := passwordToWrite(ctx, c, cfg, plan.RequirepassSHA256, hc)
	if err != nil {
		diags.AddAttributeError(tfpath.Root("requirepass_wo"), "Cannot Choose the Redis Password", err.Error())
		return diags
	}
	// The hash before any write: a host where it cannot be made is left as it was.
	hash, err := keyedHash(ctx, c, password)
	if err != nil {
		diags.AddError("Cannot Hash the Redis Password", err.Error()+". Nothing was changed.")
		return diags
	}
	want := desiredRedis(ctx, *plan, prior)
	data := want.Edit(hc.Data, password)
	after, err := redishardening.ReadConf(ctx, c, confPath, data)
	if err != nil {
		diags.AddError("Cannot Check the New redis.conf", fmt.Sprintf(
			"Reading the edited %s with its includes failed: %v. Nothing was changed.", confPath, err))
		return diags
	}
	diags.Append(conflictErrors(after.Cfg)...)
	for _, o := range redishardening.Overrides(after.Cfg, confPath, plan.renameKeys()) {
		diags.AddAttributeError(pathConfigPath, "Managed Directive Overridden by an Included File", o.Message()+" Nothing was changed.")
	}
	if diags.HasError() {
		return diags
	}
	ch := redishardening.Change{Before: hc, File: hc.File(confPath, data), Restart: plan.RestartCommand.ValueString(),
		KeepOriginal: hostchange.OnDestroy(plan.OnDestroy.ValueString()) == hostchange.OnDestroyRestore}
	if !hc.Info.Exists {
		if diags.Append(newConfOwner(ctx, c, &ch.File, host)...); diags.HasError() {
			return diags
		}
	}
	if plan.VerifyLive.ValueBool() {
		t := want.Target(password)
		ch.Verify = &t
	}
	live, res, err := redishardening.Apply(ctx, c, ch)
	var notEnforced *redishardening.NotEnforcedError
	if err == nil || errors.As(err, &notEnforced) {
		tflog.Debug(ctx, "redis.conf applied", map[string]any{"path": confPath, "written": res.Written, "restarted": res.Restarted})
	}
	switch {
	case notEnforced != nil:
		diags.AddError("Redis Does Not Enforce Its Configuration", fmt.Sprintf(
			"%s on %s is as configured, but the running Redis failed the live check: %v. Restart Redis (%s).",
			confPath, host, notEnforced.Err, plan.RestartCommand.ValueString()))
		return diags
	case err != nil:
		diags.AddError("Cannot Apply redis.conf", fmt.Sprintf("Applying %s on %s failed: %v", confPath, host, err))
		return diags
	}

	plan.ID = types.StringValue(hostID(host, plan.SSHPort, confPath))
	plan.RequirepassSHA256 = types.StringValue(hash)
	plan.LiveAuthRequired, plan.LiveTCPListening = types.BoolNull(), types.BoolNull()
	if ch.Verify != nil {
		plan.LiveAuthRequired = types.BoolValue(live.AuthRequired)
		plan.LiveTCPListening = types.BoolValue(live.TCPListening)
	}
	plan.ConfigFiles = stringList(after.Cfg.Files)
	return diags
}

// newConfOwner makes file, a redis.conf that does not exist yet, owned by redis:redis.
func newConfOwner(ctx context.Context, c *transport.Conn, file *hostchange.File, host string) diag.Diagnostics {
	var diags diag.Diagnostics
	ids, err := lookupIDs(ctx, c)
	if err != nil {
		diags.AddError("Cannot Read Users and Groups", err.Error())
		return diags
	}
	uid, uok := ids.UID("redis")
	gid, gok := ids.GID("redis")
	if !uok || !gok {
		diags.AddAttributeError(pathConfigPath, "No redis User",
			fmt.Sprintf("%s does not exist on %s and a new one is owned by redis:redis, but the host has no user or group "+
				"redis. Install the redis-server package first (it creates them), or point config_path at the existing file.",
				file.Path, host))
		return diags
	}
	file.Mode, file.UID, file.GID = redishardening.NewFileMode, uid, gid
	return diags
}

// passwordToWrite picks the password the file gets: the configuration's, unless the plan
// keeps the host's (write-only value, version unchanged), in which case the password already
// on the host stays, so that an ephemeral password does not rotate on every apply.
func passwordToWrite(ctx context.Context, c *transport.Conn, cfg tfsdk.Config, planned types.String, hc redishardening.HostConf) (string, error) {
	v, set, known, d := redisPassword.value(ctx, cfg)
	if d.HasError() || !set || !known {
		return "", errors.New("neither requirepass_wo nor requirepass has a value at apply time; set exactly one of them")
	}
	if !redisPassword.usesWriteOnly(ctx, cfg) || planned.IsUnknown() || planned.IsNull() {
		return v, nil
	}
	for _, pw := range []string{hc.Password(), v} {
		if pw == "" {
			continue
		}
		h, err := keyedHash(ctx, c, pw)
		if err != nil {
			return "", err
		}
		if h == planned.ValueString() {
			return pw, nil
		}
	}
	return "", errors.New("the Redis password on the host changed since the plan was made, and requirepass_wo is not " +
		"the password the plan keeps; run terraform plan again, or bump requirepass_wo_version to write requirepass_wo")
}

// hostDefaults are the Redis paths and restart command of host's distribution
// (redishardening.Defaults); Debian's when the host cannot be asked (the provider's settings
// are not known yet, or it does not answer: then the plan's host check says why).
func (r *redisResource) hostDefaults(ctx context.Context, host types.String, sshPort types.Int64) distro.Redis {
	var c *transport.Conn
	if r.data != nil && !r.data.unknown && !host.IsUnknown() && !sshPort.IsUnknown() {
		if cc, err := r.data.conn(ctx, host.ValueString(), sshPort); err == nil {
			c = cc
		}
	}
	return redishardening.Defaults(ctx, c)
}

// planDistroDefaults plans config_path, unixsocket and restart_command from the host's
// distribution (hostDefaults) when the configuration leaves them unset.
func (r *redisResource) planDistroDefaults(ctx context.Context, plan *redisModel, cfg redisModel) {
	// Unset on a new resource (null in the configuration, so unknown in the plan): the host's
	// distribution decides. A value the configuration sets but cannot know yet (another
	// resource's output) stays unknown: planning a default for it would contradict the
	// configuration, and apply checks the real value before writing.
	fields := []struct {
		v, cfg *types.String
		def    func(distro.Redis) string
	}{
		{&plan.ConfigPath, &cfg.ConfigPath, func(d distro.Redis) string { return d.ConfigPath }},
		{&plan.Unixsocket, &cfg.Unixsocket, func(d distro.Redis) string { return d.Socket }},
		{&plan.RestartCommand, &cfg.RestartCommand, func(d distro.Redis) string { return d.RestartCommand }},
	}
	var def *distro.Redis
	for _, f := range fields {
		if !f.v.IsUnknown() || !f.cfg.IsNull() {
			continue
		}
		if def == nil {
			d := r.hostDefaults(ctx, plan.Host, plan.SSHPort)
			def = &d
		}
		*f.v = types.StringValue(f.def(*def))
	}
}
