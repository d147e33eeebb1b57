package provider

// ntopng_instance's model to and from ntopnghardening: the Desired file (validated), the
// apply, and the host read back into the model.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	tfpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopnghardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/tfmodel"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
	"github.com/hardenops/terraform-provider-ntopng/internal/unithardening"
)

// apply runs the whole change: validate against the host, user, drop-ins, file, restart,
// verify. It returns the hash of the Redis password now in the file.
func (r *instanceResource) apply(ctx context.Context, cfg tfsdk.Config, plan instanceModel, prior *instanceModel, writeConfigPassword bool) (string, diag.Diagnostics) {
	var diags diag.Diagnostics
	c, err := r.data.conn(ctx, plan.Host.ValueString(), plan.SSHPort)
	if err != nil {
		diags.AddAttributeError(pathHost, "Cannot Connect to Host", err.Error())
		return "", diags
	}
	confPath := plan.ConfigPath.ValueString()
	h, err := ntopnghardening.ReadHost(ctx, c, confPath, plan.Service.ValueString(), false)
	if err != nil {
		diags.AddError("Cannot Read ntopng Configuration", err.Error())
		return "", diags
	}
	// Only apply needs the certificate's presence (Read has no use for it).
	cert, err := c.Stat(ctx, plan.CertPath.ValueString())
	if err != nil {
		diags.AddError("Cannot Read ntopng Configuration", fmt.Sprintf("checking %s: %v", plan.CertPath.ValueString(), err))
		return "", diags
	}
	if plan.HTTPListen.ValueString() == ntopngconf.ListenDisabled && !cert.Exists {
		diags.AddAttributeError(tfpath.Root("cert_path"), "HTTPS Certificate Missing",
			fmt.Sprintf("%s does not exist on %s. With http_listen = \"disabled\" and no certificate ntopng falls back to plain HTTP "+
				"on an ephemeral port on every address, so nothing was written. Push the certificate with ntopng_tls_cert "+
				"(cert_path = ntopng_tls_cert.<name>.path) or keep an HTTP listener.", plan.CertPath.ValueString(), plan.Host.ValueString()))
		return "", diags
	}
	password, hash, d := applyPassword(ctx, cfg, c, h, writeConfigPassword)
	if diags.Append(d...); password != "" && hash == "" {
		return "", diags // not hashed: nothing was changed
	}
	desired, d := desiredInstance(ctx, plan)
	diags.Append(d...)
	set, remove, err := desired.Settings(password)
	if err != nil {
		diags.AddAttributeError(tfpath.Root("redis"), "Invalid Redis Setting", err.Error())
	}
	if diags.HasError() {
		return "", diags
	}
	if plan.ManageUser.ValueBool() {
		if err := ntopnghardening.EnsureUser(ctx, c, desired); err != nil {
			diags.AddAttributeError(tfpath.Root("user"), "Cannot Prepare the ntopng User", err.Error())
			return "", diags
		}
		if h.IDs, err = lookupIDs(ctx, c); err != nil {
			diags.AddError("Cannot Read Users", err.Error())
			return "", diags
		}
	}
	gid, ok := h.IDs.PrimaryGID(desired.User)
	if !ok {
		diags.AddAttributeError(tfpath.Root("user"), "ntopng User Missing",
			fmt.Sprintf("User %q does not exist on %s and manage_user is false: ntopng would run as nobody. Create the user or set manage_user = true.",
				desired.User, plan.Host.ValueString()))
		return "", diags
	}
	// The configuration belongs to root: ntop's package gives it to the service account.
	if len(h.Writable) > 0 {
		if err := ntopnghardening.GiveToRoot(ctx, c, h.Writable); err != nil {
			diags.AddError("Cannot Give ntopng's Configuration to root", err.Error())
			return "", diags
		}
	}
	// What ntopng will use does not depend on where --redis is written: the unit check, which
	// says whether systemd appends the drop-ins, needs it first.
	_, _, eff := h.Edit(confPath, set, remove, gid, "")
	confine, restart, systemd, d := confinementChange(ctx, c, plan, h, eff)
	if diags.Append(d...); diags.HasError() {
		return "", diags
	}
	own := ""
	if systemd { // ntop's unit appends ntopng.conf.d: --redis can leave the updater's file
		own = ntopnghardening.RedisDropIn(confPath)
	}
	if err := ntopnghardening.PrepareRedisDropIn(ctx, c, own); err != nil {
		diags.AddError("Cannot Prepare ntopng.conf.d", err.Error())
		return "", diags
	}
	files, editedDropIns, eff := h.Edit(confPath, set, remove, gid, own)
	for _, p := range editedDropIns {
		tflog.Debug(ctx, "removing managed options from a drop-in", map[string]any{"path": p})
	}
	tlsFiles, d := tlsChange(ctx, c, plan, systemd)
	if diags.Append(d...); diags.HasError() {
		return "", diags
	}
	// Last before the change: it takes grants back live (undone if the change then fails).
	files, undoGrants, grantsRestart, d := revokeGrants(ctx, c, plan, h, desired.User, files)
	if diags.Append(d...); diags.HasError() {
		return "", diags
	}
	ch := hostchange.Change{
		Files:        append(append(files, confine...), tlsFiles...),
		Restart:      restart,
		KeepOriginal: true,
		ForceRestart: grantsRestart || prior != nil && (listenersDrifted(*prior) || redisDrifted(*prior) || confinementDrifted(*prior) || tlsDrifted(*prior)),
	}
	if plan.VerifyListeners.ValueBool() {
		timeout, _ := time.ParseDuration(plan.VerifyTimeout.ValueString())
		ch.Verify = h.ListenerCheck(c, desired, eff, confPath, plan.Service.ValueString(), cert.Exists, timeout)
	}
	ch.Verify = tlsVerify(c, plan, eff, systemd, confinementVerify(c, plan, h, eff, len(confine) > 0, ch.Verify))
	err = ntopnghardening.ApplyWithWebACL(ctx, c, ch, eff, listStrings(plan.WebAllowedNetworks), !plan.WebAllowedNetworks.IsNull())
	if err = ntopnghardening.UndoAfter(ctx, err, undoGrants); err != nil {
		diags.AddError("Cannot Apply ntopng Configuration", err.Error())
		return "", diags
	}
	diags.Append(zmqRepair(ctx, c, eff, h.IDs, desired.User)...)
	return hash, diags
}

