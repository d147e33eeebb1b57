package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	fwpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/hardenops/terraform-provider-ntopng/internal/certhardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/pembundle"
	"github.com/hardenops/terraform-provider-ntopng/internal/tfmodel"
	"github.com/hardenops/terraform-provider-ntopng/internal/validators"
)

var (
	_ resource.ResourceWithConfigure        = (*tlsCertResource)(nil)
	_ resource.ResourceWithImportState      = (*tlsCertResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*tlsCertResource)(nil)
	_ resource.ResourceWithValidateConfig   = (*tlsCertResource)(nil)
	_ resource.ResourceWithConfigValidators = (*tlsCertResource)(nil)
)

// tlsCertOnDestroyValues lists the allowed on_destroy values, for the validator and the docs.
var tlsCertOnDestroyValues = hostchange.OnDestroyValues(hostchange.OnDestroyKeep, hostchange.OnDestroyRemove)

var certKey = secretInput{writeOnly: "private_key_pem_wo", version: "private_key_pem_wo_version", sensitive: "private_key_pem"}

// NewTLSCertResource is the ntopng_tls_cert resource: ntopng's HTTPS certificate file, and
// optionally a check of the certificate the web server really serves. The rules of the file
// live in internal/certhardening; this file is its Terraform adapter.
func NewTLSCertResource() resource.Resource { return &tlsCertResource{} }

type tlsCertResource struct {
	data *providerData
}

type tlsCertModel struct {
	ID                               types.String `tfsdk:"id"`
	Host                             types.String `tfsdk:"host"`
	SSHPort                          types.Int64  `tfsdk:"ssh_port"`
	CertificatePEM                   types.String `tfsdk:"certificate_pem"`
	CAChainPEM                       types.String `tfsdk:"ca_chain_pem"`
	PrivateKeyPEMWO                  types.String `tfsdk:"private_key_pem_wo"`
	PrivateKeyPEMWOVersion           types.Int64  `tfsdk:"private_key_pem_wo_version"`
	PrivateKeyPEM                    types.String `tfsdk:"private_key_pem"`
	Path                             types.String `tfsdk:"path"`
	Owner                            types.String `tfsdk:"owner"`
	Group                            types.String `tfsdk:"group"`
	Mode                             types.String `tfsdk:"mode"`
	RestartCommand                   types.String `tfsdk:"restart_command"`
	VerifyEndpoint                   types.String `tfsdk:"verify_endpoint"`
	VerifyTimeout                    types.String `tfsdk:"verify_timeout"`
	MinDaysRemaining                 types.Int64  `tfsdk:"min_days_remaining"`
	OnDestroy                        types.String `tfsdk:"on_destroy"`
	FingerprintSHA256                types.String `tfsdk:"fingerprint_sha256"`
	NotAfter                         types.String `tfsdk:"not_after"`
	Subject                          types.String `tfsdk:"subject"`
	DNSNames                         types.List   `tfsdk:"dns_names"`
	IPAddresses                      types.List   `tfsdk:"ip_addresses"`
	PublicKeyFingerprintSHA256       types.String `tfsdk:"public_key_fingerprint_sha256"`
	RemoteFingerprintSHA256          types.String `tfsdk:"remote_fingerprint_sha256"`
	RemoteKeyPublicFingerprintSHA256 types.String `tfsdk:"remote_key_public_fingerprint_sha256"`
	RemoteChainFingerprintsSHA256    types.List   `tfsdk:"remote_chain_fingerprints_sha256"`
	ServedFingerprintSHA256          types.String `tfsdk:"served_fingerprint_sha256"`
}

// Metadata names the resource.
func (r *tlsCertResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_tls_cert"
}

