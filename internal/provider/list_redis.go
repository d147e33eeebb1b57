package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/list"

	"github.com/hardenops/terraform-provider-ntopng/internal/redishardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

var _ list.ListResourceWithConfigure = (*redisList)(nil)

// NewRedisList is ntopng_redis's list resource: the redis.conf at config_path (default: the
// one the host's distribution and server use, as the resource picks it) on each host.
func NewRedisList() list.ListResource { return &redisList{&redisResource{}} }

// redisList is the resource itself with a config schema and List.
type redisList struct{ *redisResource }

// ListResourceConfigSchema: hosts, ssh_port, config_path.
func (l *redisList) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listConfigSchema("the redis.conf of the Redis ntopng uses (`ntopng_redis`)", redisIdentity, nil)
}

// List finds config_path, or the host's default redis.conf, on each host.
func (l *redisList) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	listFiles(ctx, req, stream, l.data, l.redisResource, redisIdentity, secretsNote{typeName: "ntopng_redis",
		secrets: "`requirepass_wo` (the password Redis is to require; ntopng_instance's `redis_password_wo` must be the same)"},
		func(ctx context.Context, c *transport.Conn) ([]string, error) {
			d, _ := redishardening.Defaults(ctx, c, "")
			return []string{d.ConfigPath}, nil
		})
}
