package provider

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/certhardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/tfmodel"
	"github.com/hardenops/terraform-provider-ntopng/internal/validators"
)

var _ action.ActionWithConfigure = (*checkCertificateAction)(nil)

var pathMinDays = path.Root("min_days_remaining")

// NewCheckCertificateAction is ntopng_check_certificate (Terraform 1.14 and later): the day-2
// check after a certificate renewal done outside Terraform (certbot, an ACME client, a copy by
// hand), that ntopng serves the certificate now in its file, and for how long it is valid.
// The same reads as ntopng_tls_cert's verify_endpoint (certhardening.Read, Verifier).
func NewCheckCertificateAction() action.Action { return &checkCertificateAction{} }

type checkCertificateAction struct {
	data *providerData
}

type checkCertificateModel struct {
	Host             types.String `tfsdk:"host"`
	SSHPort          types.Int64  `tfsdk:"ssh_port"`
	Endpoint         types.String `tfsdk:"endpoint"`
	Path             types.String `tfsdk:"path"`
	Timeout          types.String `tfsdk:"timeout"`
	MinDaysRemaining types.Int64  `tfsdk:"min_days_remaining"`
}

// Metadata names the action.
func (a *checkCertificateAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_check_certificate"
}

// Schema: where the certificate file is and where ntopng serves it.
func (a *checkCertificateAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Checks, through SSH, that ntopng serves the certificate in its file: run it after a renewal made " +
			"outside Terraform (`terraform apply -invoke=action.ntopng_check_certificate.NAME`), or from a resource's " +
			"`lifecycle { action_trigger { ... } }`. It reads the file's leaf certificate, then waits up to `timeout` " +
			"until `endpoint` serves that certificate (a TLS handshake through the SSH connection, as `verify_endpoint` " +
			"of `ntopng_tls_cert` does), and fails naming both fingerprints when it does not: restart ntopng to load the " +
			"new file. It also fails when the certificate has fewer than `min_days_remaining` days left. Nothing is " +
			"written on the host. Terraform 1.14 or later.",
		Attributes: map[string]schema.Attribute{
			"host": schema.StringAttribute{MarkdownDescription: "Address or name of the host, as the resources' `host`.",
				Required: true, Validators: hostValidators},
			"ssh_port": schema.Int64Attribute{MarkdownDescription: "SSH port, overriding the provider's `ssh.port`.",
				Optional: true, Validators: []validator.Int64{int64validator.Between(1, 65535)}},
			"endpoint": schema.StringAttribute{MarkdownDescription: "`HOST:PORT` of ntopng's HTTPS server as reached from " +
				"the host, e.g. `127.0.0.1:443` (`ntopng_instance.https_listen`).", Required: true,
				Validators: []validator.String{validators.Func("Invalid Endpoint", "HOST:PORT", func(s string) error {
					if p := (certhardening.Settings{VerifyEndpoint: &s}).Check(); len(p) > 0 {
						return fmt.Errorf("%s", p[0].Detail)
					}
					return nil
				})}},
			"path": schema.StringAttribute{MarkdownDescription: "The certificate file ntopng serves. Default `" + defaultCertPath + "`.",
				Optional: true, Validators: []validator.String{validators.AbsolutePath()}},
			"timeout": schema.StringAttribute{MarkdownDescription: "How long to wait for `endpoint` to serve the file's " +
				"certificate, as a Go duration. Default `" + certhardening.DefaultVerifyTimeout + "`.",
				Optional: true, Validators: []validator.String{validators.Duration()}},
			"min_days_remaining": schema.Int64Attribute{MarkdownDescription: fmt.Sprintf("Fail when the served certificate "+
				"expires in fewer days than this. Default `%d`; `0` turns it off.", certhardening.DefaultMinDaysLeft),
				Optional: true, Validators: []validator.Int64{int64validator.AtLeast(0)}},
		},
	}
}

// Configure takes the provider's connection pool.
func (a *checkCertificateAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	data, diags := configureData(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	a.data = data
}

// Invoke reads the file, then waits until the endpoint serves its leaf.
func (a *checkCertificateAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m checkCertificateModel
	if resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &m)...); resp.Diagnostics.HasError() || a.data == nil {
		return
	}
	host, endpoint, p := m.Host.ValueString(), m.Endpoint.ValueString(), m.Path.ValueString()
	if p == "" {
		p = defaultCertPath
	}
	progress := func(format string, args ...any) {
		if resp.SendProgress != nil {
			resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf(format, args...)})
		}
	}
	c, err := a.data.conn(ctx, host, m.SSHPort)
	if err != nil {
		resp.Diagnostics.AddAttributeError(pathHost, "Cannot Connect to Host", err.Error())
		return
	}
	o, found, _, err := certhardening.Read(ctx, c, p, "", 0) // no endpoint: nothing to wait for
	switch {
	case err != nil:
		resp.Diagnostics.AddError("Cannot Read the Certificate File", fmt.Sprintf("Reading %s on %s failed: %v", p, host, err))
		return
	case !found || o.LeafFingerprint == "" || o.Certificates == nil:
		resp.Diagnostics.AddError("No Certificate in the File", fmt.Sprintf("%s on %s holds no certificate: there is nothing "+
			"to check. Check path, or push the certificate with ntopng_tls_cert.", p, host))
		return
	}
	want := o.LeafFingerprint
	progress("%s on %s holds certificate %s; waiting for %s to serve it", p, host, want, endpoint)
	timeout := certhardening.VerifyTimeout(m.Timeout.ValueString())
	v := certhardening.NewVerifier(c, endpoint, want, timeout)
	v.Before(ctx)
	if err := v.Verify(ctx); err != nil || v.Warning() != "" {
		why := v.Warning()
		if err != nil {
			why = err.Error()
		}
		resp.Diagnostics.AddError("ntopng Does Not Serve the Certificate in Its File", fmt.Sprintf("On %s, %s holds "+
			"certificate %s, but %s. Restart ntopng so that it loads the file (ntopng_tls_cert's restart_command, e.g. "+
			"systemctl restart ntopng), then check again.", host, p, want, why))
		return
	}
	leaf := o.Certificates.Bundle.Leaf
	days := int64(math.Floor(time.Until(leaf.NotAfter).Hours() / 24))
	minDays := int64(certhardening.DefaultMinDaysLeft)
	if !m.MinDaysRemaining.IsNull() {
		minDays = m.MinDaysRemaining.ValueInt64()
	}
	if days < minDays {
		resp.Diagnostics.AddAttributeError(pathMinDays, "Served Certificate Expires Soon", fmt.Sprintf("%s serves %s "+
			"(subject %q), which expires on %s, in %d days: fewer than min_days_remaining = %d. Renew it.",
			endpoint, want, leaf.Subject.String(), leaf.NotAfter.UTC().Format(time.RFC3339), days, minDays))
		return
	}
	progress("%s serves %s, the certificate in %s, valid until %s (%d days)", endpoint, want, p,
		leaf.NotAfter.UTC().Format(time.RFC3339), days)
}
