// Package provider is the Terraform-facing part of terraform-provider-ntopng: the provider
// schema and configuration, and one file per resource and data source.
package provider

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

var (
	_ provider.Provider                  = (*ntopngProvider)(nil)
	_ provider.ProviderWithListResources = (*ntopngProvider)(nil)
	_ provider.ProviderWithActions       = (*ntopngProvider)(nil)
)

// New returns the provider factory used by main and by the acceptance tests.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &ntopngProvider{version: version} }
}

type ntopngProvider struct {
	version string
}

// Metadata names the provider: resources are ntopng_*.
func (p *ntopngProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "ntopng"
	resp.Version = p.version
}

// Schema is the provider block: how to reach hosts over SSH. Credentials live only here, never
// in resources, so that no credential reaches the state.
func (p *ntopngProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	endpoint := endpointAttributes(false)
	for k, v := range targetOnlyAttributes() {
		endpoint[k] = v
	}
	bastion := endpointAttributes(true)
	resp.Schema = schema.Schema{
		MarkdownDescription: "Hardens [ntopng](https://www.ntop.org/products/traffic-analysis/ntop/) probes over SSH: " +
			"`ntopng_instance` (ntopng.conf), `ntopng_redis` (the Redis ntopng uses) and `ntopng_tls_cert` " +
			"(the HTTPS certificate). Every resource reads the host back so that `terraform plan` shows drift. " +
			"One SSH connection per host is shared by every resource and data source of a provider instance; " +
			"use provider aliases for several credential sets.",
		Attributes: map[string]schema.Attribute{
			"max_sessions_per_host": schema.Int64Attribute{
				MarkdownDescription: "How many SSH channels (SFTP, commands, tunnels) the provider keeps open at once on one " +
					"connection. Keep it under the server's `MaxSessions` (OpenSSH default 10). Default `4`. During a change one " +
					"more channel holds the host lock (see the resources' \"Apply and rollback\").",
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(1, 64)},
			},
			"max_open_connections": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How many SSH connections to hosts the provider keeps open while no resource "+
					"is using them. Default `%d`. Up to it, each host is logged in to once per plan or apply; a configuration "+
					"over more hosts closes the least recently used idle connection when another is released, and logs in "+
					"again if that host is read later. Past %d idle connections, the least recently used ones also close their "+
					"SFTP session (the `sftp-server` process on the host) and forget what they read, and stay logged in: an "+
					"idle connection then holds about 55 KiB of the provider's memory, about 95 KiB with its session, so the "+
					"default keeps a plan over a thousand hosts under 200 MiB; lower it to trade logins for memory. "+
					"A connection in use is never closed for this.", transport.DefaultMaxOpen, transport.DefaultMaxWarm),
				Optional:   true,
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
		},
		Blocks: map[string]schema.Block{
			"ssh": schema.SingleNestedBlock{
				MarkdownDescription: "How to reach and log in to the hosts. Host keys are always verified unless " +
					"`insecure_ignore_host_key = true`.",
				Attributes: endpoint,
				Blocks: map[string]schema.Block{
					"bastion": schema.SingleNestedBlock{
						MarkdownDescription: "A jump host: the provider logs in to it, then opens a TCP tunnel to the target " +
							"through it (like `ssh -J`). Unset authentication and host-key fields are taken from the `ssh` block.",
						Attributes: bastion,
					},
				},
			},
		},
	}
}

