package ntopngconf

import (
	"strings"
)

// ManagedMarker is the comment line written before the options that Edit
// appends to a file.
const ManagedMarker = "# Managed by Terraform (hardenops/ntopng): options below are set by ntopng_instance"

// Setting is an option the provider owns, rendered as "--Name=Value", or as
// "--Name" when Flag is true.
type Setting struct {
	Name  string
	Value string
	Flag  bool
}

// Render returns the line for s, without a line feed.
func (s Setting) Render() string {
	if s.Flag {
		return "--" + canonicalName(s.Name)
	}
	return "--" + canonicalName(s.Name) + "=" + s.Value
}

// canonicalName is the long name of a known option, or name without a
// leading "--" for an unknown one.
func canonicalName(name string) string {
	if o := lookup(name); o != nil {
		return o.Long
	}
	return strings.TrimPrefix(name, "--")
}

// Edit returns orig with the options in set written exactly once each and the
// options in remove gone. Every line that names a managed (set or removed)
// option, in any form ntopng reads (short or long, '=' or ' ', quoted,
// indented, even with its value missing), is dropped; each set option is
// written where its first old line was, or else appended at the end after
// ManagedMarker (written once). A name in both set and remove is set; a name
// set several times is written on as many lines, in order, for the options
// ntopng takes repeatedly (--interface). Every other line is kept byte for byte, and
// the result ends with a line feed unless it is empty. Values are not checked
// here: call ValidateValue first.
func Edit(orig string, set []Setting, remove []string) string {
	rendered := map[string]string{}
	var order []string
	for _, s := range set {
		n := canonicalName(s.Name)
		if _, seen := rendered[n]; !seen {
			order = append(order, n)
			rendered[n] = s.Render()
		} else {
			rendered[n] += "\n" + s.Render()
		}
	}
	managed := map[string]bool{}
	for _, n := range order {
		managed[n] = true
	}
	for _, r := range remove {
		managed[canonicalName(r)] = true
	}

	var out strings.Builder
	placed := map[string]bool{}
	hasMarker := false
	for _, line := range physicalLines(orig) {
		names := lineOptions(line)
		hit := false
		for _, n := range names {
			if !managed[n] {
				continue
			}
			hit = true
			if r, ok := rendered[n]; ok && !placed[n] {
				out.WriteString(r + "\n")
				placed[n] = true
			}
		}
		if hit {
			continue
		}
		if strings.TrimSpace(line) == ManagedMarker {
			hasMarker = true
		}
		out.WriteString(line)
		if !strings.HasSuffix(line, "\n") {
			out.WriteString("\n")
		}
	}
	for _, n := range order {
		if placed[n] {
			continue
		}
		if !hasMarker {
			out.WriteString(ManagedMarker + "\n")
			hasMarker = true
		}
		out.WriteString(rendered[n] + "\n")
	}
	return out.String()
}

// physicalLines splits text after each line feed, keeping it.
func physicalLines(text string) []string {
	var lines []string
	for text != "" {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			return append(lines, text)
		}
		lines = append(lines, text[:i+1])
		text = text[i+1:]
	}
	return lines
}

// lineOptions lists the options one physical line names, as ntopng reads it
// (a long line can hold several pieces): canonical long names for known
// options, the written name for unknown long options.
func lineOptions(line string) []string {
	var names []string
	for _, pc := range pieces(line) {
		p := parseLine(pc.num, pc.raw)
		switch {
		case p.opt != nil:
			names = append(names, p.opt.name())
		case p.unknown != "":
			names = append(names, p.unknown)
		}
	}
	return names
}
