// Package redishardening says what a hardened redis.conf must contain, what the host really
// has (its redis.conf as Redis loads it, includes followed, and what the running server
// answers) and what is wrong, in plain Go values. internal/provider's ntopng_redis is the
// Terraform adapter over it.
package redishardening

import (
	"fmt"
	"maps"
	"net"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hardenops/terraform-provider-ntopng/internal/redisconf"
)

// The provider's defaults for a Debian host (internal/distro picks them per distribution).
const (
	DefaultConfPath   = "/etc/redis/redis.conf"
	DefaultSocket     = "/run/redis/redis-server.sock"
	DefaultSocketPerm = "770"
	DefaultRestart    = "systemctl restart redis-server"
	// MaxUnixSocketPath is sun_path's 108 bytes less the terminating NUL.
	MaxUnixSocketPath = 107
)

// DefaultBind is what Redis 7 binds to when redis.conf has no bind line.
var DefaultBind = []string{"*", "-::*"}

// The enable-* directives of Redis 7.0 (and Valkey): who may run DEBUG and MODULE, and
// CONFIG SET of the protected settings (dir, dbfilename...). Redis's default for each is "no".
const (
	EnableDebugCommand     = "enable-debug-command"
	EnableModuleCommand    = "enable-module-command"
	EnableProtectedConfigs = "enable-protected-configs"
	EnableNo               = "no"
)

// EnableDirectiveNames are the enable-* directives, in the order the file gets them.
var EnableDirectiveNames = []string{EnableDebugCommand, EnableModuleCommand, EnableProtectedConfigs}

// EnableValues are the values an enable-* directive takes ("local": only from loopback
// and the Unix socket).
var EnableValues = []string{"no", "local", "yes"}

var (
	// CommandNameRE matches a Redis command name as rename_commands takes it.
	CommandNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)
	// SocketPermRE matches an octal unixsocketperm ("770", "0770").
	SocketPermRE = regexp.MustCompile(`^[0-7]{1,4}$`)
)

// Desired is what the hardened redis.conf must say.
type Desired struct {
	Port           int64
	Bind           []string
	Unixsocket     string // "": no socket
	Unixsocketperm string
	ProtectedMode  bool
	// Renames are the rename-command lines (command -> new name, "" removes the command).
	Renames map[string]string
	// PriorRenames are the command names managed until now: a name no longer in Renames has
	// its rename-command line removed (the command comes back).
	PriorRenames []string
	// Enable are the enable-* directives' values (a missing one is "no"); written only where
	// Caps.EnableDirectives, removed elsewhere (that server would not start with them).
	Enable map[string]string
	// Caps are what the host's server parses (CapsOf).
	Caps Caps
}

// Settings are the directives the hardened file gets, with password as requirepass.
func (d Desired) Settings(password string) []redisconf.Setting {
	protected := "yes"
	if !d.ProtectedMode {
		protected = "no"
	}
	set := []redisconf.Setting{
		{Name: "port", Args: []string{strconv.FormatInt(d.Port, 10)}},
		{Name: "bind", Args: d.Bind},
		{Name: "protected-mode", Args: []string{protected}},
	}
	if d.Unixsocket != "" {
		set = append(set, redisconf.Setting{Name: "unixsocket", Args: []string{d.Unixsocket}})
	} else {
		set = append(set, redisconf.Setting{Name: "unixsocket", Remove: true})
	}
	set = append(set,
		redisconf.Setting{Name: "unixsocketperm", Args: []string{d.Unixsocketperm}},
		redisconf.Setting{Name: "requirepass", Args: []string{password}},
	)
	for _, name := range EnableDirectiveNames {
		if !d.Caps.EnableDirectives {
			set = append(set, redisconf.Setting{Name: name, Remove: true})
			continue
		}
		v := d.Enable[name]
		if v == "" {
			v = EnableNo
		}
		set = append(set, redisconf.Setting{Name: name, Args: []string{v}})
	}
	keep := map[string]bool{}
	for _, k := range slices.Sorted(maps.Keys(d.Renames)) {
		keep[strings.ToLower(k)] = true
		set = append(set, redisconf.Setting{Name: "rename-command", Args: []string{k, d.Renames[k]}, Multi: true})
	}
	for _, k := range d.PriorRenames {
		if !keep[strings.ToLower(k)] {
			set = append(set, redisconf.Setting{Name: "rename-command", Args: []string{k}, Multi: true, Remove: true})
		}
	}
	return set
}

// Edit returns orig (a redis.conf) with the hardened settings, password as requirepass;
// every other line is kept byte for byte.
func (d Desired) Edit(orig []byte, password string) []byte {
	return redisconf.Edit(orig, d.Settings(password))
}

// Target is where the running server with this configuration is asked.
func (d Desired) Target(password string) Target {
	network, addr := probeAddr(d.Unixsocket, d.Port)
	return Target{Network: network, Addr: addr, Password: password, Port: d.Port}
}

// probeAddr is where a server is asked: its socket, else its TCP port on loopback.
func probeAddr(socket string, port int64) (network, addr string) {
	if socket != "" {
		return "unix", socket
	}
	return "tcp", net.JoinHostPort("127.0.0.1", strconv.FormatInt(port, 10))
}

// Input is the part of a configuration Validate checks. A nil pointer is a value that is
// not set or not known yet: it is not checked.
type Input struct {
	ConfigPath *string
	Unixsocket *string
	Port       *int64
	// Bind holds the addresses; a nil element is not known yet.
	Bind []*string
	// Renames maps each command to its new name (nil: not known yet, or null).
	Renames map[string]*string
	// Enable maps an enable-* directive (EnableDirectiveNames) to its value.
	Enable map[string]*string
}

