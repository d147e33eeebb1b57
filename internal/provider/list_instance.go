package provider

import (
	"context"
	"path"

	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"

	"github.com/hardenops/terraform-provider-ntopng/internal/ntopnghardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

var _ list.ListResourceWithConfigure = (*instanceList)(nil)

// NewInstanceList is ntopng_instance's list resource: the ntopng.conf at config_path (default
// ntop's, and its per-interface files) on each host, as an import of it reads it.
func NewInstanceList() list.ListResource { return &instanceList{&instanceResource{}} }

// instanceList is the resource itself (its Metadata, Configure, ImportState and Read) with a
// config schema and List.
type instanceList struct{ *instanceResource }

// ListResourceConfigSchema: hosts, ssh_port, config_path.
func (l *instanceList) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listConfigSchema("ntopng's configuration files (`ntopng_instance`)", instanceIdentity, map[string]schema.Attribute{
		"config_path": schema.StringAttribute{Optional: true, MarkdownDescription: "ntopng's configuration file, `config_path`. " +
			"Default: ntop's `" + defaultNtopngConf + "` and its per-interface files `" + path.Dir(defaultNtopngConf) +
			"/ntopng-IFACE.conf` (each read by `ntopng@IFACE.service`), those that exist."},
	})
}

// List finds config_path, or ntop's files, on each host.
func (l *instanceList) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	listFiles(ctx, req, stream, l.data, l.instanceResource, instanceIdentity, secretsNote{typeName: "ntopng_instance",
		secrets: "`redis_password_wo` when the provider is to write ntopng's Redis password (without it, the password " +
			"already in ntopng.conf is kept)"},
		instanceFiles)
}

// instanceFiles are ntop's ntopng.conf and its per-interface files ntopng-IFACE.conf beside it
// (each read by its ntopng@IFACE.service), in one listing of the folder.
func instanceFiles(ctx context.Context, c *transport.Conn) ([]string, error) {
	matches, err := c.Glob(ctx, path.Join(path.Dir(defaultNtopngConf), "ntopng-*.conf"))
	if err != nil {
		return nil, err
	}
	files := []string{defaultNtopngConf}
	for _, m := range matches {
		if ntopnghardening.DefaultService(m) != ntopnghardening.DefaultServiceName {
			files = append(files, m)
		}
	}
	return files, nil
}
