package provider

// The translation of ntopng_tls_cert's model to and from internal/certhardening's plain values and problems.

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	fwpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/certhardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/pembundle"
)

// readServed sets served_fingerprint_sha256 from what verify_endpoint serves, and warns when
// it cannot be read.
func (m *tlsCertModel) readServed(s certhardening.Served) diag.Diagnostics {
	var diags diag.Diagnostics
	ep := m.VerifyEndpoint.ValueString()
	switch {
	case s.Err != nil:
		m.ServedFingerprintSHA256 = types.StringValue("")
		diags.AddAttributeWarning(fwpath.Root("verify_endpoint"), "Served Certificate Not Readable",
			fmt.Sprintf("Something listens at %s but the TLS handshake failed, so the certificate ntopng serves is "+
				"unknown; an apply restarts ntopng and checks again. Check that verify_endpoint is ntopng's HTTPS "+
				"address (--https-port). %v", ep, s.Err))
	case s.Listening:
		m.ServedFingerprintSHA256 = types.StringValue(s.Fingerprint)
	default:
		// Nothing listens (HTTPS not on yet, or ntopng down): say so, and keep the value an
		// apply stores in that case, so that ntopng starting to serve this certificate later
		// (ntopng_instance enabling HTTPS after this resource) is no change outside Terraform.
		m.ServedFingerprintSHA256 = m.FingerprintSHA256
		diags.AddAttributeWarning(fwpath.Root("verify_endpoint"), "Nothing Listens at verify_endpoint",
			fmt.Sprintf("Nothing listens at %s on %s, so the certificate ntopng serves was not checked. ntopng serves "+
				"HTTPS only when https_listen is set (ntopng_instance) and it runs; check that verify_endpoint is "+
				"that address.", ep, m.Host.ValueString()))
	}
	return diags
}

// certKeyAttr is the key attribute the configuration uses.
func certKeyAttr(ctx context.Context, cfg tfsdk.Config) string {
	if certKey.usesWriteOnly(ctx, cfg) {
		return certKey.writeOnly
	}
	return certKey.sensitive
}

// problemDiags turns certhardening and pembundle problems into diagnostics on the attribute
// at fault; keyAttr is the key attribute in use, named where pembundle says private_key_pem.
func problemDiags(problems []pembundle.Problem, keyAttr string) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, p := range problems {
		attr := p.Field
		if attr == pembundle.FieldKey {
			attr = keyAttr
		}
		detail := strings.ReplaceAll(p.Detail, pembundle.FieldKey, keyAttr)
		if p.Warning {
			diags.AddAttributeWarning(fwpath.Root(attr), p.Summary, detail)
		} else {
			diags.AddAttributeError(fwpath.Root(attr), p.Summary, detail)
		}
	}
	return diags
}

// knownString is the value of s, nil when it is unknown or null.
func knownString(s types.String) *string {
	if s.IsUnknown() || s.IsNull() {
		return nil
	}
	v := s.ValueString()
	return &v
}

// unknownFacts marks the certificate facts and the file's read-back as known only after apply.
func (m *tlsCertModel) unknownFacts() {
	m.factsTo(types.StringUnknown(), types.ListUnknown(types.StringType))
	m.RemoteChainFingerprintsSHA256 = types.ListUnknown(types.StringType)
}

// nullFacts clears the certificate facts and the file's read-back (an import before the
// file is read).
func (m *tlsCertModel) nullFacts() {
	m.factsTo(types.StringNull(), types.ListNull(types.StringType))
	m.RemoteChainFingerprintsSHA256 = stringList(nil)
}

// factsTo sets the certificate facts and the file's read-back, but its chain, to s (strings)
// and l (lists).
func (m *tlsCertModel) factsTo(s types.String, l types.List) {
	m.FingerprintSHA256, m.NotAfter, m.Subject, m.PublicKeyFingerprintSHA256 = s, s, s, s
	m.DNSNames, m.IPAddresses = l, l
	m.RemoteFingerprintSHA256, m.RemoteKeyPublicFingerprintSHA256 = s, s
}

// setCertFacts sets the certificate facts from b.
func (m *tlsCertModel) setCertFacts(b *pembundle.Bundle) {
	f := pembundle.FactsOf(b.Leaf)
	m.FingerprintSHA256 = types.StringValue(f.FingerprintSHA256)
	m.NotAfter = types.StringValue(f.NotAfter)
	m.Subject = types.StringValue(f.Subject)
	m.DNSNames = stringList(f.DNSNames)
	m.IPAddresses = stringList(f.IPAddresses)
	m.PublicKeyFingerprintSHA256 = types.StringValue(f.PublicKeyFingerprintSHA256)
}

// importCertificates fills certificate_pem, ca_chain_pem and the facts from the file's
// certificates after an import. A file without a parsable leaf leaves them null: the plan
// then shows the configuration's values as changes.
func (m *tlsCertModel) importCertificates(imported *certhardening.Imported) {
	if imported == nil {
		return
	}
	m.CertificatePEM = types.StringValue(imported.CertificatePEM)
	if imported.ChainPEM != "" {
		m.CAChainPEM = types.StringValue(imported.ChainPEM)
	}
	m.setCertFacts(imported.Bundle)
}

// setFacts sets the certificate facts from b, and the read-back the file holds once b is
// written: exactly this leaf, its key and this chain.
func (m *tlsCertModel) setFacts(b *pembundle.Bundle) {
	m.setCertFacts(b)
	m.RemoteFingerprintSHA256 = m.FingerprintSHA256
	m.RemoteKeyPublicFingerprintSHA256 = m.PublicKeyFingerprintSHA256
	m.RemoteChainFingerprintsSHA256 = stringList(certhardening.ChainFingerprints(b))
}