// Schema describes the certificate file and its read-back facts.
func (r *tlsCertResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	computedList := func(desc string) schema.ListAttribute {
		return schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "ntopng's HTTPS certificate: one PEM file holding the unencrypted private key, the leaf " +
			"certificate and the intermediates, written atomically with owner and mode, followed by a restart of " +
			"ntopng and, with `verify_endpoint`, a check that the new certificate is really served. The private key " +
			"never reaches the state when given through `private_key_pem_wo`.",
		Attributes: map[string]schema.Attribute{
			"id":       idAttribute("host:path"),
			"host":     hostAttribute(),
			"ssh_port": sshPortAttribute(),
			"certificate_pem": schema.StringAttribute{
				MarkdownDescription: "The server (leaf) certificate in PEM form, only that one certificate. Checked at plan " +
					"time: it must parse, not be expired, carry an RSA key of 2048 bits or more or an ECDSA P-256/P-384 key; " +
					"a warning when it has no Subject Alternative Name or fewer than `min_days_remaining` days left. " +
					"A change rewrites the file and restarts ntopng. Read back for drift through `remote_fingerprint_sha256`.",
				Required: true,
			},
			"ca_chain_pem": schema.StringAttribute{
				MarkdownDescription: "The intermediate certificates in PEM form, the leaf's issuer first; each must sign the " +
					"one before it. Default: none. A change rewrites the file and restarts ntopng. Read back for drift " +
					"through `remote_chain_fingerprints_sha256`.",
				Optional: true,
			},
			"private_key_pem_wo": schema.StringAttribute{
				MarkdownDescription: "The unencrypted private key of the certificate (PEM), write-only: Terraform never " +
					"stores it in the state or the plan (Terraform 1.11 or later). Exactly one of `private_key_pem_wo` and " +
					"`private_key_pem` must be set. It must match `certificate_pem`; an encrypted key is refused (ntopng " +
					"cannot ask for a passphrase). Drift is read back without the key: `remote_key_public_fingerprint_sha256` " +
					"is the public key of the key in the file.",
				Optional:  true,
				Sensitive: true,
				WriteOnly: true,
			},
			"private_key_pem_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Optional counter for `private_key_pem_wo`: changing it rewrites the file from the " +
					"configuration. Not needed to rotate: a new key comes with a new certificate, which is a change by itself. " +
					"Only with `private_key_pem_wo`.",
				Optional: true,
			},
			"private_key_pem": schema.StringAttribute{
				MarkdownDescription: "The unencrypted private key (PEM) as a sensitive attribute: simpler with Terraform " +
					"before 1.11, but **kept in the state** (in clear text in the state file). Prefer `private_key_pem_wo`. " +
					"Same checks as `private_key_pem_wo`.",
				Optional:  true,
				Sensitive: true,
			},
			"path": schema.StringAttribute{
				MarkdownDescription: "Where ntopng reads the certificate: `<httpdocs>/ssl/ntopng-cert.pem`. Default `" +
					defaultCertPath + "` (ntop packages). The directory must exist. Changing it replaces the resource " +
					"(the old file is handled as `on_destroy` says).",
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(defaultCertPath),
				Validators: []validator.String{stringvalidator.RegexMatches(regexp.MustCompile(`^/`),
					"must be an absolute path")},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"owner": schema.StringAttribute{
				MarkdownDescription: "Owner of the file, a user name on the host (or a numeric uid). Default `root`. A change rewrites the file " +
					"and restarts ntopng. Read back for drift.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(certhardening.DefaultOwner),
				Validators: []validator.String{stringvalidator.RegexMatches(ownerRE, "must be a user name (like \"root\") or a numeric uid")},
			},
			"group": schema.StringAttribute{
				MarkdownDescription: "Group of the file, a group name on the host (or a numeric gid). Default `ntop` (created by the ntop " +
					"packages). A change rewrites the file and restarts ntopng. Read back for drift.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(certhardening.DefaultGroup),
				Validators: []validator.String{stringvalidator.RegexMatches(ownerRE, "must be a group name (like \"ntop\") or a numeric gid")},
			},
			"mode": schema.StringAttribute{
				MarkdownDescription: "Permissions of the file, four octal digits. Default `0640`. Modes that let other " +
					"users read the file (it holds the private key) are refused. A change rewrites the file and restarts " +
					"ntopng. Read back for drift.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(certhardening.DefaultMode),
				Validators: []validator.String{stringvalidator.RegexMatches(certhardening.ModeRE, "must be four octal digits, like \"0640\"")},
			},
			"restart_command": schema.StringAttribute{
				MarkdownDescription: "Shell command run on the host after the file changed (and only then), so that ntopng " +
					"loads it. Default `" + certhardening.DefaultRestart + "`. `\"\"` runs nothing. If it fails, the previous file is " +
					"put back and the command runs again.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(certhardening.DefaultRestart),
				Validators: []validator.String{noNUL},
			},
			"verify_endpoint": schema.StringAttribute{
				MarkdownDescription: "`HOST:PORT` of ntopng's HTTPS server, as reached from the host (e.g. `127.0.0.1:443`). " +
					"When set, a TLS handshake through the SSH connection (nothing is installed on the host) reads the " +
					"served certificate: on every refresh (`served_fingerprint_sha256`; serving another certificate is drift " +
					"that an apply fixes by restarting ntopng) and after each restart, waiting up to `verify_timeout` for " +
					"the new certificate. A server still serving another certificate then fails the apply and the previous " +
					"file is restored; when nothing listens there (HTTPS not enabled yet) the apply warns and goes on. " +
					"Default: no live check.",
				Optional: true,
			},
			"verify_timeout": schema.StringAttribute{
				MarkdownDescription: "How long to wait after a restart for `verify_endpoint` to serve the new certificate, " +
					"as a Go duration. It bounds every talk to the endpoint as a whole, each handshake included: the check " +
					"before the change, the wait after it, and the read on refresh (an endpoint that accepts and never " +
					"answers holds an apply no longer than this, twice: before and after the restart). Default `" + certhardening.DefaultVerifyTimeout + "`.",
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(certhardening.DefaultVerifyTimeout),
			},
			"min_days_remaining": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("A plan warning is shown when the certificate or an intermediate "+
					"expires in fewer days than this. Default `%d`; `0` turns the warning off. Changes nothing on the host.",
					certhardening.DefaultMinDaysLeft),
				Optional:   true,
				Computed:   true,
				Default:    int64default.StaticInt64(certhardening.DefaultMinDaysLeft),
				Validators: []validator.Int64{int64validator.AtLeast(0)},
			},
			"on_destroy": schema.StringAttribute{
				MarkdownDescription: "What destroying the resource does with the file: `" + strings.Join(tlsCertOnDestroyValues, "` or `") +
					"`. Default `keep` (ntopng keeps serving HTTPS). `remove` deletes the file; ntopng is not restarted and " +
					"disables HTTPS at its next start.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(string(hostchange.OnDestroyKeep)),
				Validators: []validator.String{stringvalidator.OneOf(tlsCertOnDestroyValues...)},
			},
			"fingerprint_sha256":            computed("SHA-256 of the leaf certificate's DER, lowercase hex, from `certificate_pem`."),
			"not_after":                     computed("End of the leaf certificate's validity, RFC 3339 in UTC."),
			"subject":                       computed("Subject of the leaf certificate (RFC 2253)."),
			"dns_names":                     computedList("DNS names of the leaf certificate's Subject Alternative Name."),
			"ip_addresses":                  computedList("IP addresses of the leaf certificate's Subject Alternative Name."),
			"public_key_fingerprint_sha256": computed("SHA-256 of the leaf certificate's public key (SubjectPublicKeyInfo DER), lowercase hex."),
			"remote_fingerprint_sha256": computed("Read back: SHA-256 of the first certificate in the file on the host " +
				"(null when it has none). Differs from `fingerprint_sha256` when the file was changed outside Terraform."),
			"remote_key_public_fingerprint_sha256": computed("Read back: SHA-256 of the public half of the private key in " +
				"the file on the host (null when it has no readable unencrypted key). It must equal " +
				"`public_key_fingerprint_sha256`; the key itself is never read into the state."),
			"remote_chain_fingerprints_sha256": computedList("Read back: SHA-256 of each further certificate in the file " +
				"on the host, in file order."),
			"served_fingerprint_sha256": computed("Read back with `verify_endpoint`: SHA-256 of the leaf certificate the " +
				"server presents; another value than `fingerprint_sha256` is drift that an apply fixes by restarting ntopng. " +
				"Empty when something listens but the TLS handshake fails. When nothing listens there (HTTPS not enabled " +
				"yet, ntopng stopped) it is `fingerprint_sha256`, the certificate ntopng loads when it starts serving, and " +
				"every plan warns; so ntopng_instance turning HTTPS on after this resource is not reported as a change " +
				"outside Terraform. Null when `verify_endpoint` is unset."),
		},
	}
}

