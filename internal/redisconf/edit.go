package redisconf

import "strings"

// Marker is the comment line that opens the block of directives Edit appends.
const Marker = "# Managed by Terraform (hardenops/ntopng): directives below are set by ntopng_redis"

// Setting is one managed directive for Edit.
type Setting struct {
	// Name of the directive; matched case-insensitively, written as given.
	Name string
	// Args are written with Quote, so any value reads back exactly.
	Args []string
	// Multi marks a directive that appears once per first argument, like
	// `rename-command CMD NEW`: the setting owns only the lines whose first
	// argument equals Args[0] (case-insensitively, as Redis looks commands
	// up). A Multi setting without Args is ignored.
	Multi bool
	// Remove deletes every line the setting owns instead of writing one.
	// Args may be nil, except for a Multi setting, which needs Args[0] to
	// know which lines it owns.
	Remove bool
}

// Edit returns orig with each managed directive present exactly once:
//
//   - every line a setting owns (same name, case-insensitive, as SplitArgs
//     reads it; for a Multi setting also the same first argument) is
//     removed, except the first one, which is replaced in place by the
//     rendered directive. A line with broken quoting is owned when its first
//     word, read up to the first blank, is a managed name;
//   - settings that had no line are appended at the end in one block opened
//     by Marker (after a blank line). If the file already holds the Marker
//     line, they are appended at the end without a new Marker;
//   - Remove settings delete their lines and add nothing;
//   - every other line (comments, blank lines, other directives, other
//     commands' rename-command lines) is kept byte for byte.
//
// When two settings own the same lines the later one wins. Do not mix a
// Multi and a plain setting with the same name. The result ends with a
// newline. Edit(Edit(x, s), s) == Edit(x, s).
//
// Edit edits one file: an included file that sets the same directive after
// this one still wins; use Load and Config.Last to check.
func Edit(orig []byte, set []Setting) []byte {
	var order []string
	byKey := map[string]Setting{}
	for _, s := range set {
		k, ok := settingKey(s)
		if !ok {
			continue
		}
		if _, seen := byKey[k]; !seen {
			order = append(order, k)
		}
		byKey[k] = s
	}

	text := string(orig)
	lines := strings.Split(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	done := map[string]bool{}
	hasMarker := false
	out := make([]string, 0, len(lines)+len(order)+2)
	for _, line := range lines {
		if strings.TrimRight(line, " \t\r") == Marker {
			hasMarker = true
		}
		k, managed := owner(line, byKey)
		if !managed {
			out = append(out, line)
			continue
		}
		s := byKey[k]
		if done[k] || s.Remove {
			continue
		}
		done[k] = true
		out = append(out, render(s))
	}

	var tail []string
	for _, k := range order {
		if s := byKey[k]; !done[k] && !s.Remove {
			tail = append(tail, render(s))
		}
	}
	if len(tail) > 0 {
		if !hasMarker {
			if len(out) > 0 && strings.TrimSpace(out[len(out)-1]) != "" {
				out = append(out, "")
			}
			out = append(out, Marker)
		}
		out = append(out, tail...)
	}
	if len(out) == 0 {
		return []byte{}
	}
	return []byte(strings.Join(out, "\n") + "\n")
}

func settingKey(s Setting) (string, bool) {
	if s.Multi {
		if len(s.Args) == 0 {
			return "", false
		}
		return multiKey(s.Name, s.Args[0]), true
	}
	return "s\x00" + asciiLower(s.Name), true
}

func multiKey(name, first string) string {
	return "m\x00" + asciiLower(name) + "\x00" + asciiLower(first)
}

// owner returns the key of the setting that owns line, if any.
func owner(line string, byKey map[string]Setting) (string, bool) {
	args, err := parseLine(line)
	if err != nil {
		args = firstWord(line)
	}
	if len(args) == 0 {
		return "", false
	}
	if len(args) >= 2 {
		if k := multiKey(args[0], args[1]); hasKey(byKey, k) {
			return k, true
		}
	}
	k := "s\x00" + asciiLower(args[0])
	return k, hasKey(byKey, k)
}

func hasKey(m map[string]Setting, k string) bool {
	_, ok := m[k]
	return ok
}

// firstWord reads the directive name of a line SplitArgs rejects: the first
// word, if it is bare (no quote in it).
func firstWord(line string) []string {
	t := strings.TrimLeft(line, " \t\r\n\v\f")
	if i := strings.IndexAny(t, " \t\r\n"); i >= 0 {
		t = t[:i]
	}
	if t == "" || strings.ContainsAny(t, `"'`) {
		return nil
	}
	return []string{t}
}

func render(s Setting) string {
	var b strings.Builder
	b.WriteString(Quote(s.Name))
	for _, a := range s.Args {
		b.WriteByte(' ')
		b.WriteString(Quote(a))
	}
	return b.String()
}
