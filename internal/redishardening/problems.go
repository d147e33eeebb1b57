package redishardening

import (
	"fmt"
	"strings"

	"github.com/hardenops/terraform-provider-ntopng/internal/redisconf"
)

// managedSingle are the single-value directives the hardened file sets.
var managedSingle = []string{"port", "bind", "protected-mode", "unixsocket", "unixsocketperm", "requirepass",
	EnableDebugCommand, EnableModuleCommand, EnableProtectedConfigs}

// Override is a line, in a file other than the main one, that decides the value of a
// directive the hardened file sets: Redis uses that line's value instead.
type Override struct {
	redisconf.Directive
}

// Message says where the overriding line is and what to do about it.
func (o Override) Message() string {
	return fmt.Sprintf("%s line %d sets %s after the line this resource manages, so Redis uses that value. The provider "+
		"never edits files it was not given: remove that line (or the include that reads the file).", o.File, o.Line, o.Name)
}

// Overrides returns the lines, in files other than mainPath, that decide the value of a
// managed directive: the single-value ones, and rename-command lines of the commands
// renameKeys names.
func Overrides(cfg *redisconf.Config, mainPath string, renameKeys []string) []Override {
	var out []Override
	for _, name := range managedSingle {
		if d, ok := cfg.Last(name); ok && d.File != mainPath {
			out = append(out, Override{d})
		}
	}
	for _, d := range cfg.All("rename-command") {
		if d.File == mainPath || len(d.Args) == 0 {
			continue
		}
		for _, k := range renameKeys {
			if strings.EqualFold(d.Args[0], k) {
				out = append(out, Override{d})
				break
			}
		}
	}
	return out
}

// Conflicts says, one sentence each, why Redis would ignore requirepass in cfg (aclfile,
// `user` lines).
func Conflicts(cfg *redisconf.Config) []string {
	var out []string
	for _, c := range cfg.Conflicts() {
		out = append(out, c.Why+".")
	}
	return out
}
