package ntopngconf

import (
	"fmt"
	"math"
	"strings"
)

// lineBufferSize is the size of the buffer Prefs::loadFromFile passes to fgets
// (char buffer[16384] in src/Prefs.cpp since ntopng commit 49a73a154 of 2021,
// still so at e21c91d7). fgets stores at most lineBufferSize-1 bytes and a NUL:
// a line longer than that is read in several pieces, the rest of the line
// becoming the next "line", and each piece is parsed as a line of its own.
const lineBufferSize = 16384

// MaxLineLen is the longest line, without its line feed, that ntopng reads in
// one piece. A line of exactly MaxLineLen bytes is read whole; its line feed is
// then read alone, as a blank line that ntopng skips.
const MaxLineLen = lineBufferSize - 1

// Line is one line of an ntopng configuration file as ntopng reads it.
type Line struct {
	// Num is the 1-based number of the line in its file.
	Num int
	// Raw is the text of the line without its line feed. A line longer than
	// MaxLineLen bytes (what ntopng's 16384-byte fgets buffer holds) yields
	// several Lines with the same Num, one per piece ntopng reads (the last
	// one may be the line feed alone: Raw "", skipped as blank).
	Raw string
	// Name is the canonical long name of the option the line sets ("-z" for
	// the one option ntopng handles without a long name), "" if the line is
	// ignored.
	Name string
	// Value is the value ntopng passes to the option, after trimming.
	Value string
	// HasValue is false when no value follows the option.
	HasValue bool
	// Ignored is true when ntopng skips or ignores the line.
	Ignored bool
	// Reason says why the line is ignored.
	Reason string
}

// parsed is a Line plus what the editor needs to know about it.
type parsed struct {
	Line
	// opt is the option the line names, even when ntopng ignores the line
	// for a missing value.
	opt *optionDef
	// unknown is the name of an unknown long option ("pid-path").
	unknown string
}

// piece is what one fgets call returns: at most MaxLineLen bytes, ending at a
// line feed or not.
type piece struct {
	num   int
	raw   string
	start int
	// rest is true for a piece after the first of a line longer than MaxLineLen.
	rest bool
}

// lineFeedOnly is the piece ntopng reads after a line of exactly MaxLineLen
// bytes: its line feed alone. ntopng skips it without a word and nothing of
// the line is lost, so the line is not reported as ignored for it.
func (p piece) lineFeedOnly() bool { return p.rest && p.raw == "" }

// pieces splits text the way ntopng's fgets loop reads it.
func pieces(text string) []piece {
	var out []piece
	num, rest := 1, false
	for off := 0; off < len(text); {
		end := min(off+MaxLineLen, len(text))
		if k := strings.IndexByte(text[off:end], '\n'); k >= 0 {
			end = off + k + 1
		}
		chunk := text[off:end]
		raw := strings.TrimSuffix(chunk, "\n")
		out = append(out, piece{num: num, raw: raw, start: off, rest: rest})
		rest = len(raw) == len(chunk) // no line feed yet: the next piece continues this line
		if !rest {
			num++
		}
		off = end
	}
	return out
}

// ParseLines parses text as ntopng reads a configuration file and returns
// every line, including the ones ntopng skips, with the reason.
func ParseLines(text string) []Line {
	ps := pieces(text)
	lines := make([]Line, 0, len(ps))
	for _, p := range ps {
		lines = append(lines, parseLine(p.num, p.raw).Line)
	}
	return lines
}

