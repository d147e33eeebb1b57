package provider

import (
	"context"
	"fmt"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostids"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// lookupIDs reads /etc/passwd and /etc/group over the shared SFTP channel.
func lookupIDs(ctx context.Context, c *transport.Conn) (*hostids.IDs, error) {
	files, err := c.ReadFiles(ctx, hostids.Files)
	if err != nil {
		return nil, fmt.Errorf("reading /etc/passwd and /etc/group: %w", err)
	}
	return hostids.Parse(files[0].Data, files[1].Data), nil
}
