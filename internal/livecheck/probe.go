package livecheck

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostscript"
)

// Probe is one more question a caller asks of the host inside the unit check (no other
// channel opens): a name, which is its section of the output ("@@probe NAME") and its key in
// Unit.Probes, and a host script of the caller's (a .sh file next to its code) with its
// arguments. It runs after the unit check, in the same shell, standard input /dev/null; it
// must not exit, and must print no line starting with "@@" (it prefixes lines of files it
// shows). Its arguments are named apart from the unit check's.
type Probe struct {
	Name   string
	Script hostscript.Script
	Args   hostscript.Args
}

var probeNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// Command is the probe run on its own: its script with its arguments.
func (p Probe) Command() ([]string, error) { return p.Script.Command(p.Args) }

// after is script followed by p's marker and p's script; p's arguments join args.
func (p Probe) after(script hostscript.Script, args hostscript.Args) (hostscript.Script, error) {
	if !probeNameRE.MatchString(p.Name) {
		return script, fmt.Errorf("probe name %q: lower-case letters, digits and dashes", p.Name)
	}
	for name, v := range p.Args {
		if slices.Contains(script.Args(), name) {
			return script, fmt.Errorf("probe %s: its argument %s is already the unit check's", p.Name, name)
		}
		args[name] = v
	}
	marker := hostscript.New("probe "+p.Name, "# args:\nprintf '\\n@@probe %s\\n' "+p.Name+"\n")
	return script.Then(marker).Then(p.Script), nil
}

// probeOutput is what the probe named name printed: its section's body, less the newline
// that the next marker prints first (for a probe whose output does not end with one).
func probeOutput(secs []hostscript.Section, name string) (string, bool) {
	for i, s := range secs {
		if s.Name == "probe" && s.Arg == name {
			if i+1 < len(secs) {
				return strings.TrimSuffix(s.Body, "\n"), true
			}
			return s.Body, true
		}
	}
	return "", false
}