// ConfigValidators asks for exactly one of the two ways to give the key.
func (r *tlsCertResource) ConfigValidators(_ context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		validators.ExactlyOneOf("give the key in `"+certKey.writeOnly+"` (write-only, Terraform 1.11 and later) or in `"+
			certKey.sensitive+"` (kept in the state)", certKey.writeOnly, certKey.sensitive),
		validators.AtMostOneOf("`private_key_pem_wo_version` counts the versions of `private_key_pem_wo`: remove it "+
			"when the key is given in `private_key_pem`", "private_key_pem_wo_version", certKey.sensitive),
	}
}

// Configure takes the provider's connection pool.
func (r *tlsCertResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	data, diags := configureData(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = data
}

// ValidateConfig checks the certificate, chain and key as far as they are known, and the
// settings that need no host. Problems found by pembundle point at the attribute at fault.
func (r *tlsCertResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m tlsCertModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	settings := certhardening.Settings{Path: knownString(m.Path), Mode: knownString(m.Mode),
		VerifyEndpoint: knownString(m.VerifyEndpoint), VerifyTimeout: knownString(m.VerifyTimeout)}
	resp.Diagnostics.Append(problemDiags(settings.Check(), pembundle.FieldKey)...)
	if m.CertificatePEM.IsUnknown() || m.CAChainPEM.IsUnknown() || m.MinDaysRemaining.IsUnknown() {
		return
	}
	key, set, known, diags := certKey.value(ctx, req.Config)
	resp.Diagnostics.Append(diags...)
	if !set || !known {
		key = ""
	}
	minDays := certhardening.DefaultMinDaysLeft
	if !m.MinDaysRemaining.IsNull() {
		minDays = int(m.MinDaysRemaining.ValueInt64())
	}
	_, problems := pembundle.Check(m.CertificatePEM.ValueString(), m.CAChainPEM.ValueString(), key, time.Now(), minDays)
	resp.Diagnostics.Append(problemDiags(problems, certKeyAttr(ctx, req.Config))...)
}

// ModifyPlan fills the certificate facts the plan promises, checks owner and group on the
// host, and shows drift: a file whose leaf, key or chain differ from the configuration, or a
// server serving another certificate, plans an update.
func (r *tlsCertResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		resp.Diagnostics.Append(warnDestroy(ctx, "ntopng_tls_cert", "path", req.State)...)
		return
	}
	plan, prior, diags := planModels[tlsCertModel](ctx, req)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	if !plan.Host.IsUnknown() && !plan.Path.IsUnknown() {
		plan.ID = types.StringValue(hostID(plan.Host.ValueString(), plan.SSHPort, plan.Path.ValueString()))
	}
	if ep := plan.VerifyEndpoint; r.data != nil && !plan.Host.IsUnknown() && !ep.IsUnknown() && !ep.IsNull() {
		if w := r.data.endpoints.noteVerifyEndpoint(plan.Host.ValueString(), ep.ValueString()); w != "" {
			resp.Diagnostics.AddAttributeWarning(fwpath.Root("verify_endpoint"), "verify_endpoint Matches No https_listen", w)
		}
	}

	plan.unknownFacts()
	if !plan.CertificatePEM.IsUnknown() && !plan.CAChainPEM.IsUnknown() {
		if b, _ := pembundle.Check(plan.CertificatePEM.ValueString(), plan.CAChainPEM.ValueString(), "", time.Now(), 0); b != nil {
			plan.setFacts(b) // the file must hold exactly this leaf, its key and this chain
		}
	}
	plan.ServedFingerprintSHA256 = plannedServed(&plan, prior)

	// Read has just resolved owner and group from the file on the host: when none of what
	// the host check looks at changes, the host already holds it and is not asked again.
	if prior == nil || !plan.Host.Equal(prior.Host) || !plan.SSHPort.Equal(prior.SSHPort) || !plan.Path.Equal(prior.Path) ||
		!plan.Owner.Equal(prior.Owner) || !plan.Group.Equal(prior.Group) {
		resp.Diagnostics.Append(r.checkHostAtPlan(ctx, &plan)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.Plan, &plan)...)
}