// applyPassword is the Redis password apply writes (the configuration's, or the one already
// on the host) and its hash, made before any write: a host where it cannot be made is left as
// it was.
func applyPassword(ctx context.Context, cfg tfsdk.Config, c *transport.Conn, h *ntopnghardening.Host, writeConfigPassword bool) (password, hash string, diags diag.Diagnostics) {
	if writeConfigPassword {
		v, set, _, d := instanceRedisPassword.value(ctx, cfg)
		diags.Append(d...)
		if set {
			password = v
		}
	} else if h.Effective.RedisPassword != nil {
		password = *h.Effective.RedisPassword
	}
	if password != "" {
		var err error
		if hash, err = keyedHash(ctx, c, password); err != nil {
			diags.AddError("Cannot Hash the Redis Password", err.Error()+". Nothing was changed.")
		}
	}
	return password, hash, diags
}

// write is Create and Update: apply the plan (prior is nil on Create), then remember the
// password's hash, read the host back and set the state.
func (r *instanceResource) write(ctx context.Context, cfg tfsdk.Config, plan instanceModel, prior *instanceModel, writeConfigPassword bool, private privateSetter, state *tfsdk.State) diag.Diagnostics {
	hash, diags := r.apply(ctx, cfg, plan, prior, writeConfigPassword)
	if diags.HasError() {
		return diags
	}
	diags.Append(instanceRedisPassword.remember(ctx, private, hash)...)
	diags.Append(private.SetKey(ctx, instanceImportedKey, nil)...)
	plan.ID = types.StringValue(hostID(plan.Host.ValueString(), plan.SSHPort, plan.ConfigPath.ValueString()))
	found, d := r.refresh(ctx, plan, false)
	diags.Append(d...)
	if found != nil {
		plan = *found
	}
	diags.Append(tfmodel.Set(ctx, state, &plan)...)
	return diags
}