// endpointAttributes are the fields shared by the ssh block and its bastion block.
func endpointAttributes(bastion bool) map[string]schema.Attribute {
	a := map[string]schema.Attribute{
		"user": schema.StringAttribute{
			MarkdownDescription: "User to log in as. Default `root` (for the bastion: the `ssh` block's user).",
			Optional:            true,
		},
		"port": schema.Int64Attribute{
			MarkdownDescription: "SSH port. Default `22`. Resources may override it for the target with their own `ssh_port`.",
			Optional:            true,
			Validators:          []validator.Int64{int64validator.Between(1, 65535)},
		},
		"private_key": schema.StringAttribute{
			MarkdownDescription: "Private key content (OpenSSH or PEM format), e.g. `file(\"~/.ssh/id_ed25519\")`.",
			Optional:            true,
			Sensitive:           true,
		},
		"private_key_passphrase": schema.StringAttribute{
			MarkdownDescription: "Passphrase of an encrypted `private_key`.",
			Optional:            true,
			Sensitive:           true,
		},
		"certificate": schema.StringAttribute{
			MarkdownDescription: "SSH user certificate for `private_key` (the content of `id_ed25519-cert.pub`).",
			Optional:            true,
		},
		"password": schema.StringAttribute{
			MarkdownDescription: "Password (also answers keyboard-interactive prompts).",
			Optional:            true,
			Sensitive:           true,
		},
		"agent": schema.BoolAttribute{
			MarkdownDescription: "Use the SSH agent at `$SSH_AUTH_SOCK` (or `agent_socket`). Default `false`.",
			Optional:            true,
		},
		"agent_socket": schema.StringAttribute{
			MarkdownDescription: "Path of the SSH agent socket. Default: the `SSH_AUTH_SOCK` environment variable.",
			Optional:            true,
		},
		"known_hosts": schema.StringAttribute{
			MarkdownDescription: "known_hosts content (e.g. `file(\"~/.ssh/known_hosts\")`). `@cert-authority` lines work.",
			Optional:            true,
		},
		"known_hosts_file": schema.StringAttribute{
			MarkdownDescription: "Path of a known_hosts file on the machine running Terraform (`~` is expanded).",
			Optional:            true,
		},
		"host_key": schema.StringAttribute{
			MarkdownDescription: "Pinned host public key, e.g. `ssh-ed25519 AAAA...`. Wins over `known_hosts`. " +
				"With no pin and no known_hosts entry the provider refuses to connect and prints the line to pin.",
			Optional: true,
		},
		"insecure_ignore_host_key": schema.BoolAttribute{
			MarkdownDescription: "Accept any host key. Only for throwaway test hosts: anyone on the path can " +
				"impersonate the host and read the secrets the provider writes. Default `false`; a warning is shown when `true`.",
			Optional: true,
		},
	}
	if bastion {
		// Optional in the schema (a required attribute inside an absent block is an error in
		// Terraform); Configure requires it when the block is present.
		a["host"] = schema.StringAttribute{
			MarkdownDescription: "Address of the jump host. Required in a `bastion` block.",
			Optional:            true,
		}
	}
	return a
}

// targetOnlyAttributes are fields of the ssh block that do not apply to a bastion.
func targetOnlyAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"sudo": schema.BoolAttribute{
			MarkdownDescription: "Run file operations and commands as root through `sudo`: the SFTP server is started " +
				"as `sudo -n -- sh -c 'umask 077; exec sftp-server'`, commands as `sudo -n -- COMMAND` or " +
				"`sudo -n -- sh -c SCRIPT`. Needs passwordless sudo unless `sudo_password` is set; a sudo that asks for " +
				"a password without it fails with an error saying so. Default `false`.",
			Optional: true,
		},
		"sudo_password": schema.StringAttribute{
			MarkdownDescription: "Password that sudo asks for, for hosts without passwordless sudo (needs `sudo = true`). " +
				"Sent only on standard input, as the first line when sudo prompts (`sudo -S`), and only then: a host " +
				"whose sudo does not ask never receives it, and the command's own input follows only once sudo has " +
				"let it run. Never on a command line, in a log or in the state. A wrong password is an error naming " +
				"the host. Not for the bastion (nothing runs there). No default.",
			Optional:  true,
			Sensitive: true,
		},
		"sftp_server": schema.StringAttribute{
			MarkdownDescription: "Path of the SFTP server binary (run as a path, never read as an option). Default: the first of " +
				"`/usr/lib/openssh/sftp-server`, `/usr/libexec/openssh/sftp-server`, `/usr/lib/ssh/sftp-server`, " +
				"`/usr/libexec/sftp-server`, `/usr/lib/sftp-server` that exists. The server is always started through " +
				"`sh -c` under `umask 077`, with or without sudo, so every file it creates is born `0600` whatever the " +
				"host's umask; a write whose temporary file is created wider than that (a wrapper that resets the umask) " +
				"is refused before any content is written.",
			Optional: true,
		},
		"timeout": schema.StringAttribute{
			MarkdownDescription: "How long to keep trying to connect (hosts still booting), as a Go duration. Default `30s`. " +
				"Authentication failures are not retried. Also how long a connected host may leave SSH keepalives " +
				"(sent every third of it) unanswered before the connection is closed and what waits on it fails, naming the host.",
			Optional: true,
		},
	}
}

type providerModel struct {
	SSH                *sshModel   `tfsdk:"ssh"`
	MaxSessionsPerHost types.Int64 `tfsdk:"max_sessions_per_host"`
	MaxOpenConnections types.Int64 `tfsdk:"max_open_connections"`
}