// Create writes the file, restarts ntopng and checks what it serves.
func (r *tlsCertResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	resp.Diagnostics.Append(r.write(ctx, req.Config, req.Plan, resp.Private, &resp.State, resp.Identity)...)
}

// Read reads the file and the ids of the host in one SFTP round trip, then the served
// certificate when verify_endpoint is set.
func (r *tlsCertResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer func() { resp.Diagnostics.Append(tlsCertIdentity.set(ctx, resp.Identity, resp.State, req.State)...) }()
	var m tlsCertModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c, err := r.conn(ctx, &m)
	if err != nil {
		resp.Diagnostics.AddAttributeError(pathHost, "Cannot Connect to Host", err.Error())
		return
	}
	if resp.Diagnostics.Append(recoverInterrupted(ctx, c, m.Path.ValueString(), m.RestartCommand.ValueString())...); resp.Diagnostics.HasError() {
		return
	}
	p := m.Path.ValueString()
	o, found, served, err := certhardening.Read(ctx, c, p, m.VerifyEndpoint.ValueString(), certhardening.VerifyTimeout(m.VerifyTimeout.ValueString()))
	if err != nil {
		resp.Diagnostics.AddAttributeError(fwpath.Root("path"), "Cannot Read the Certificate File",
			fmt.Sprintf("Reading %s, /etc/passwd and /etc/group on %s failed: %v", p, m.Host.ValueString(), err))
		return
	}
	_, imported, d := readAfterImport(ctx, req, resp) // the import's own Read
	resp.Diagnostics.Append(d...)
	if !found {
		if imported {
			resp.Diagnostics.AddAttributeError(fwpath.Root("path"), "Nothing to Import",
				fmt.Sprintf("%s does not exist on %s. Create the resource instead of importing it.", p, m.Host.ValueString()))
			return
		}
		tflog.Debug(ctx, "certificate file is gone; the resource will be created again", map[string]any{"path": p})
		resp.State.RemoveResource(ctx)
		return
	}
	m.Owner, m.Group, m.Mode = types.StringValue(o.Owner), types.StringValue(o.Group), types.StringValue(o.Mode)
	m.RemoteFingerprintSHA256 = nullableString(o.LeafFingerprint)
	m.RemoteKeyPublicFingerprintSHA256 = nullableString(o.KeyPublicFingerprint)
	m.RemoteChainFingerprintsSHA256 = stringList(o.ChainFingerprints)
	if o.NotPEM != nil {
		resp.Diagnostics.AddAttributeWarning(fwpath.Root("path"), "Certificate File Is Not a PEM Bundle",
			fmt.Sprintf("%s on %s: %v", p, m.Host.ValueString(), o.NotPEM))
	}
	if imported { // the certificate comes from the file
		m.importCertificates(o.Certificates)
	}
	m.ServedFingerprintSHA256 = types.StringNull()
	if served != nil {
		resp.Diagnostics.Append(m.readServed(*served)...)
	}
	resp.Diagnostics.Append(setState(ctx, &resp.State, nil, tlsCertIdentity, &m)...)
}