// refresh is m with its managed attributes as the host really has them, after rolling back an
// interrupted apply; nil when the file is gone.
func (r *instanceResource) refresh(ctx context.Context, m instanceModel, imported bool) (*instanceModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	c, err := r.data.conn(ctx, m.Host.ValueString(), m.SSHPort)
	if err != nil {
		diags.AddAttributeError(pathHost, "Cannot Connect to Host", err.Error())
		return &m, diags
	}
	if diags.Append(recoverInterrupted(ctx, c, m.ConfigPath.ValueString(), unithardening.RecoverRestart(m.RestartCommand.ValueString()))...); diags.HasError() {
		return &m, diags
	}
	h, err := ntopnghardening.ReadHost(ctx, c, m.ConfigPath.ValueString(), m.Service.ValueString(), true,
		append(unithardening.Properties(), unithardening.TLSProperties()...)...)
	if err != nil {
		diags.AddError("Cannot Read ntopng Configuration", err.Error())
		return &m, diags
	}
	if !h.Main.Info.Exists {
		return nil, diags
	}
	eff := h.Effective
	m.HTTPListen = sameListen(m.HTTPListen, eff.HTTPListen(), eff.Options["http-port"])
	m.HTTPSListen = sameListen(m.HTTPSListen, eff.HTTPSListen(), eff.Options["https-port"])
	m.User = types.StringValue(h.RunAsUser())
	m.UserGroups = stringList(h.MemberOf(listStrings(m.UserGroups)))
	if !m.Redis.IsNull() || (imported && eff.Options["redis"] != "") {
		m.Redis = redisObject(eff, m.Redis)
	}
	m.RedisPasswordSHA256 = types.StringNull()
	if eff.RedisPassword != nil && *eff.RedisPassword != "" {
		hash, err := keyedHash(ctx, c, *eff.RedisPassword)
		if err != nil {
			diags.AddError("Cannot Read ntopng Configuration", err.Error())
			return &m, diags
		}
		m.RedisPasswordSHA256 = types.StringValue(hash)
	}
	if ifs := h.OptionValues("interface"); !m.Interfaces.IsNull() || (imported && len(ifs) > 0) {
		m.Interfaces = stringList(ifs)
	}
	if v, ok := eff.Options["data-dir"]; ok && (!m.DataDir.IsNull() || imported) {
		m.DataDir = types.StringValue(v)
	} else if !m.DataDir.IsNull() {
		m.DataDir = types.StringValue(eff.DataDir)
	}
	if v, ok := eff.Options["local-networks"]; !m.LocalNetworks.IsNull() || (imported && ok) {
		var nets []string
		if v != "" {
			nets = strings.Split(v, ",")
		}
		m.LocalNetworks = stringList(nets)
	}
	if !m.ExtraOptions.IsNull() {
		extra := map[string]attr.Value{}
		for name := range m.ExtraOptions.Elements() {
			if v, ok := eff.Options[name]; ok {
				extra[name] = types.StringValue(ntopnghardening.Mask(name, v))
			}
		}
		m.ExtraOptions = types.MapValueMust(types.StringType, extra)
	} else if extra := h.ImportedExtraOptions(); imported && len(extra) > 0 {
		m.ExtraOptions = maskedMap(extra)
	}
	if imported {
		docs := eff.DocsDir
		if docs == "" {
			docs = ntopngconf.DefaultDocsDir
		}
		m.CertPath = types.StringValue(strings.TrimSuffix(docs, "/") + certFileSuffix)
	}
	m.EffectiveOptions = maskedMap(eff.Options)
	m.ObservedListeners = stringList(h.ObservedListeners())
	if h.NotChecked != "" {
		m.ObservedListeners = types.ListNull(types.StringType)
		diags.Append(notCheckedWarning(m, h.NotChecked)...)
	}
	m.RedisStatus = types.StringNull()
	if st := ntopnghardening.RedisStatus(h.Redis); st != "" {
		m.RedisStatus = types.StringValue(st)
	}
	m.ConfigOwner = types.StringValue(h.ConfigOwner())
	m.ConfigMode = types.StringValue(ntopnghardening.FormatMode(uint32(h.Main.Info.Mode.Perm())))
	m.WritableConfigPaths = stringList(h.Writable)
	grants, gd := grantsReadBack(ctx, m.Host.ValueString(), m.RevokePackageGrants, h.Grants)
	m.RevokePackageGrants = grants
	diags.Append(gd...)
	diags.Append(zmqReadBack(ctx, c, &m, h, imported)...)
	status, d := confinementStatus(ctx, c, m, h)
	diags.Append(d...)
	m.ConfinementStatus = status
	m.TLSObserved, d = tlsObserved(ctx, c, m, h)
	diags.Append(d...)
	if !m.WebAllowedNetworks.IsNull() {
		m.WebAllowedNetworks = types.ListNull(types.StringType)
		if nets, err := ntopnghardening.ReadWebACL(ctx, c, eff); err != nil {
			diags.AddAttributeError(tfpath.Root("web_allowed_networks"), "Cannot Read the Web Access List", err.Error())
		} else {
			m.WebAllowedNetworks = stringList(nets)
		}
	}
	return &m, diags
}

