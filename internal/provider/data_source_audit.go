package provider

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/audit"
	"github.com/hardenops/terraform-provider-ntopng/internal/hostids"
	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopnghardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/redisconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/redishardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
	"github.com/hardenops/terraform-provider-ntopng/internal/unithardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/validators"
	"github.com/hardenops/terraform-provider-ntopng/internal/webusers"
)

var _ datasource.DataSourceWithConfigure = (*auditDataSource)(nil)

// NewAuditDataSource is ntopng_audit: the hardening checklist of a host, as data.
func NewAuditDataSource() datasource.DataSource { return &auditDataSource{} }

type auditDataSource struct {
	data *providerData
}

// auditModel is ntopng_audit's configuration and result.
type auditModel struct {
	Host            types.String `tfsdk:"host"`
	SSHPort         types.Int64  `tfsdk:"ssh_port"`
	ConfigPath      types.String `tfsdk:"config_path"`
	RedisConfigPath types.String `tfsdk:"redis_config_path"`
	ID              types.String `tfsdk:"id"`
	Passed          types.Bool   `tfsdk:"passed"`
	Score           types.Int64  `tfsdk:"score"`
	Findings        types.List   `tfsdk:"findings"`
}

const defaultRedisConf = "/etc/redis/redis.conf"

var findingAttrTypes = map[string]attr.Type{
	"id": types.StringType, "status": types.StringType, "severity": types.StringType,
	"summary": types.StringType, "evidence": types.StringType, "remediation": types.StringType,
}

// Metadata names the data source.
func (d *auditDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_audit"
}

// Schema describes the findings.
func (d *auditDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The hardening checklist of an ntopng host, as data, for `check` blocks: read-only, for hosts " +
			"Terraform manages or not. Each check looks at the files and, where there is one, the running service " +
			"(ntopng's sockets and user, what Redis answers an unauthenticated client, ntopng's web users in Redis).",
		Attributes: map[string]schema.Attribute{
			"host":     schema.StringAttribute{MarkdownDescription: "Address or name of the host (SSH settings come from the provider block).", Required: true, Validators: hostValidators},
			"ssh_port": schema.Int64Attribute{MarkdownDescription: "SSH port, overriding the provider's `ssh.port`.", Optional: true},
			"config_path": schema.StringAttribute{
				MarkdownDescription: "ntopng's configuration file; its `ntopng.conf.d/*.conf` drop-ins are read too. Default `" + defaultNtopngConf + "`.",
				Optional:            true, Validators: []validator.String{validators.AbsolutePath()},
			},
			"redis_config_path": schema.StringAttribute{
				MarkdownDescription: "Redis's configuration file (includes followed). Default: the one `ntopng_redis` would pick " +
					"on this host: `" + defaultRedisConf + "` on Debian and Ubuntu, `/etc/valkey/valkey.conf` where Valkey is installed " +
					"and Redis is not, the RHEL family's path there (see `ntopng_redis.config_path`).",
				Optional: true, Validators: []validator.String{validators.AbsolutePath()},
			},
			"id":     schema.StringAttribute{Computed: true, MarkdownDescription: "The host (and `ssh_port` when set)."},
			"passed": schema.BoolAttribute{Computed: true, MarkdownDescription: "True when no check fails."},
			"score": schema.Int64Attribute{Computed: true,
				MarkdownDescription: "Share of the applicable checks that pass, 0 to 100."},
			"findings": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "One finding per check, in a fixed order (see the table of checks).",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":          schema.StringAttribute{Computed: true, MarkdownDescription: "Stable check ID, e.g. `web_admin_password`."},
					"status":      schema.StringAttribute{Computed: true, MarkdownDescription: "`pass`, `fail` or `not_applicable`."},
					"severity":    schema.StringAttribute{Computed: true, MarkdownDescription: "`critical`, `high` or `medium`."},
					"summary":     schema.StringAttribute{Computed: true, MarkdownDescription: "One line: what was found."},
					"evidence":    schema.StringAttribute{Computed: true, MarkdownDescription: "What the finding rests on (file modes, configuration values, sockets, Redis replies); secrets masked."},
					"remediation": schema.StringAttribute{Computed: true, MarkdownDescription: "The resource attribute that fixes a failure; empty when the check passes."},
				}},
			},
		},
	}
}

