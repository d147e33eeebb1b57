package provider

// ntopng_instance's plan-time helpers: the configuration checked and turned into
// ntopnghardening.Desired, warnings, and the drift rules on the model.

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	tfpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopnghardening"
)

// objectAsOptions reads nested objects whose optional fields may be null.
var objectAsOptions = basetypes.ObjectAsOptions{UnhandledNullAsEmpty: true, UnhandledUnknownAsEmpty: true}

// instanceRedisModel is the redis {} block.
type instanceRedisModel struct {
	Socket types.String `tfsdk:"socket"`
	Host   types.String `tfsdk:"host"`
	Port   types.Int64  `tfsdk:"port"`
	DB     types.Int64  `tfsdk:"db"`
}

var redisAttrTypes = map[string]attr.Type{
	"socket": types.StringType,
	"host":   types.StringType,
	"port":   types.Int64Type,
	"db":     types.Int64Type,
}

// desiredInstance builds what m asks of the file and validates it; unknown values stay empty
// (an unknown listen is "", an unknown redis nil), a null http_listen is its default.
func desiredInstance(ctx context.Context, m instanceModel) (ntopnghardening.Desired, diag.Diagnostics) {
	var diags diag.Diagnostics
	problem := func(p tfpath.Path, pr *ntopnghardening.Problem) bool {
		if pr != nil {
			diags.AddAttributeError(p, pr.Summary, pr.Detail)
		}
		return pr != nil
	}
	d := ntopnghardening.Desired{HTTPListen: ntopngconf.ListenDisabled, User: m.User.ValueString(), DataDir: m.DataDir.ValueString()}
	if !m.HTTPListen.IsNull() {
		d.HTTPListen = m.HTTPListen.ValueString()
	}
	d.HTTPSListen = m.HTTPSListen.ValueString()
	problem(tfpath.Root("user"), ntopnghardening.CheckUser(d.User))
	if !m.Redis.IsNull() && !m.Redis.IsUnknown() {
		var rm instanceRedisModel
		diags.Append(m.Redis.As(ctx, &rm, objectAsOptions)...)
		if !rm.Socket.IsUnknown() && !rm.Host.IsUnknown() && !rm.Port.IsUnknown() && !rm.DB.IsUnknown() {
			red := ntopngconf.Redis{Socket: rm.Socket.ValueString(), Host: rm.Host.ValueString(), Port: int(rm.Port.ValueInt64()), DB: int(rm.DB.ValueInt64())}
			if !problem(tfpath.Root("redis"), ntopnghardening.CheckRedis(red)) {
				d.Redis = &red
			}
		}
	}
	if !m.ExtraOptions.IsNull() && !m.ExtraOptions.IsUnknown() {
		d.ExtraOptions = map[string]string{}
		for name, v := range m.ExtraOptions.Elements() {
			if s, ok := v.(types.String); ok && !s.IsUnknown() &&
				!problem(tfpath.Root("extra_options").AtMapKey(name), ntopnghardening.CheckExtraOption(name, s.ValueString())) {
				d.ExtraOptions[name] = s.ValueString()
			}
		}
	}
	if !m.ZMQEncryption.IsNull() && !m.ZMQEncryption.IsUnknown() {
		on := m.ZMQEncryption.ValueBool()
		d.ZMQEncryption = &on
	}
	lists := []struct {
		attr, option string
		list         types.List
		dst          *[]string
	}{{"interfaces", "interface", m.Interfaces, &d.Interfaces}, {"local_networks", "local-networks", m.LocalNetworks, &d.LocalNetworks}}
	for _, l := range lists {
		if l.list.IsNull() || l.list.IsUnknown() {
			continue
		}
		*l.dst = []string{}
		for i, v := range l.list.Elements() {
			if s, ok := v.(types.String); ok && !s.IsUnknown() &&
				!problem(tfpath.Root(l.attr).AtListIndex(i), ntopnghardening.CheckListValue(l.option, s.ValueString())) {
				*l.dst = append(*l.dst, s.ValueString())
				if l.attr == "interfaces" && !m.ZMQEncryption.IsUnknown() {
					problem(tfpath.Root(l.attr).AtListIndex(i), ntopnghardening.CheckCollectors(s.ValueString(), m.ZMQEncryption.ValueBool()))
				}
			}
		}
	}
	if !m.DataDir.IsNull() && !m.DataDir.IsUnknown() {
		problem(tfpath.Root("data_dir"), ntopnghardening.CheckDataDir(d.DataDir))
	}
	d.CiphersList = tlsCiphersList(m)
	// Known elements only: a group from a variable or another resource is unknown at plan time
	// (the quickstart's user_groups = [var.redis_group] failed terraform validate).
	d.UserGroups = listStrings(m.UserGroups)
	return d, diags
}