// Update rewrites the file when it differs, restarts ntopng when the file changed or when
// it serves another certificate, and checks what it serves.
func (r *tlsCertResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.Diagnostics.Append(r.write(ctx, req.Config, req.Plan, resp.Private, &resp.State, resp.Identity)...)
}

// Delete leaves the file unless on_destroy = "remove".
func (r *tlsCertResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var m tlsCertModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &m)...)
	if resp.Diagnostics.HasError() || hostchange.OnDestroy(m.OnDestroy.ValueString()) != hostchange.OnDestroyRemove {
		return
	}
	c, err := r.conn(ctx, &m)
	if err != nil {
		resp.Diagnostics.AddAttributeError(pathHost, "Cannot Connect to Host", err.Error())
		return
	}
	if err := c.Remove(ctx, m.Path.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(fwpath.Root("path"), "Cannot Remove the Certificate File",
			fmt.Sprintf("on_destroy = \"remove\", but removing %s on %s failed: %v. Remove it by hand, or set "+
				"on_destroy = \"keep\" and apply before destroying.", m.Path.ValueString(), m.Host.ValueString(), err))
	}
}

// ImportState takes `host:path`, `host:ssh_port:path` or the identity. The certificate and chain are read
// from the file; the key stays out of the state and comes from the configuration.
func (r *tlsCertResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	t, diags := tlsCertIdentity.target(ctx, req)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	resp.Diagnostics.Append(startImport(ctx, resp, tlsCertIdentity, func(m *tlsCertModel) {
		m.ID, m.Host, m.SSHPort = types.StringValue(hostID(t.host, t.sshPort, t.path)), types.StringValue(t.host), t.sshPort
		m.Path = types.StringValue(t.path)
	})...)
}