// Configure takes the provider's connection pool.
func (d *auditDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	data, diags := configureData(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	d.data = data
}

// Read gathers the facts, runs the checks and returns the findings.
func (d *auditDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m auditModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || d.data == nil {
		return
	}
	c, err := d.data.conn(ctx, m.Host.ValueString(), m.SSHPort)
	if err != nil {
		resp.Diagnostics.AddAttributeError(pathHost, "Cannot Connect to Host", err.Error())
		return
	}
	confPath := defaultNtopngConf
	if !m.ConfigPath.IsNull() {
		confPath = m.ConfigPath.ValueString()
	}
	var redisPath string
	if !m.RedisConfigPath.IsNull() {
		redisPath = m.RedisConfigPath.ValueString()
	} else {
		// As ntopng_redis picks it: the distribution's, or Valkey's on a Valkey host.
		defaults, _ := redishardening.Defaults(ctx, c, "")
		redisPath = defaults.ConfigPath
	}
	facts, err := gatherAuditFacts(ctx, c, confPath, redisPath)
	if err != nil {
		resp.Diagnostics.AddError("Cannot Audit Host", err.Error())
		return
	}
	findings := audit.Run(facts)
	score, passed := audit.Score(findings)
	var items []attr.Value
	for _, f := range findings {
		items = append(items, types.ObjectValueMust(findingAttrTypes, map[string]attr.Value{
			"id": types.StringValue(f.ID), "status": types.StringValue(f.Status), "severity": types.StringValue(f.Severity),
			"summary": types.StringValue(f.Summary), "evidence": types.StringValue(f.Evidence), "remediation": types.StringValue(f.Remediation),
		}))
	}
	m.ID = types.StringValue(hostID(m.Host.ValueString(), m.SSHPort, ""))
	m.Passed, m.Score = types.BoolValue(passed), types.Int64Value(int64(score))
	m.Findings = types.ListValueMust(types.ObjectType{AttrTypes: findingAttrTypes}, items)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// gatherAuditFacts reads everything the checks look at; nothing is changed on the host.
func gatherAuditFacts(ctx context.Context, c *transport.Conn, confPath, redisPath string) (audit.Facts, error) {
	f := audit.Facts{Now: time.Now()}
	nf, err := ntopnghardening.ReadConf(ctx, c, confPath)
	if err != nil {
		return f, err
	}
	ids, err := lookupIDs(ctx, c)
	if err != nil {
		return f, err
	}
	file := func(tf transport.File) audit.File {
		return audit.File{Path: tf.Path, Exists: tf.Info.Exists, Mode: uint32(tf.Info.Mode.Perm()), UID: tf.Info.UID, GID: tf.Info.GID, Owner: ids.KnownUserName(tf.Info.UID)}
	}
	f.NtopngConf = file(nf.Main)
	f.NtopngConf.Path = confPath
	for _, d := range nf.DropIns {
		f.DropIns = append(f.DropIns, file(d))
	}
	f.Effective = nf.Effective
	f.MainOnly = nf.Written(confPath)
	_, f.UserExists = ids.UID(f.Effective.User)

	// The certificate (the file holds the private key: only facts leave this function).
	docs := f.Effective.DocsDir
	if docs == "" {
		docs = ntopngconf.DefaultDocsDir
	}
	certPath := strings.TrimSuffix(docs, "/") + certFileSuffix
	data, info, err := c.ReadFile(ctx, certPath)
	if err != nil {
		return f, err
	}
	f.Cert = audit.CertOf(file(transport.File{Path: certPath, Data: data, Info: info}), data)

	// ntopng's process, as its systemd unit knows it (a local process named ntopng is not it):
	// its user and sockets.
	// The same command asks what is left of ntop's package grants, and how the unit confines it.
	svc := ntopnghardening.ServiceOf(confPath, ntopnghardening.DefaultService(confPath), nf.Effective, ids)
	svc.Probes = []livecheck.Probe{ntopnghardening.GrantsProbe}
	svc.Properties = unithardening.Properties()
	u, err := livecheck.UnitListeners(ctx, c, svc)
	if err != nil {
		return f, err
	}
	f.Grants = auditGrants(ntopnghardening.ParseGrants(u.Probes[ntopnghardening.GrantsProbe.Name], ids, f.Effective.User))
	f.Confinement = auditConfinement(u, nf.Effective)
	f.Running, f.ProcessUser, err = ntopnghardening.ProcessUser(ctx, c, ids, u.MainPID)
	if err != nil {
		return f, err
	}
	f.Listeners = auditListeners(u.Listeners)

	// Redis: its file (includes followed), its sockets, an unauthenticated PING.
	if f.Redis, err = redisFacts(ctx, c, ids, redisPath); err != nil {
		return f, err
	}
	f.Web = webFacts(ctx, c, nf.Effective)
	if f.Collector, err = collectorFacts(ctx, c, nf, ids, file); err != nil {
		return f, err
	}
	f.TLS = auditTLS(ctx, c, nf.Effective)
	return f, nil
}

func auditListeners(ls []livecheck.Listener) []audit.Listener {
	out := make([]audit.Listener, 0, len(ls))
	for _, l := range ls {
		out = append(out, audit.Listener{Address: l.Address, Port: l.Port})
	}
	return out
}

func redisFacts(ctx context.Context, c *transport.Conn, ids *hostids.IDs, redisPath string) (audit.Redis, error) {
	var r audit.Redis
	info, err := c.Stat(ctx, redisPath)
	if err != nil {
		return r, err
	}
	r.ConfFile = audit.File{Path: redisPath, Exists: info.Exists, Mode: uint32(info.Mode.Perm()), UID: info.UID, GID: info.GID, Owner: ids.KnownUserName(info.UID)}
	if info.Exists {
		cfg, err := redisconf.Load(redishardening.NewHostFS(ctx, c, nil), redisPath)
		if err != nil {
			return r, fmt.Errorf("reading %s: %w", redisPath, err)
		}
		e := redishardening.EffectiveOf(cfg)
		r.RequirePass = e.Password != ""
		r.Port = int(e.PortValue())
		r.Bind, r.UnixSocket = e.Bind, e.Unixsocket
		if p, err := strconv.ParseUint(e.SocketPerm, 8, 32); err == nil {
			r.UnixSocketPerm = uint32(p)
		}
	} else {
		r.Port, r.Bind = 6379, redishardening.DefaultBind
	}
	ls, err := livecheck.ProcessListeners(ctx, c, "redis-server", "valkey-server")
	if err != nil {
		return r, err
	}
	r.Listeners = auditListeners(ls)
	network, addr := "", ""
	switch {
	case len(ls) > 0:
		a := ls[0].Address
		if a == "0.0.0.0" || a == "::" {
			a = "127.0.0.1"
		}
		network, addr = "tcp", ls[0].HostPort()
		if a != ls[0].Address {
			addr = a + ":" + strconv.Itoa(ls[0].Port)
		}
	case r.UnixSocket != "":
		network, addr = "unix", r.UnixSocket
	}
	if network != "" {
		st, err := livecheck.ProbeRedis(ctx, c, network, addr, "")
		if err != nil {
			return r, err
		}
		r.Probed, r.Reachable, r.AuthRequired, r.PingReply = true, st.Reachable, st.AuthRequired, st.PingReply
	}
	return r, nil
}

// webFacts reads admin's password hash (kept here only to compare it with the default)
// and the access list from the Redis ntopng uses.
func webFacts(ctx context.Context, c *transport.Conn, eff ntopngconf.Effective) audit.Web {
	t := ntopnghardening.RedisTarget(eff)
	rep, err := livecheck.RedisDo(ctx, c, t,
		[]string{"GET", webusers.Key(webusers.Admin, webusers.FieldPassword)},
		[]string{"EXISTS", webusers.TempAdminPasswordKey},
		[]string{"GET", webusers.ACLKey})
	if err == nil {
		for _, x := range rep {
			if x.Err != "" {
				err = fmt.Errorf("%s", x.Err)
			}
		}
	}
	if err != nil {
		return audit.Web{Error: fmt.Sprintf("ntopng's Redis (%s, from its configuration): %v", t.Addr, err)}
	}
	return audit.Web{Read: true, AdminHash: rep[0].Str, TempAdminPassword: rep[1].Str == "1", ACL: rep[2].Str}
}

// collectorFacts: the collector endpoints beyond loopback, and the CURVE private key (stat'ed,
// never read) when encryption is on.
func collectorFacts(ctx context.Context, c *transport.Conn, nf *ntopnghardening.Conf, ids *hostids.IDs, file func(transport.File) audit.File) (audit.Collector, error) {
	_, xor := nf.Effective.Options["zmq-encrypt-pwd"]
	col := audit.Collector{Remote: ntopnghardening.RemoteCollectors(nf.OptionValues("interface")), Encrypted: ntopnghardening.ZMQEncrypted(nf.Effective),
		XORPassword: xor, RunAs: nf.Effective.User, KeyOption: ntopnghardening.ZMQKeyOption(nf.Effective)}
	if len(col.Remote) == 0 || !col.Encrypted || col.KeyOption {
		return col, nil
	}
	k, err := ntopnghardening.ReadZMQKeys(ctx, c, nf.Effective.DataDir)
	if err != nil {
		return col, err
	}
	keyFile := func(p string, fi transport.FileInfo) audit.File {
		f := file(transport.File{Path: p, Info: fi})
		if fi.Exists && !fi.IsRegular {
			f.Mode = 0o777 // a link or another kind of file: not ntopng's key
		}
		return f
	}
	col.PrivateKey = keyFile(k.PrivatePath, k.Private)
	for _, dir := range k.Legacy {
		p := path.Join(dir, "key.priv")
		fi, err := c.Lstat(ctx, p)
		if err != nil {
			return col, err
		}
		col.LegacyKeys = append(col.LegacyKeys, keyFile(p, fi))
	}
	return col, nil
}