// parseLine follows Prefs::loadFromFile for one line and the argument check at
// the start of Prefs::setOption.
func parseLine(num int, raw string) parsed {
	p := parsed{Line: Line{Num: num, Raw: raw}}
	s := raw
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i] // C string functions stop at the first NUL byte
	}
	line := cTrim(s)
	switch {
	case len(line) < 2:
		return p.ignore("blank or shorter than 2 characters once trimmed")
	case line[0] == '#':
		return p.ignore("comment")
	case strings.HasPrefix(line, "--"):
		key := line[2:]
		name, rest := key, ""
		if i := strings.IndexAny(key, " ="); i >= 0 {
			name, rest = key[:i], key[i+1:]
		}
		o := lookupLong(name)
		if o == nil {
			p.unknown = name
			if why, ok := ignoredReason(name, 0); ok {
				return p.ignore(why)
			}
			reason := fmt.Sprintf("unknown option %q: ntopng ignores it without a warning", "--"+name)
			if strings.ContainsAny(name, "\t") {
				reason += " (only ' ' or '=' separates a name from its value, not a tab)"
			}
			return p.ignore(reason)
		}
		return p.set(o, cTrim(rest))
	case line[0] == '-':
		key := line[1:]
		if len(key) > 1 && key[1] != ' ' && key[1] != '=' {
			return p.ignore(fmt.Sprintf("a short option must be followed by ' ', '=' or the end of the line, not %q: ntopng skips the line", key[1:2]))
		}
		value := ""
		if len(key) > 2 {
			value = cTrim(key[2:])
		}
		o := lookupShort(key[0])
		if o == nil {
			o = lookupLetterOnly(key[0])
		}
		if o == nil {
			if why, ok := ignoredReason("", key[0]); ok {
				return p.ignore(why)
			}
			return p.ignore(fmt.Sprintf("unknown short option %q: ntopng ignores it", "-"+key[:1]))
		}
		return p.set(o, value)
	default:
		return p.ignore("does not start with '-' or '#': ntopng skips it with a warning")
	}
}

func (p parsed) ignore(reason string) parsed {
	p.Ignored, p.Reason = true, reason
	return p
}

func (p parsed) set(o *optionDef, value string) parsed {
	p.opt = o
	if value == "" && o.TakesValue {
		return p.ignore(fmt.Sprintf("option --%s needs a value: ntopng skips it (\"Missing required argument\")", o.Long))
	}
	p.Name, p.Value, p.HasValue = o.name(), value, value != ""
	return p
}

// isSpace is C's isspace in the "C" locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isTrimmed(c byte) bool {
	return isSpace(c) || c == '"' || c == '\''
}

// cTrim is Utils::trim: it strips white space and both quote characters at
// both ends, and leaves a one-character string alone at the end.
func cTrim(s string) string {
	i := 0
	for i < len(s) && isTrimmed(s[i]) {
		i++
	}
	s = s[i:]
	if s == "" {
		return s
	}
	j := len(s) - 1
	for j > 0 && isTrimmed(s[j]) {
		j--
	}
	return s[:j+1]
}

// atoi is glibc's atoi: (int)strtol(s, NULL, 10).
func atoi(s string) int32 {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var n int64
	overflow := false
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := int64(s[i] - '0')
		if !overflow && n > (math.MaxInt64-d)/10 {
			overflow = true
		}
		if !overflow {
			n = n*10 + d
		}
	}
	switch {
	case overflow && neg:
		n = math.MinInt64
	case overflow:
		n = math.MaxInt64
	case neg:
		n = -n
	}
	return int32(n) // the C cast from long to int keeps the low 32 bits
}

// strtok is one call of glibc's strtok_r: it returns the next token of s
// delimited by any byte of delim, and the rest to pass to the next call.
func strtok(s, delim string) (token, rest string, ok bool) {
	i := 0
	for i < len(s) && strings.IndexByte(delim, s[i]) >= 0 {
		i++
	}
	s = s[i:]
	if s == "" {
		return "", "", false
	}
	if j := strings.IndexAny(s, delim); j >= 0 {
		return s[:j], s[j+1:], true
	}
	return s, "", true
}

// truncate is snprintf into a buffer of size bytes.
func truncate(s string, size int) string {
	if len(s) > size-1 {
		return s[:size-1]
	}
	return s
}
