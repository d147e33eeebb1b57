// Package hostscript keeps the provider's shell programs for hosts as programs: each is a
// POSIX sh file (NAME.sh) next to the Go code that runs it, embedded with //go:embed and
// checked by shellcheck in `make lint` (dash is /bin/sh on Debian). A script declares its
// arguments by name on its first line ("# args: UNIT BOOTED"), Command passes them by name,
// and what it prints is read by Sections, the one parser of the "@@NAME" section format.
// Pure: it builds command lines and reads text; it runs nothing.
package hostscript

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

//go:embed prologue.sh
var prologue string

// Script is one host script: its file name and text, and the arguments it declares.
type Script struct {
	Name string
	text string
	args []string
}

// Args are the values of a script's arguments by name. Never a secret: a command line is
// readable by every user of the host (/proc/PID/cmdline); secrets go on standard input.
type Args map[string]string

var nameRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// New is the script name (a .sh file's name, for messages) with text (its //go:embed
// content). The text's first line must declare its arguments, "# args:" followed by their
// names (upper case, none is fine): a script without it panics, a programming error that
// every test of its package catches.
func New(name, text string) Script {
	first, _, _ := strings.Cut(text, "\n")
	decl, ok := strings.CutPrefix(first, "# args:")
	if !ok {
		panic(fmt.Sprintf("hostscript: %s does not start with its \"# args:\" line", name))
	}
	s := Script{Name: name, text: text}
	for _, a := range strings.Fields(decl) {
		if !nameRE.MatchString(a) {
			panic(fmt.Sprintf("hostscript: %s declares the argument %q: upper-case names only", name, a))
		}
		s.args = append(s.args, a)
	}
	return s
}

// Then is s followed by t, one program run by one shell: t's arguments join s's (a name
// both declare is one argument).
func (s Script) Then(t Script) Script {
	out := Script{Name: s.Name + "+" + t.Name, text: s.text + "\n" + t.text, args: slices.Clone(s.args)}
	for _, a := range t.args {
		if !slices.Contains(out.args, a) {
			out.args = append(out.args, a)
		}
	}
	return out
}

// Args lists the names s declares, in order.
func (s Script) Args() []string { return slices.Clone(s.args) }

// Text is the program as a shell runs it: the prologue that reads the named arguments, then
// the script, without their comment lines and blank lines (they document the file; the
// command line carries only what runs). A script therefore keeps no line that starts with
// "#" inside a quoted string or a here-document.
func (s Script) Text() string { return code(prologue) + code(s.text) }

// code is text without its comment lines (the first non-blank character is "#") and its
// blank lines.
func code(text string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(text, "\n") {
		if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		b.WriteString(line)
		if !strings.HasSuffix(line, "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// Command is the argv that runs s with args: sh -c TEXT sh NAME=VALUE..., every declared
// argument given, in declaration order (empty when args has no value for it, so that nothing
// from the host's environment stands in for it), then, after "--", rest as the script's
// "$@" (a list of words such as a client's own arguments). A name s does not declare is an
// error.
func (s Script) Command(args Args, rest ...string) ([]string, error) {
	for name := range args {
		if !slices.Contains(s.args, name) {
			return nil, fmt.Errorf("hostscript: %s has no argument %s (it declares %v)", s.Name, name, s.args)
		}
	}
	argv := []string{"sh", "-c", s.Text(), "sh"}
	for _, name := range s.args {
		argv = append(argv, name+"="+args[name])
	}
	if len(rest) > 0 {
		argv = append(append(argv, "--"), rest...)
	}
	return argv, nil
}

// MustCommand is Command for arguments fixed in the caller's code.
func (s Script) MustCommand(args Args, rest ...string) []string {
	argv, err := s.Command(args, rest...)
	if err != nil {
		panic(err)
	}
	return argv
}

// Section is one part of a script's output: a marker line "@@NAME" or "@@NAME ARG", then the
// lines up to the next marker.
type Section struct {
	Name string // "" for the text before the first marker
	Arg  string // what follows the name and one space on the marker line
	Body string // the section's lines, each with its "\n" (the last one as printed)
}

// Sections splits out at its marker lines, in order. After a marker whose name is one of
// raw, nothing is split any more: the rest of the output is that section's body, so that
// what a program the host controls printed there (another account's Redis answering
// redis-cli) cannot pass for a marker. A script prints such a section last, and never a line
// that starts with "@@" of text it does not control (it prefixes such lines).
func Sections(out string, raw ...string) []Section {
	secs := []Section{{}}
	start := 0 // where the current section's body starts in out
	for pos := 0; pos < len(out); {
		end := strings.IndexByte(out[pos:], '\n')
		next := len(out)
		if end >= 0 {
			next = pos + end + 1
		}
		if marker, ok := strings.CutPrefix(strings.TrimSuffix(out[pos:next], "\n"), "@@"); ok {
			secs[len(secs)-1].Body = out[start:pos]
			name, arg, _ := strings.Cut(marker, " ")
			secs = append(secs, Section{Name: name, Arg: arg})
			start = next
			if slices.Contains(raw, name) {
				break
			}
		}
		pos = next
	}
	secs[len(secs)-1].Body = out[start:]
	return secs
}

// Join is the output that secs were split from: Sections' inverse.
func Join(secs []Section) string {
	var b strings.Builder
	for i, s := range secs {
		if i > 0 || s.Name != "" {
			b.WriteString("@@" + s.Name)
			if s.Arg != "" {
				b.WriteString(" " + s.Arg)
			}
			b.WriteByte('\n')
		}
		b.WriteString(s.Body)
	}
	return b.String()
}

// Find returns the first section named name.
func Find(secs []Section, name string) (Section, bool) {
	for _, s := range secs {
		if s.Name == name {
			return s, true
		}
	}
	return Section{}, false
}