// plannedServed is what served_fingerprint_sha256 will be after the apply: known only when
// nothing on the host changes and the server already serves the planned certificate (or
// nothing listens); unknown (an update) when the server serves another certificate.
func plannedServed(plan, prior *tlsCertModel) types.String {
	switch {
	case plan.VerifyEndpoint.IsNull():
		return types.StringNull()
	case plan.VerifyEndpoint.IsUnknown() || plan.FingerprintSHA256.IsUnknown() || prior == nil:
		return types.StringUnknown()
	case !prior.VerifyEndpoint.Equal(plan.VerifyEndpoint) || !sameFile(prior, plan):
		return types.StringUnknown()
	case prior.ServedFingerprintSHA256.IsNull() || prior.ServedFingerprintSHA256.Equal(plan.FingerprintSHA256):
		return prior.ServedFingerprintSHA256
	default:
		return types.StringUnknown()
	}
}

// sameFile reports whether the file read back (prior) is already what plan wants.
func sameFile(prior, plan *tlsCertModel) bool {
	return prior.RemoteFingerprintSHA256.Equal(plan.RemoteFingerprintSHA256) &&
		prior.RemoteKeyPublicFingerprintSHA256.Equal(plan.RemoteKeyPublicFingerprintSHA256) &&
		prior.RemoteChainFingerprintsSHA256.Equal(plan.RemoteChainFingerprintsSHA256) &&
		prior.Owner.Equal(plan.Owner) && prior.Group.Equal(plan.Group) && prior.Mode.Equal(plan.Mode) &&
		prior.Path.Equal(plan.Path) && prior.PrivateKeyPEMWOVersion.Equal(plan.PrivateKeyPEMWOVersion)
}
