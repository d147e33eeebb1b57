package provider

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// ntopngFiles is ntopng's configuration as its service reads it: the main file, then the
// ntopng.conf.d/*.conf drop-ins beside it.
type ntopngFiles struct {
	main    transport.File
	dropIns []transport.File
	eff     ntopngconf.Effective
}

// readNtopngConf reads the main file and the drop-ins over the shared SFTP channel.
func readNtopngConf(ctx context.Context, c *transport.Conn, confPath string) (*ntopngFiles, error) {
	dropIns, err := c.Glob(ctx, path.Join(path.Dir(confPath), "ntopng.conf.d", "*.conf"))
	if err != nil {
		return nil, fmt.Errorf("listing the drop-ins beside %s: %w", confPath, err)
	}
	files, err := c.ReadFiles(ctx, append([]string{confPath}, dropIns...))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", confPath, err)
	}
	nf := &ntopngFiles{main: files[0], dropIns: files[1:]}
	all := []ntopngconf.File{{Name: confPath, Text: string(nf.main.Data)}}
	for _, f := range nf.dropIns {
		all = append(all, ntopngconf.File{Name: f.Path, Text: string(f.Data)})
	}
	nf.eff = ntopngconf.Evaluate(all...)
	return nf, nil
}

// redisTarget is the Redis that ntopng uses, password included (read on the host, never kept).
func redisTarget(eff ntopngconf.Effective) livecheck.RedisTarget {
	t := livecheck.RedisTarget{Network: "tcp", Addr: eff.RedisHost + ":" + strconv.Itoa(eff.RedisPort), DB: eff.RedisDB}
	if strings.HasPrefix(eff.RedisHost, "/") {
		t.Network, t.Addr = "unix", eff.RedisHost
	}
	if eff.RedisPassword != nil {
		t.Password = *eff.RedisPassword
	}
	return t
}

// ntopngRedis reads confPath (and its drop-ins) and returns the Redis ntopng uses.
func ntopngRedis(ctx context.Context, c *transport.Conn, confPath string) (livecheck.RedisTarget, error) {
	nf, err := readNtopngConf(ctx, c, confPath)
	if err != nil {
		return livecheck.RedisTarget{}, err
	}
	return redisTarget(nf.eff), nil
}
