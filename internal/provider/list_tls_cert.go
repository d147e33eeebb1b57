package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/list"

	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

var _ list.ListResourceWithConfigure = (*tlsCertList)(nil)

// NewTLSCertList is ntopng_tls_cert's list resource: the certificate file at path (default
// ntop's) on each host, as an import of it reads it.
func NewTLSCertList() list.ListResource { return &tlsCertList{&tlsCertResource{}} }

// tlsCertList is the resource itself with a config schema and List.
type tlsCertList struct{ *tlsCertResource }

// ListResourceConfigSchema: hosts, ssh_port, path.
func (l *tlsCertList) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listConfigSchema("ntopng's HTTPS certificate file (`ntopng_tls_cert`)", tlsCertIdentity, nil)
}

// List finds path on each host.
func (l *tlsCertList) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	listFiles(ctx, req, stream, l.data, l.tlsCertResource, tlsCertIdentity, secretsNote{typeName: "ntopng_tls_cert",
		secrets: "`private_key_pem_wo`, the key of the certificate read from the file (or a new certificate and its key)"},
		func(context.Context, *transport.Conn) ([]string, error) { return []string{defaultCertPath}, nil })
}
