package hostchange

import (
	"context"
	"fmt"
	"strings"

	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// EnsureRootDir creates dir, root's and mode 0755, when nothing is there, before a change
// writes a file into it (a drop-in folder that ntop's package or systemd did not make). An
// existing folder, or a link or file in its place, is left as it is: the write into it then
// goes through transport's link guard, which names what it refuses. A folder left empty by a
// rollback changes nothing.
func EnsureRootDir(ctx context.Context, c *transport.Conn, dir string) error {
	if fi, err := c.Lstat(ctx, dir); err != nil || fi.Exists {
		return err
	}
	res, err := c.Run(ctx, []string{"install", "-d", "-o", "root", "-g", "root", "-m", "0755", "--", dir}, nil)
	if err == nil && res.ExitCode != 0 {
		err = fmt.Errorf("exit %d: %s", res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	if err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	return nil
}
