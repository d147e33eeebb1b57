package redishardening

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/hardenops/terraform-provider-ntopng/internal/distro"
	"github.com/hardenops/terraform-provider-ntopng/internal/redisconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// HostConf is a host's redis.conf as Redis would load it.
type HostConf struct {
	Data []byte
	Info transport.FileInfo
	Cfg  *redisconf.Config // nil when the main file does not exist
}

// ReadConf reads mainPath and its includes over the shared SFTP channel. A non-nil replace
// stands in for the main file's content (the file as apply would write it).
func ReadConf(ctx context.Context, c *transport.Conn, mainPath string, replace []byte) (HostConf, error) {
	var hc HostConf
	data, info, err := c.ReadFile(ctx, mainPath)
	if err != nil {
		return hc, err
	}
	if replace != nil {
		data, info.Exists = replace, true
	}
	hc.Data, hc.Info = data, info
	if !info.Exists {
		return hc, nil
	}
	hc.Cfg, err = redisconf.Load(NewHostFS(ctx, c, map[string][]byte{path.Clean(mainPath): data}), mainPath)
	return hc, err
}

// Password is the password Redis uses on the host ("" when none, or no file).
func (hc HostConf) Password() string {
	if hc.Cfg == nil {
		return ""
	}
	return EffectiveOf(hc.Cfg).Password
}

// HostFS is redisconf.FS over a connection's shared SFTP client (ctx is the one of the
// operation that reads). overlay holds files already read.
type HostFS struct {
	ctx     context.Context
	c       *transport.Conn
	overlay map[string][]byte
}

// NewHostFS reads through c; overlay (may be nil) maps clean paths to contents already read.
func NewHostFS(ctx context.Context, c *transport.Conn, overlay map[string][]byte) HostFS {
	return HostFS{ctx: ctx, c: c, overlay: overlay}
}

// ReadFile reads a host file; a missing file satisfies errors.Is(err, fs.ErrNotExist).
func (h HostFS) ReadFile(p string) ([]byte, error) {
	if d, ok := h.overlay[p]; ok {
		return d, nil
	}
	data, info, err := h.c.ReadFile(h.ctx, p)
	if err != nil {
		return nil, err
	}
	if !info.Exists {
		return nil, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
	}
	return data, nil
}

// Glob lists the host paths matching pattern, sorted.
func (h HostFS) Glob(pattern string) ([]string, error) { return h.c.Glob(h.ctx, pattern) }

// Effective is what Redis uses, after includes and the last-wins rule.
type Effective struct {
	// Port is the TCP port; nil when the port line is not a number.
	Port       *int64
	Bind       []string
	Unixsocket string // "": no socket
	SocketPerm string // octal, as written ("0" when unset)
	// ProtectedMode is nil when the protected-mode line is neither yes nor no.
	ProtectedMode *bool
	Password      string // "": none
	// Enable holds the enable-* directives (EnableDirectiveNames), lower-cased; a directive
	// the file does not set has Redis 7's default "no" (a Redis before 7.0 has no such
	// directive, and a file that sets one does not start).
	Enable map[string]string
}

// EffectiveOf reads cfg as Redis does; a directive cfg lacks has Redis's own default.
func EffectiveOf(cfg *redisconf.Config) Effective {
	port, protected := int64(6379), true
	e := Effective{Port: &port, Bind: DefaultBind, SocketPerm: "0", ProtectedMode: &protected}
	if d, ok := cfg.Last("port"); ok {
		e.Port = nil
		if len(d.Args) == 1 {
			if n, err := strconv.ParseInt(d.Args[0], 10, 64); err == nil {
				e.Port = &n
			}
		}
	}
	if d, ok := cfg.Last("bind"); ok {
		e.Bind = d.Args
	}
	e.Unixsocket = lastArg(cfg, "unixsocket", "")
	e.SocketPerm = lastArg(cfg, "unixsocketperm", "0")
	e.Password = lastArg(cfg, "requirepass", "")
	e.Enable = map[string]string{}
	for _, name := range EnableDirectiveNames {
		e.Enable[name] = strings.ToLower(lastArg(cfg, name, EnableNo))
	}
	if v, ok := cfg.Last("protected-mode"); ok {
		e.ProtectedMode = nil
		if len(v.Args) == 1 {
			switch strings.ToLower(v.Args[0]) {
			case "yes":
				e.ProtectedMode = &protected
			case "no":
				off := false
				e.ProtectedMode = &off
			}
		}
	}
	return e
}