type endpointModel struct {
	User                  types.String `tfsdk:"user"`
	Port                  types.Int64  `tfsdk:"port"`
	PrivateKey            types.String `tfsdk:"private_key"`
	PrivateKeyPassphrase  types.String `tfsdk:"private_key_passphrase"`
	Certificate           types.String `tfsdk:"certificate"`
	Password              types.String `tfsdk:"password"`
	Agent                 types.Bool   `tfsdk:"agent"`
	AgentSocket           types.String `tfsdk:"agent_socket"`
	KnownHosts            types.String `tfsdk:"known_hosts"`
	KnownHostsFile        types.String `tfsdk:"known_hosts_file"`
	HostKey               types.String `tfsdk:"host_key"`
	InsecureIgnoreHostKey types.Bool   `tfsdk:"insecure_ignore_host_key"`
}

type sshModel struct {
	endpointModel
	Sudo         types.Bool    `tfsdk:"sudo"`
	SudoPassword types.String  `tfsdk:"sudo_password"`
	SFTPServer   types.String  `tfsdk:"sftp_server"`
	Timeout      types.String  `tfsdk:"timeout"`
	Bastion      *bastionModel `tfsdk:"bastion"`
}

type bastionModel struct {
	endpointModel
	Host types.String `tfsdk:"host"`
}

// Configure builds the connection settings and the connection pool shared by every resource
// and data source of this provider instance. Nothing is dialled here: a walk that needs no host
// (validate, a no-change apply) opens no connection.
func (p *ntopngProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg := transport.Config{MaxSessions: 4, Timeout: 30 * time.Second}
	if !m.MaxSessionsPerHost.IsNull() && !m.MaxSessionsPerHost.IsUnknown() {
		cfg.MaxSessions = int(m.MaxSessionsPerHost.ValueInt64())
	}
	var unknown bool
	if m.SSH != nil {
		s := m.SSH
		unknown = s.hasUnknown()
		cfg.Target = s.endpoint()
		cfg.Sudo = s.Sudo.ValueBool()
		cfg.SudoPassword = s.SudoPassword.ValueString()
		if cfg.SudoPassword != "" && !cfg.Sudo && !s.Sudo.IsUnknown() {
			resp.Diagnostics.AddAttributeError(path.Root("ssh").AtName("sudo_password"), "sudo_password Without sudo",
				"sudo_password is set but sudo is not true, so nothing would use it: set sudo = true, or remove sudo_password.")
			return
		}
		if strings.ContainsAny(cfg.SudoPassword, "\r\n\x00") {
			resp.Diagnostics.AddAttributeError(path.Root("ssh").AtName("sudo_password"), "Invalid sudo_password",
				"sudo_password contains a line break or a NUL byte: sudo reads one line as the password. Remove it "+
					"(check for a trailing newline from file(); trimspace() removes it).")
			return
		}
		cfg.SFTPServer = s.SFTPServer.ValueString()
		if t := s.Timeout.ValueString(); t != "" {
			d, err := time.ParseDuration(t)
			if err != nil || d <= 0 {
				resp.Diagnostics.AddAttributeError(path.Root("ssh").AtName("timeout"), "Invalid SSH Timeout",
					fmt.Sprintf("timeout = %q is not a positive Go duration; write it like \"30s\" or \"2m\".", t))
				return
			}
			cfg.Timeout = d
		}
		if s.Bastion != nil {
			if s.Bastion.Host.IsNull() || (!s.Bastion.Host.IsUnknown() && s.Bastion.Host.ValueString() == "") {
				resp.Diagnostics.AddAttributeError(path.Root("ssh").AtName("bastion").AtName("host"), "Missing Bastion Host",
					"The bastion block needs host: the address of the jump host to connect through.")
				return
			}
			b := s.Bastion.endpoint()
			b.Host = s.Bastion.Host.ValueString()
			inheritEndpoint(&b, cfg.Target)
			cfg.Bastion = &b
			unknown = unknown || s.Bastion.hasUnknown() || s.Bastion.Host.IsUnknown()
		}
	}
	if cfg.Target.User == "" {
		cfg.Target.User = "root"
	}
	if cfg.Target.Port == 0 {
		cfg.Target.Port = 22
	}
	if cfg.Target.InsecureIgnoreHostKey || (cfg.Bastion != nil && cfg.Bastion.InsecureIgnoreHostKey) {
		resp.Diagnostics.AddAttributeWarning(path.Root("ssh").AtName("insecure_ignore_host_key"),
			"Host Keys Are Not Verified",
			"insecure_ignore_host_key = true: the provider accepts any SSH host key, so anyone on the network path "+
				"can impersonate the host and receive the Redis password and the TLS private key. Pin the key with "+
				"host_key or provide known_hosts instead.")
	}
	pool := transport.NewPool()
	if !m.MaxOpenConnections.IsNull() && !m.MaxOpenConnections.IsUnknown() {
		pool.SetMaxOpen(int(m.MaxOpenConnections.ValueInt64()))
	}
	data := &providerData{pool: pool, base: cfg, unknown: unknown}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.ListResourceData = data
	resp.ActionData = data
}