// listStrings is the known strings of l (nil when l is null).
func listStrings(l types.List) []string {
	var out []string
	for _, v := range l.Elements() {
		if s, ok := v.(types.String); ok && !s.IsUnknown() {
			out = append(out, s.ValueString())
		}
	}
	return out
}

// rotatePassword: write the configuration's password (instead of keeping the host's) when
// the version changed, when the host drifted from what was applied, or when there is none.
func (r *instanceResource) rotatePassword(ctx context.Context, plan, prior instanceModel, p privateGetter) bool {
	if !plan.RedisPassword.IsNull() {
		return true
	}
	if !plan.RedisPasswordWOVersion.Equal(prior.RedisPasswordWOVersion) || prior.RedisPasswordSHA256.IsNull() {
		return true
	}
	applied := instanceRedisPassword.applied(ctx, p)
	return applied != "" && applied != prior.RedisPasswordSHA256.ValueString()
}

// instanceWarnings are ValidateConfig's warnings: legal but risky settings. passwordSet says
// whether a Redis password is given.
func instanceWarnings(m instanceModel, d ntopnghardening.Desired, passwordSet bool) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, l := range []struct {
		attr   string
		listen *ntopngconf.Listen
	}{{"http_listen", parsedListen(d.HTTPListen)}, {"https_listen", parsedListen(d.HTTPSListen)}} {
		if l.listen != nil && l.listen.AllAddresses() {
			diags.AddAttributeWarning(tfpath.Root(l.attr), "Web Server on Every Address",
				fmt.Sprintf("%s = %q listens on every address of the host. Bind it to the management address, e.g. \"192.0.2.10:%d\".",
					l.attr, l.listen.String(), l.listen.Port))
		}
	}
	diags.Append(selfOutsideACL(m, parsedListen(d.HTTPSListen))...)
	if m.User.ValueString() == "nobody" {
		diags.AddAttributeWarning(tfpath.Root("user"), "ntopng Runs as nobody",
			"user = \"nobody\" shares an account with other daemons. Use a dedicated user such as \"ntopng\" (manage_user creates it).")
	}
	if _, ok := d.ExtraOptions["disable-login"]; ok {
		diags.AddAttributeWarning(tfpath.Root("extra_options").AtMapKey("disable-login"), "Login Disabled",
			"disable-login turns off authentication of the web interface (1: for everyone, 0: from localhost). Anyone who reaches the port gets in.")
	}
	if _, ok := d.ExtraOptions["insecure"]; ok {
		diags.AddAttributeWarning(tfpath.Root("extra_options").AtMapKey("insecure"), "TLS Certificate Verification Off",
			"extra_options \"insecure\" (--insecure) turns off TLS certificate and host name verification in the connections ntopng "+
				"makes itself: HTTPS downloads (such as blacklists), webhook and other HTTP notifications, Elasticsearch export and "+
				"SMTP mail. Anyone on the network path can pose as those servers and read or change what ntopng sends them, "+
				"credentials included. Remove it, and give those servers certificates that the host's CA store trusts.")
	}
	if d.Redis != nil && d.Redis.Socket == "" && !passwordSet {
		diags.AddAttributeWarning(tfpath.Root("redis"), "Redis over TCP Without a Password",
			"ntopng reaches Redis over TCP and no redis_password_wo or redis_password is set: anyone on the host can read "+
				"and change ntopng's data. Protect Redis with ntopng_redis and pass the same password here, or use the Unix socket.")
	}
	return diags
}