// notCheckedWarning: ntopng's processes could not be found (no systemd, no usable PID file).
// The read goes on with what could be read; observed_listeners stays null.
func notCheckedWarning(m instanceModel, why string) diag.Diagnostics {
	var diags diag.Diagnostics
	verify := "verify_listeners = false is set, so apply does not verify them either."
	if m.VerifyListeners.ValueBool() {
		verify = "With verify_listeners = true an apply that restarts ntopng fails and puts the previous file back until they " +
			"can be checked: set verify_listeners = false on this host, or give ntopng a PID file."
	}
	diags.AddAttributeWarning(tfpath.Root("observed_listeners"), "ntopng's Listeners Not Checked",
		fmt.Sprintf("On %s, %s. The files, users and Redis were read; observed_listeners stays null (not drift). Where systemd "+
			"does not run, ntopng is found through the PID file its configuration names (--pid, e.g. extra_options "+
			"{ pid = \"/run/ntopng.pid\" }): it must be a regular file naming a process of the ntopng program, owned by "+
			"root, started with %s and running as root or ntopng's user. %s Set restart_command to the host's way "+
			"(e.g. \"/etc/init.d/ntopng restart\").",
			m.Host.ValueString(), why, m.ConfigPath.ValueString(), verify))
	return diags
}

// maskedMap is options as the state shows them: every value through ntopnghardening.Mask.
func maskedMap(options map[string]string) types.Map {
	v := make(map[string]attr.Value, len(options))
	for k, o := range options {
		v[k] = types.StringValue(ntopnghardening.Mask(k, o))
	}
	return types.MapValueMust(types.StringType, v)
}

// sameListen keeps the operator's spelling, or else the file's, when it means the same
// listener as what ntopng uses ("127.0.0.1:443" and ":443" both bind 127.0.0.1), so that
// only real drift shows.
func sameListen(prior types.String, effective, raw string) types.String {
	if !prior.IsNull() && !prior.IsUnknown() && ntopnghardening.SameListener(prior.ValueString(), effective) {
		return prior
	}
	if _, err := ntopngconf.ParseListen(raw); err == nil && ntopnghardening.SameListener(raw, effective) {
		return types.StringValue(raw)
	}
	return types.StringValue(effective)
}

// redisObject is the redis attribute as the host's files set it. The default port stays
// null, unless prior (the configuration's or the state's) wrote it out: both spellings mean
// the same, and the read-back must keep the operator's.
func redisObject(eff ntopngconf.Effective, prior types.Object) types.Object {
	v := map[string]attr.Value{
		"socket": types.StringNull(), "host": types.StringNull(), "port": types.Int64Null(),
		"db": types.Int64Value(int64(eff.RedisDB)),
	}
	if strings.HasPrefix(eff.RedisHost, "/") {
		v["socket"] = types.StringValue(eff.RedisHost)
	} else {
		v["host"] = types.StringValue(eff.RedisHost)
		priorPort, _ := prior.Attributes()["port"].(types.Int64)
		if eff.RedisPort != ntopngconf.DefaultRedisPort || (!priorPort.IsNull() && !priorPort.IsUnknown()) {
			v["port"] = types.Int64Value(int64(eff.RedisPort))
		}
	}
	return types.ObjectValueMust(redisAttrTypes, v)
}
