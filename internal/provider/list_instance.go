package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/list"

	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

var _ list.ListResourceWithConfigure = (*instanceList)(nil)

// NewInstanceList is ntopng_instance's list resource: the ntopng.conf at config_path (default
// ntop's) on each host, as an import of it reads it.
func NewInstanceList() list.ListResource { return &instanceList{&instanceResource{}} }

// instanceList is the resource itself (its Metadata, Configure, ImportState and Read) with a
// config schema and List.
type instanceList struct{ *instanceResource }

// ListResourceConfigSchema: hosts, ssh_port, config_path.
func (l *instanceList) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listConfigSchema("ntopng's configuration file (`ntopng_instance`)", instanceIdentity, nil)
}

// List finds config_path on each host.
func (l *instanceList) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	listFiles(ctx, req, stream, l.data, l.instanceResource, instanceIdentity, secretsNote{typeName: "ntopng_instance",
		secrets: "`redis_password_wo` when the provider is to write ntopng's Redis password (without it, the password " +
			"already in ntopng.conf is kept)"},
		func(context.Context, *transport.Conn) string { return defaultNtopngConf })
}