// selfOutsideACL warns when web_allowed_networks leaves out the address HTTPS listens on: a
// client on the probe itself connects from that address (Linux picks the destination as the
// source of a connection to a local address), so ntopng refuses it, and with it every check
// made from the probe, such as ntopng_tls_cert.verify_endpoint through SSH.
func selfOutsideACL(m instanceModel, https *ntopngconf.Listen) diag.Diagnostics {
	var diags diag.Diagnostics
	if https == nil || https.Disabled || m.WebAllowedNetworks.IsNull() || m.WebAllowedNetworks.IsUnknown() {
		return nil
	}
	addr := https.Address
	if https.Loopback {
		addr = "127.0.0.1"
	}
	self, err := netip.ParseAddr(addr)
	if err != nil || !self.Is4() {
		return nil // every address: no single one to check; IPv6: outside ntopng's IPv4 list anyway
	}
	for _, n := range listStrings(m.WebAllowedNetworks) {
		if p, err := netip.ParsePrefix(n); err != nil || p.Contains(self) {
			return nil // unknown or invalid elements are someone else's to report
		}
	}
	diags.AddAttributeWarning(tfpath.Root("web_allowed_networks"), "The Host Itself Is Outside web_allowed_networks",
		fmt.Sprintf("HTTPS listens on %s, and web_allowed_networks does not include %s: a client on the host itself connects "+
			"from that address, so ntopng refuses it. Checks made from the host get no answer then: ntopng_tls_cert's "+
			"verify_endpoint (through SSH) reads no served certificate, which shows as a change in every plan. Add \"%s/32\" "+
			"unless nothing on the host must reach the web server.", https.String(), self, self))
	return diags
}

// certWarning: the certificate must exist when HTTP is disabled: a warning at plan time, an
// error at apply.
func (r *instanceResource) certWarning(ctx context.Context, plan instanceModel) diag.Diagnostics {
	var diags diag.Diagnostics
	if plan.HTTPListen.ValueString() == ntopngconf.ListenDisabled && !plan.CertPath.IsUnknown() && !plan.Host.IsUnknown() && !r.data.unknown {
		if c, err := r.data.conn(ctx, plan.Host.ValueString(), plan.SSHPort); err == nil {
			if fi, err := c.Stat(ctx, plan.CertPath.ValueString()); err == nil && !fi.Exists {
				diags.AddAttributeWarning(tfpath.Root("cert_path"), "HTTPS Certificate Missing",
					fmt.Sprintf("%s does not exist on %s yet. With http_listen = \"disabled\" ntopng would fall back to plain HTTP on "+
						"every address, so apply checks again before writing ntopng.conf and refuses when it is still missing. "+
						"This is expected when ntopng_tls_cert pushes it in this same apply (cert_path = ntopng_tls_cert.<name>.path "+
						"makes it go first).", plan.CertPath.ValueString(), plan.Host.ValueString()))
			}
		}
	}
	return diags
}

// plannedPasswordHash is redis_password_sha256 in the plan: the given password's hash (on the
// host), or the state's when no password is given (apply leaves the host's as it is).
func (r *instanceResource) plannedPasswordHash(ctx context.Context, req resource.ModifyPlanRequest, plan instanceModel, prior *instanceModel) (types.String, diag.Diagnostics) {
	h, diags := instanceRedisPassword.plannedHash(ctx, req, plan.RedisPasswordWOVersion, hostHasher(ctx, r.data, plan.Host, plan.SSHPort))
	if _, set, _, _ := instanceRedisPassword.value(ctx, req.Config); !set {
		// No password given: the attribute still reads back the one in the host's files
		// (an unmanaged --redis line, a drop-in), which apply leaves as it is.
		h = types.StringUnknown()
		if prior != nil {
			h = prior.RedisPasswordSHA256
		}
	}
	return h, diags
}