// FieldOfDirective is the attribute of an enable-* directive ("enable_debug_command").
func FieldOfDirective(name string) Field { return Field(strings.ReplaceAll(name, "-", "_")) }

// ValidateForServer returns the values of in that server s does not take (it would not start,
// or would not enforce them): a bind address with the "-" prefix before Redis 6.2, an
// enable-* directive other than "no" before Redis 7.0. The detail names the version.
func ValidateForServer(in Input, s Server) []Problem {
	if !s.Known() {
		return nil
	}
	caps := CapsOf(s)
	var out []Problem
	for i, a := range in.Bind {
		if a != nil && strings.HasPrefix(*a, "-") && !caps.OptionalBind {
			out = append(out, Problem{Field: FieldBind, Index: i, Summary: "bind Address Not Supported by This Redis",
				Detail: fmt.Sprintf("bind address %q: the \"-\" prefix (an optional address) exists from Redis 6.2; this host runs %s, "+
					"which reads %q as a host name and does not start. Remove the address, or write it without \"-\" "+
					"(only if the host has it); leaving bind unset gives [\"127.0.0.1\"] on this version.", *a, s, *a)})
		}
	}
	for _, name := range EnableDirectiveNames {
		if v := in.Enable[name]; v != nil && *v != EnableNo && !caps.EnableDirectives {
			f := FieldOfDirective(name)
			out = append(out, Problem{Field: f, Summary: fmt.Sprintf("%s Not Supported by This Redis", f),
				Detail: fmt.Sprintf("%s = %q: the %s directive exists from Redis 7.0; this host runs %s, which would not start "+
					"with it (nothing is written for it on this version). Set it to \"no\" or leave it unset, and remove the "+
					"command with rename_commands if it must go.", f, *v, name, s)})
		}
	}
	return out
}

// Field names the setting a Problem is about, as the resource's attribute is called.
type Field string

// The fields Validate reports on.
const (
	FieldConfigPath     Field = "config_path"
	FieldUnixsocket     Field = "unixsocket"
	FieldBind           Field = "bind"
	FieldRenameCommands Field = "rename_commands"
)

// Problem is a value Redis or ntopng would misread: Summary is a short title, Detail says
// what is wrong and the fix.
type Problem struct {
	Field           Field
	Index           int    // FieldBind: the address at fault
	Key             string // FieldRenameCommands: the command at fault
	Summary, Detail string
}

// Validate returns the values of in that Redis or ntopng would misread, before any host is
// touched.
func Validate(in Input) []Problem {
	var out []Problem
	if in.ConfigPath != nil {
		if p := *in.ConfigPath; !path.IsAbs(p) || path.Clean(p) != p {
			out = append(out, Problem{Field: FieldConfigPath, Summary: "Invalid config_path",
				Detail: fmt.Sprintf("config_path = %q must be a clean absolute path, like %q.", p, DefaultConfPath)})
		}
	}
	if in.Unixsocket != nil {
		out = append(out, validateSocket(*in.Unixsocket, in.Port)...)
	}
	for i, a := range in.Bind {
		if a == nil {
			continue
		}
		if err := ValidateBindAddress(*a); err != nil {
			out = append(out, Problem{Field: FieldBind, Index: i, Summary: "Invalid bind Address", Detail: err.Error()})
		}
	}
	seen := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(in.Renames)) {
		lk := strings.ToLower(k)
		if other, dup := seen[lk]; dup {
			out = append(out, Problem{Field: FieldRenameCommands, Key: k, Summary: "Command Renamed Twice",
				Detail: fmt.Sprintf("%q and %q name the same command (Redis ignores case): keep one of them.", other, k)})
		}
		seen[lk] = k
		if v := in.Renames[k]; v != nil {
			if err := redisconf.ValidateArg(*v); err != nil {
				out = append(out, Problem{Field: FieldRenameCommands, Key: k, Summary: "Invalid New Command Name", Detail: err.Error()})
			}
		}
	}
	return out
}

// validateSocket checks unixsocket = s; port is nil when not known.
func validateSocket(s string, port *int64) []Problem {
	var out []Problem
	p := func(summary, detail string) {
		out = append(out, Problem{Field: FieldUnixsocket, Summary: summary, Detail: detail})
	}
	switch {
	case s == "":
	case !path.IsAbs(s) || path.Clean(s) != s:
		p("Invalid unixsocket", fmt.Sprintf("unixsocket = %q must be a clean absolute path, like %q.", s, DefaultSocket))
	case len(s) > MaxUnixSocketPath:
		p("unixsocket Too Long", fmt.Sprintf("unixsocket is %d bytes; a Unix socket path holds at most %d. Choose a shorter path.", len(s), MaxUnixSocketPath))
	case redisconf.ValidateArg(s) != nil:
		p("Invalid unixsocket", redisconf.ValidateArg(s).Error())
	}
	if s == "" && port != nil && *port == 0 {
		p("Redis Would Be Unreachable", "unixsocket = \"\" and port = 0 leave Redis with no way in: ntopng could not connect. "+
			"Set a unixsocket (the default is "+DefaultSocket+") or a port.")
	}
	return out
}

// ValidateBindAddress accepts what Redis's bind takes: an IP address, * or ::*, optionally
// prefixed with "-".
func ValidateBindAddress(a string) error {
	s := strings.TrimPrefix(a, "-")
	if s == "*" || s == "::*" || net.ParseIP(s) != nil {
		return nil
	}
	return fmt.Errorf("bind address %q is not an IP address, \"*\" or \"::*\" (optionally prefixed with \"-\"); Redis binds "+
		"addresses, not host names: write an address such as \"127.0.0.1\" or \"-::1\"", a)
}