// PortValue is Port, 0 when it is not a number.
func (e Effective) PortValue() int64 {
	if e.Port == nil {
		return 0
	}
	return *e.Port
}

// Target is where the running server is asked, with the password Redis uses.
func (e Effective) Target() Target {
	network, addr := probeAddr(e.Unixsocket, e.PortValue())
	return Target{Network: network, Addr: addr, Password: e.Password, Port: e.PortValue()}
}

// lastArg is the first argument of the last name directive, or def.
func lastArg(cfg *redisconf.Config, name, def string) string {
	d, ok := cfg.Last(name)
	if !ok || len(d.Args) == 0 {
		return def
	}
	return d.Args[0]
}

// PasswordInEffect is the requirepass Redis really uses: "" when there is none, or when a
// conflict (aclfile, `user default`) makes Redis ignore it.
func PasswordInEffect(cfg *redisconf.Config) string {
	if len(cfg.Conflicts()) != 0 {
		return ""
	}
	return EffectiveOf(cfg).Password
}

// AllRenames are every rename-command line of cfg (command -> new name), a later line for the
// same command (in any case) replacing an earlier one: what an import adopts.
func AllRenames(cfg *redisconf.Config) map[string]string {
	renames := map[string]string{}
	for _, d := range cfg.All("rename-command") {
		if len(d.Args) == 2 {
			for k := range renames {
				if strings.EqualFold(k, d.Args[0]) {
					delete(renames, k)
				}
			}
			renames[d.Args[0]] = d.Args[1]
		}
	}
	return renames
}

// ManagedRenames are the rename-command lines of cfg for the commands names (any case),
// keyed as in names; a command cfg does not rename is left out.
func ManagedRenames(cfg *redisconf.Config, names []string) map[string]string {
	renames := map[string]string{}
	for _, k := range names {
		for _, d := range cfg.All("rename-command") {
			if len(d.Args) == 2 && strings.EqualFold(d.Args[0], k) {
				renames[k] = d.Args[1]
			}
		}
	}
	return renames
}

// SamePerm compares two octal permission strings by value ("770" and "0770").
func SamePerm(a, b string) bool {
	x, err1 := strconv.ParseUint(a, 8, 32)
	y, err2 := strconv.ParseUint(b, 8, 32)
	return err1 == nil && err2 == nil && x == y
}

// Defaults are the paths, restart command and user of the host's server, from its
// /etc/os-release (internal/distro) and the server programs it has (InstalledServers, one
// exec channel): Valkey's on a host with valkey-server and no redis-server. server is the
// one that reads configPath ("" when not chosen yet: Pick). Debian's Redis, and Server{},
// when c is nil or the host cannot be asked.
func Defaults(ctx context.Context, c *transport.Conn, configPath string) (distro.Redis, Server) {
	family, exists := distro.Debian, map[string]bool{}
	var server Server
	if c != nil {
		if files, err := c.ReadFiles(ctx, append([]string{"/etc/os-release"}, distro.ConfigCandidates...)); err == nil {
			family = distro.FamilyOf(files[0].Data)
			for i, p := range distro.ConfigCandidates {
				exists[p] = files[i+1].Info.Exists
			}
		}
		if installed, err := InstalledServers(ctx, c); err == nil {
			server = Pick(installed, configPath)
		}
	}
	return distro.ServerDefaults(family, server.Name, func(p string) bool { return exists[p] }), server
}