func (r *instanceResource) passwordPath(ctx context.Context, req resource.ValidateConfigRequest) tfpath.Path {
	if instanceRedisPassword.usesWriteOnly(ctx, req.Config) {
		return tfpath.Root("redis_password_wo")
	}
	return tfpath.Root("redis_password")
}

// parsedListen is s parsed, or nil when it is not known (or not valid: the attribute's
// validator reports that).
func parsedListen(s string) *ntopngconf.Listen {
	l, err := ntopngconf.ParseListen(s)
	if err != nil {
		return nil
	}
	return &l
}

// planReadBacks: the read-back attributes stay as the state has them when nothing is to be
// written or repaired; otherwise they are known after apply.
func planReadBacks(plan instanceModel, prior *instanceModel) instanceModel {
	if prior != nil && configEqual(plan, *prior) && plan.RedisPasswordSHA256.Equal(prior.RedisPasswordSHA256) && !listenersDrifted(*prior) &&
		!redisDrifted(*prior) && !filesDrifted(plan, *prior) && !confinementDrifted(*prior) && !zmqKeyDrifted(*prior) && !tlsDrifted(*prior) {
		plan.EffectiveOptions = prior.EffectiveOptions
		plan.ObservedListeners, plan.RedisStatus = prior.ObservedListeners, prior.RedisStatus
		plan.ConfigOwner, plan.ConfigMode, plan.WritableConfigPaths = prior.ConfigOwner, prior.ConfigMode, prior.WritableConfigPaths
		plan.ConfinementStatus, plan.TLSObserved = prior.ConfinementStatus, prior.TLSObserved
		plan.ZMQPublicKey, plan.ZMQPrivateKeyOwner, plan.ZMQPrivateKeyMode = prior.ZMQPublicKey, prior.ZMQPrivateKeyOwner, prior.ZMQPrivateKeyMode
		return plan
	}
	plan.EffectiveOptions = types.MapUnknown(types.StringType)
	plan.ObservedListeners, plan.RedisStatus = types.ListUnknown(types.StringType), types.StringUnknown()
	plan.ConfigOwner, plan.ConfigMode = types.StringUnknown(), types.StringUnknown()
	plan.WritableConfigPaths = types.ListUnknown(types.StringType)
	plan.ConfinementStatus, plan.TLSObserved = types.StringUnknown(), types.ObjectUnknown(tlsObservedAttrTypes)
	plan.ZMQPublicKey, plan.ZMQPrivateKeyOwner, plan.ZMQPrivateKeyMode = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
	if prior != nil && !zmqReadBacksChange(plan, *prior) {
		plan.ZMQPublicKey, plan.ZMQPrivateKeyOwner, plan.ZMQPrivateKeyMode = prior.ZMQPublicKey, prior.ZMQPrivateKeyOwner, prior.ZMQPrivateKeyMode
	}
	return plan
}

// zmqReadBacksChange: an apply can change what the key pair reads back only when it turns
// encryption on or off, repairs the private key, or, with encryption on, restarts an ntopng
// that has no key pair yet (it creates it at start-up) or changes its interfaces or data
// directory. Otherwise the
// read-backs stay as they are (a host without a collector shows no change to them).
func zmqReadBacksChange(plan, prior instanceModel) bool {
	_, encrypted := prior.EffectiveOptions.Elements()["zmq-encryption"]
	_, keyOption := prior.EffectiveOptions.Elements()["zmq-encryption-key-priv"]
	encryptedAfter := plan.ZMQEncryption.ValueBool() || plan.ZMQEncryption.IsNull() && (encrypted || keyOption)
	return !plan.ZMQEncryption.Equal(prior.ZMQEncryption) || zmqKeyDrifted(prior) ||
		encryptedAfter && (prior.ZMQPublicKey.IsNull() || !plan.Interfaces.Equal(prior.Interfaces) || !plan.DataDir.Equal(prior.DataDir))
}