func (e endpointModel) hasUnknown() bool {
	return e.User.IsUnknown() || e.Port.IsUnknown() || e.PrivateKey.IsUnknown() ||
		e.PrivateKeyPassphrase.IsUnknown() || e.Certificate.IsUnknown() || e.Password.IsUnknown() ||
		e.Agent.IsUnknown() || e.AgentSocket.IsUnknown() || e.KnownHosts.IsUnknown() ||
		e.KnownHostsFile.IsUnknown() || e.HostKey.IsUnknown() || e.InsecureIgnoreHostKey.IsUnknown()
}

func (s *sshModel) hasUnknown() bool {
	return s.endpointModel.hasUnknown() || s.Sudo.IsUnknown() || s.SudoPassword.IsUnknown() || s.SFTPServer.IsUnknown() || s.Timeout.IsUnknown()
}

func (e endpointModel) endpoint() transport.Endpoint {
	agentSocket := e.AgentSocket.ValueString()
	if agentSocket == "" {
		agentSocket = os.Getenv("SSH_AUTH_SOCK")
	}
	return transport.Endpoint{
		Port: int(e.Port.ValueInt64()),
		Auth: transport.Auth{
			User:                 e.User.ValueString(),
			PrivateKey:           e.PrivateKey.ValueString(),
			PrivateKeyPassphrase: e.PrivateKeyPassphrase.ValueString(),
			Certificate:          e.Certificate.ValueString(),
			Password:             e.Password.ValueString(),
			Agent:                e.Agent.ValueBool(),
			AgentSocket:          agentSocket,
		},
		HostKeyPolicy: transport.HostKeyPolicy{
			HostKey:               e.HostKey.ValueString(),
			KnownHosts:            e.KnownHosts.ValueString(),
			KnownHostsFile:        e.KnownHostsFile.ValueString(),
			InsecureIgnoreHostKey: e.InsecureIgnoreHostKey.ValueBool(),
		},
	}
}

// inheritEndpoint fills the bastion's unset fields from the target's: one set of credentials
// usually opens both, as with `ssh -J`. A bastion with any credential of its own uses only its own.
func inheritEndpoint(b *transport.Endpoint, t transport.Endpoint) {
	if b.User == "" {
		b.User = t.User
	}
	if b.Port == 0 {
		b.Port = 22
	}
	if b.PrivateKey == "" && b.Password == "" && !b.Agent && b.Certificate == "" {
		b.Auth.PrivateKey = t.PrivateKey
		b.Auth.PrivateKeyPassphrase = t.PrivateKeyPassphrase
		b.Auth.Certificate = t.Certificate
		b.Auth.Password = t.Password
		b.Auth.Agent = t.Agent
		b.Auth.AgentSocket = t.AgentSocket
	}
	if b.HostKey == "" && b.KnownHosts == "" && b.KnownHostsFile == "" && !b.InsecureIgnoreHostKey {
		b.HostKeyPolicy.KnownHosts = t.KnownHosts
		b.HostKeyPolicy.KnownHostsFile = t.KnownHostsFile
		b.HostKeyPolicy.InsecureIgnoreHostKey = t.InsecureIgnoreHostKey
	}
}

// Resources lists the managed resource types.
func (p *ntopngProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewRedisResource,
		NewInstanceResource,
		NewTLSCertResource,
		NewUserResource,
	}
}

// ListResources lists the list resources (terraform query), one per resource type.
func (p *ntopngProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{NewRedisList, NewInstanceList, NewTLSCertList, NewUserList}
}

// Actions lists the actions (Terraform 1.14 and later).
func (p *ntopngProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{NewCheckCertificateAction}
}

// DataSources lists the data sources.
func (p *ntopngProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewHostDataSource,
		NewAuditDataSource,
	}
}
