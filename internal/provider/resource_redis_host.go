package provider

// What ntopng_redis does on the host, in host order: the plan-time check of redis.conf, and
// apply (read, choose the password, hash it, edit, check the includes, then
// redishardening.Apply: write, restart, verify, roll back).

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

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
	edited := desiredRedis(ctx, plan, prior, serverOf(plan)).Edit(hc.Data, "placeholder")
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
		diags.AddAttributeError(tfpath.Root("config_path"), "Cannot Read redis.conf", fmt.Sprintf(
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
	// The server that will read the file: the one installed now (the plan's when it cannot be
	// told). What it would not take is refused before anything is written.
	server := serverOf(*plan)
	if installed, err := redishardening.InstalledServers(ctx, c); err == nil {
		if s := redishardening.Pick(installed, confPath); s.Known() {
			server = s
		}
	}
	if plan.Bind.IsUnknown() {
		plan.Bind = stringList(redishardening.DefaultBindFor(redishardening.CapsOf(server)))
	}
	if diags.Append(serverProblems(*plan, server)...); diags.HasError() {
		return diags
	}
	if plan.Server.IsUnknown() || plan.ServerVersion.IsUnknown() {
		plan.Server, plan.ServerVersion = optString(server.Name), optString(server.Version)
	}
	def := distro.ServerDefaults(distro.Debian, server.Name, func(string) bool { return false })
	want := desiredRedis(ctx, *plan, prior, server)
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
		KeepOriginal: true, // whatever on_destroy says now: a later switch to "restore" restores the real original
		Unit:         redishardening.UnitOf(plan.RestartCommand.ValueString(), def.Unit), Conf: after.Cfg, Secret: password}
	if !hc.Info.Exists {
		if diags.Append(newConfOwner(ctx, c, &ch.File, host, def.User)...); diags.HasError() {
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

// newConfOwner makes file, a redis.conf that does not exist yet, owned by user:user (the
// server's account: redis, or valkey on Valkey).
func newConfOwner(ctx context.Context, c *transport.Conn, file *hostchange.File, host, user string) diag.Diagnostics {
	var diags diag.Diagnostics
	ids, err := lookupIDs(ctx, c)
	if err != nil {
		diags.AddError("Cannot Read Users and Groups", err.Error())
		return diags
	}
	uid, uok := ids.UID(user)
	gid, gok := ids.GID(user)
	if !uok || !gok {
		diags.AddAttributeError(pathConfigPath, "No "+user+" User",
			fmt.Sprintf("%s does not exist on %s and a new one is owned by %s:%s, but the host has no user or group "+
				"%s. Install the %s-server package first (it creates them), or point config_path at the existing file.",
				file.Path, host, user, user, user, user))
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

// hostDefaults are the Redis paths, restart command and user of host's distribution and
// server, and that server (redishardening.Defaults); Debian's Redis and an unknown server when
// the host cannot be asked (the provider's settings are not known yet, or it does not answer:
// then the plan's host check says why). asked is false then.
func (r *redisResource) hostDefaults(ctx context.Context, host types.String, sshPort types.Int64, configPath string) distro.Redis {
	d, _, _ := r.hostFacts(ctx, host, sshPort, configPath)
	return d
}

func (r *redisResource) hostFacts(ctx context.Context, host types.String, sshPort types.Int64, configPath string) (distro.Redis, redishardening.Server, bool) {
	var c *transport.Conn
	if r.data != nil && !r.data.unknown && !host.IsUnknown() && !sshPort.IsUnknown() {
		if cc, err := r.data.conn(ctx, host.ValueString(), sshPort); err == nil {
			c = cc
		}
	}
	d, s := redishardening.Defaults(ctx, c, configPath)
	return d, s, c != nil
}

// planHostDefaults plans config_path, unixsocket and restart_command from the host's
// distribution and server (hostFacts) when the configuration leaves them unset, and server
// and server_version: on a new resource what the host has (unknown when it cannot be asked),
// afterwards the prior state's (they change only on refresh: an upgrade is not drift). It
// returns the server the plan is for (redishardening.Server{} when not known).
func (r *redisResource) planHostDefaults(ctx context.Context, plan *redisModel, cfg redisModel, prior *redisModel) redishardening.Server {
	if prior != nil {
		plan.Server, plan.ServerVersion = prior.Server, prior.ServerVersion
	} else {
		plan.Server, plan.ServerVersion = types.StringUnknown(), types.StringUnknown()
	}
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
	need := prior == nil
	for _, f := range fields {
		need = need || (f.v.IsUnknown() && f.cfg.IsNull())
	}
	if !need {
		return serverOf(*plan)
	}
	def, server, asked := r.hostFacts(ctx, plan.Host, plan.SSHPort, cfg.ConfigPath.ValueString())
	for _, f := range fields {
		if f.v.IsUnknown() && f.cfg.IsNull() {
			*f.v = types.StringValue(f.def(def))
		}
	}
	if prior == nil && asked {
		plan.Server, plan.ServerVersion = optString(server.Name), optString(server.Version)
	}
	return serverOf(*plan)
}

// serverOf is the server m is planned or read for (unknown or null: Server{}).
func serverOf(m redisModel) redishardening.Server {
	return redishardening.Server{Name: m.Server.ValueString(), Version: m.ServerVersion.ValueString()}
}

// optString is s, null when "".
func optString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// planBind plans bind when the configuration leaves it unset: the default of server
// (redishardening.DefaultBindFor), or the prior state's when that is a provider default the
// server still takes (an upgraded Redis keeps its file). Unknown when the server is.
func planBind(plan *redisModel, cfg redisModel, prior *redisModel, server redishardening.Server, serverKnown bool) {
	if !cfg.Bind.IsNull() {
		return
	}
	if !serverKnown {
		plan.Bind = types.ListUnknown(types.StringType)
		return
	}
	caps := redishardening.CapsOf(server)
	if prior != nil && !prior.Bind.IsNull() && !prior.Bind.IsUnknown() {
		var was []string
		prior.Bind.ElementsAs(context.Background(), &was, false)
		for _, d := range redishardening.BindDefaults() {
			if slices.Equal(was, d) && (caps.OptionalBind || !slices.ContainsFunc(d, func(a string) bool { return strings.HasPrefix(a, "-") })) {
				plan.Bind = prior.Bind
				return
			}
		}
	}
	plan.Bind = stringList(redishardening.DefaultBindFor(caps))
}

// serverProblems are the values of m that server does not take, as attribute errors.
func serverProblems(m redisModel, server redishardening.Server) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, p := range redishardening.ValidateForServer(m.validationInput(), server) {
		at := tfpath.Root(string(p.Field))
		if p.Field == redishardening.FieldBind {
			at = at.AtListIndex(p.Index)
		}
		diags.AddAttributeError(at, p.Summary, p.Detail)
	}
	return diags
}