// configEqual compares what the resource writes (not the computed read-backs).
func configEqual(a, b instanceModel) bool {
	return a.HTTPListen.Equal(b.HTTPListen) && a.HTTPSListen.Equal(b.HTTPSListen) && a.User.Equal(b.User) &&
		a.UserGroups.Equal(b.UserGroups) && a.Redis.Equal(b.Redis) && a.Interfaces.Equal(b.Interfaces) &&
		a.DataDir.Equal(b.DataDir) && a.LocalNetworks.Equal(b.LocalNetworks) && a.ExtraOptions.Equal(b.ExtraOptions) &&
		a.ManageUser.Equal(b.ManageUser) && a.RedisPassword.Equal(b.RedisPassword) &&
		a.RedisPasswordWOVersion.Equal(b.RedisPasswordWOVersion) && a.WebAllowedNetworks.Equal(b.WebAllowedNetworks) &&
		a.RevokePackageGrants.Equal(b.RevokePackageGrants) &&
		a.Confinement.Equal(b.Confinement) && a.ConfinementWritablePaths.Equal(b.ConfinementWritablePaths) &&
		a.ZMQEncryption.Equal(b.ZMQEncryption) && a.TLSProfile.Equal(b.TLSProfile) && a.TLSCiphers.Equal(b.TLSCiphers)
}

// filesDrifted: ntopnghardening.FilesDrifted on what the last read found.
func filesDrifted(plan, prior instanceModel) bool {
	_, disableLogin := prior.EffectiveOptions.Elements()["disable-login"]
	_, wanted := plan.ExtraOptions.Elements()["disable-login"]
	return ntopnghardening.FilesDrifted(ntopnghardening.ReadBack{ConfigOwner: prior.ConfigOwner.ValueString(), ConfigMode: prior.ConfigMode.ValueString(),
		Writable: len(prior.WritableConfigPaths.Elements()), DisableLogin: disableLogin}, wanted)
}

// listenersDrifted: ntopnghardening.ListenersDrifted, once the listeners were read.
func listenersDrifted(st instanceModel) bool {
	if st.ObservedListeners.IsNull() || st.ObservedListeners.IsUnknown() {
		return false // never read
	}
	return ntopnghardening.ListenersDrifted(listStrings(st.ObservedListeners), st.HTTPListen.ValueString(), st.HTTPSListen.ValueString())
}

// redisDrifted: the last read found that ntopng cannot reach the Redis its files name.
func redisDrifted(st instanceModel) bool {
	return ntopnghardening.RedisDrifted(st.RedisStatus.ValueString())
}

// redisWarning says at plan time that ntopng cannot reach its Redis, and what apply does.
func redisWarning(plan instanceModel, prior *instanceModel) diag.Diagnostics {
	var diags diag.Diagnostics
	if prior != nil && redisDrifted(*prior) {
		diags.AddAttributeWarning(tfpath.Root("redis_status"), "ntopng Cannot Reach Its Redis",
			fmt.Sprintf("On %s, the Redis that %s names does not let ntopng in: %s. A running ntopng keeps its old connection "+
				"until its next restart, then fails. Apply restarts ntopng with the configured password and socket and checks "+
				"again; if the Redis side changed (ntopng_redis, or by hand), make both use the same password.",
				plan.Host.ValueString(), plan.ConfigPath.ValueString(), prior.RedisStatus.ValueString()))
	}
	return diags
}

// instanceReadBackAttributes are the computed attributes that say what the host really has:
// each is read back on every refresh, and each difference from the configuration is drift.
func instanceReadBackAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"effective_options": schema.MapAttribute{
			MarkdownDescription: "What ntopng will really use after the main file and the drop-ins: the last value of " +
				"every option ntopng handles, by long name (flags as `\"\"`; an option ntopng lists but ignores, such as " +
				"`prefs-dir`, is left out), from the main file and the drop-ins. Values that can carry a " +
				"credential never reach the state or the plan: they show as `" + ntopnghardening.Masked + "` (the password part of " +
				"`redis`, everything after the mode of `dump-flows`, a URL's `user:password@`, and the whole value of " +
				"every option not known to be credential-free, such as `zmq-encrypt-pwd`, `zmq-encryption-key-priv`, " +
				"`test-script`, and options of a newer ntopng). The mask is a constant, not a hash.",
			ElementType: types.StringType, Computed: true,
		},
		"observed_listeners": schema.ListAttribute{
			MarkdownDescription: "`ADDRESS:PORT` of every TCP socket the processes of `service` listen on, except the flow " +
				"collector endpoints of collector mode (`--interface=tcp://ADDRESS:PORTc`): the web servers. Empty when ntopng " +
				"is not running. A difference from the configuration (changed but not restarted, or stopped) is drift. Null " +
				"when they could not be checked (systemd does not run on the host and no PID file leads to ntopng; the plan " +
				"shows a warning saying why): not drift.",
			ElementType: types.StringType, Computed: true,
		},
		"redis_status": schema.StringAttribute{
			MarkdownDescription: "Whether ntopng can reach the Redis its configuration names, asked on every read beside " +
				"`observed_listeners`: the host connects to it, as the SSH login (ntopng connects before it drops privileges), " +
				"through an SSH tunnel to the socket or port, and sends what ntopng sends (`AUTH` with the file's password, " +
				"`SELECT` its database, `PING`), the password inside the tunnel only. When the tunnel cannot be opened (sshd " +
				"forwards nothing, the socket is not the login's to open, nothing is there) `redis-cli` on the host asks the " +
				"same in the same command as `observed_listeners`, the password on its standard input only. `ok`, or Redis's " +
				"own answer and the target, e.g. `WRONGPASS invalid " +
				"username-password pair ... (unix:/run/redis/redis-server.sock)`: anything but `ok` is drift (the password or " +
				"socket changed on one side only, Redis moved), which apply repairs by restarting ntopng and checking again " +
				"(`verify_listeners` = true: an ntopng that still cannot reach Redis fails the apply and the previous file is " +
				"put back). `not checked: ...` when neither the tunnel nor `redis-cli` could ask (not drift). Null when the files set no " +
				"`--redis` (ntopng's default, 127.0.0.1:6379 without a password, is not asked).",
			Computed: true,
		},
		"config_owner": schema.StringAttribute{
			MarkdownDescription: "`USER:GROUP` of `config_path` on the host. Apply writes `root:` and `user`'s primary group. Read " +
				"back: an owner other than `root` is drift (ntop's package gives the file to `ntopng:ntop`, so ntopng could " +
				"rewrite its own configuration), and apply gives the file back to root.",
			Computed: true,
		},
		"config_mode": schema.StringAttribute{
			MarkdownDescription: "Mode of `config_path` on the host, e.g. `0640`. Apply writes `0640`. Read back: anything else is drift.",
			Computed:            true,
		},
		"writable_config_paths": schema.ListAttribute{
			MarkdownDescription: "The configuration folder, its `ntopng.conf.d` and the drop-ins that someone other than root " +
				"owns or that group or others may write. ntop's package runs `chown -R ntopng:ntop /etc/ntopng` on every " +
				"install and upgrade, which lets ntopng itself rewrite its configuration (add `--dont-change-user`, or a " +
				"drop-in with `--disable-login`). Read back: a non-empty list is drift, and apply gives each to root and " +
				"removes group and other write permission (the group is kept; symbolic links are given to root, never followed).",
			ElementType: types.StringType, Computed: true,
		},
	}
}
