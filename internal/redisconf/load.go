package redisconf

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strings"
)

// FS is the little file system Load reads through (over SFTP in the
// provider, a map in tests). Paths are absolute, slash-separated host paths.
type FS interface {
	// ReadFile returns the whole file. For a missing file the error must
	// satisfy errors.Is(err, fs.ErrNotExist).
	ReadFile(path string) ([]byte, error)
	// Glob returns the paths matching an absolute pattern, sorted. The
	// pattern syntax is glob(3)'s as Redis uses it (*, ?, [...], with \
	// escaping the next character); path.Match implements the same for
	// everything Redis configurations use in practice. No match is not an
	// error.
	Glob(pattern string) ([]string, error)
}

// Directive is one configuration line as Redis applies it.
type Directive struct {
	Name string   // directive name, lower case (Redis lower-cases it)
	Args []string // arguments after the name, exactly as sdssplitargs returns them
	File string   // absolute path of the file the line starts in
	Line int      // 1-based line number in File
}

// Config is the result of Load: every directive, includes expanded.
type Config struct {
	// Directives in the order Redis reads them: an include's directives
	// stand where the include line stands (the include line itself comes
	// right before them). `user` lines are listed where they stand although
	// Redis applies them after the whole file: see Conflicts.
	Directives []Directive
	// Files is every file read, main file first, each once, in the order
	// they were first read.
	Files []string
}

// LineError is a configuration line Redis would refuse to start with.
type LineError struct {
	File string
	Line int
	Err  error
}

func (e *LineError) Error() string {
	return fmt.Sprintf("%s line %d: %v", e.File, e.Line, e.Err)
}

// Unwrap returns the underlying error.
func (e *LineError) Unwrap() error { return e.Err }

// DefaultCwd is the working directory Load assumes when redis-server starts:
// Debian's redis-server.service sets no WorkingDirectory, so systemd starts
// it in "/".
const DefaultCwd = "/"

// maxIncludeDepth bounds nested includes. Redis has no limit (it recurses
// until the stack overflows); loops through symbolic links, which a lexical
// path check cannot see, end here.
const maxIncludeDepth = 64

// Load reads mainPath and every file it includes, as redis-server would when
// started in DefaultCwd. See LoadFromDir.
func Load(fsys FS, mainPath string) (*Config, error) {
	return LoadFromDir(fsys, mainPath, DefaultCwd)
}

// LoadFromDir reads mainPath and every file it includes, as redis-server
// does when started in the working directory cwd:
//
//   - the file is read as Redis reads it (fgets into sdscat: a NUL byte cuts
//     the rest of its line, newline included); lines are trimmed of space,
//     \t, \r and \n, lines then starting with '#' are comments, the rest
//     goes through SplitArgs and the name is lower-cased;
//   - `include PATH` is processed where it stands, recursively. A PATH with
//     *, ? or [ is a glob: its matches are read in sorted (byte) order and
//     concatenated before parsing, exactly as Redis does (so a match without
//     a final newline runs into the next one), no match is fine, and names
//     starting with '.' only match a pattern element starting with '.'.
//     Without wildcards a missing file is an error (Redis exits);
//   - relative paths (include, dir, mainPath) resolve against the current
//     directory, which starts as cwd and is changed by every `dir` directive
//     read before (Redis chdir()s while loading). Paths are resolved
//     lexically; `dir` is not checked to exist;
//   - an include that reaches a file already being read is an include loop
//     (Redis would recurse until it crashes) and an error.
//
// A line SplitArgs rejects, or an `include`/`dir` line with the wrong number
// of arguments, is a *LineError naming the file and line.
func LoadFromDir(fsys FS, mainPath, cwd string) (*Config, error) {
	l := &loader{fsys: fsys, cwd: path.Clean("/" + cwd), cfg: &Config{}, seen: map[string]bool{}}
	main := l.resolve(mainPath)
	if err := l.load([]string{main}, nil, nil); err != nil {
		return nil, err
	}
	return l.cfg, nil
}

type loader struct {
	fsys FS
	cwd  string
	cfg  *Config
	seen map[string]bool
}

func (l *loader) resolve(p string) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	return path.Join(l.cwd, p)
}

type segment struct {
	file  string
	start int
}

// load reads files (one path, or a glob's matches) as one text, the way
// loadServerConfig does, and applies its lines. stack holds the files being
// read by the enclosing includes; from is the include line, nil for the main
// file.
func (l *loader) load(files []string, stack []string, from *Directive) error {
	var text strings.Builder
	var segs []segment
	for _, f := range files {
		data, err := l.fsys.ReadFile(f)
		if err != nil {
			if from == nil {
				return fmt.Errorf("read redis configuration %s: %w", f, err)
			}
			return &LineError{File: from.File, Line: from.Line, Err: fmt.Errorf(
				"include %s: %w; Redis refuses to start when an included file cannot be read: create the file or remove the include", f, err)}
		}
		if !l.seen[f] {
			l.seen[f] = true
			l.cfg.Files = append(l.cfg.Files, f)
		}
		segs = append(segs, segment{file: f, start: text.Len()})
		text.WriteString(fgetsText(data))
	}
	all := text.String()
	seg, lineNo := -1, 0
	for off := 0; off <= len(all); {
		end := strings.IndexByte(all[off:], '\n')
		if end < 0 {
			end = len(all) - off
		}
		line := all[off : off+end]
		// The line belongs to the file it starts in; its number counts the
		// newlines from that file's start.
		lineNo++
		if seg+1 < len(segs) && segs[seg+1].start <= off {
			for seg+1 < len(segs) && segs[seg+1].start <= off {
				seg++
			}
			lineNo = 1 + strings.Count(all[segs[seg].start:off], "\n")
		}
		start := off
		off += end + 1
		if start == len(all) && start > 0 {
			break // text ended with a newline: nothing after it
		}
		args, err := parseLine(line)
		if err != nil {
			return &LineError{File: segs[seg].file, Line: lineNo, Err: fmt.Errorf(
				"%w; Redis refuses to start with this line: fix its quoting", err)}
		}
		if len(args) == 0 {
			continue
		}
		d := Directive{Name: asciiLower(args[0]), Args: args[1:], File: segs[seg].file, Line: lineNo}
		l.cfg.Directives = append(l.cfg.Directives, d)
		if err := l.apply(d, stack); err != nil {
			return err
		}
	}
	return nil
}

// apply handles the directives that change how the rest is read. stack
// holds the files being read by the enclosing includes.
func (l *loader) apply(d Directive, stack []string) error {
	switch d.Name {
	case "dir":
		if len(d.Args) != 1 || d.Args[0] == "" {
			return &LineError{File: d.File, Line: d.Line, Err: fmt.Errorf(
				"dir needs exactly one non-empty path, got %d arguments; Redis refuses to start: write one path", len(d.Args))}
		}
		l.cwd = l.resolve(d.Args[0])
	case "include":
		if len(d.Args) != 1 {
			return &LineError{File: d.File, Line: d.Line, Err: fmt.Errorf(
				"include needs exactly one path, got %d arguments; Redis refuses to start: write one include line per file (quote a path with spaces)", len(d.Args))}
		}
		return l.include(d, append(slices.Clip(stack), d.File))
	}
	return nil
}

func (l *loader) include(d Directive, stack []string) error {
	p := d.Args[0]
	var files []string
	if strings.ContainsAny(p, "*?[") {
		pattern := p
		if !path.IsAbs(p) {
			pattern = strings.TrimSuffix(escapeGlob(l.cwd), "/") + "/" + p
		}
		pattern = path.Clean(pattern)
		matches, err := l.fsys.Glob(pattern)
		if err != nil {
			return &LineError{File: d.File, Line: d.Line, Err: fmt.Errorf(
				"include %s: list matching files: %w; check that the folder is readable", pattern, err)}
		}
		for _, m := range matches {
			if !hiddenMismatch(pattern, m) {
				files = append(files, path.Clean(m))
			}
		}
		slices.Sort(files)
		if len(files) == 0 {
			return nil
		}
	} else {
		files = []string{l.resolve(p)}
	}
	if len(stack) >= maxIncludeDepth {
		return &LineError{File: d.File, Line: d.Line, Err: fmt.Errorf(
			"includes nested more than %d deep; Redis would recurse until it crashes: look for an include loop through a symbolic link", maxIncludeDepth)}
	}
	for _, f := range files {
		if slices.Contains(stack, f) {
			return &LineError{File: d.File, Line: d.Line, Err: fmt.Errorf(
				"include loop: %s is already being read (%s -> %s); Redis would recurse until it crashes: remove one of the includes",
				f, strings.Join(stack, " -> "), f)}
		}
	}
	return l.load(files, stack, &d)
}

// parseLine does what loadServerConfigFromString does with one line: trim,
// skip comments and blank lines, split.
func parseLine(line string) ([]string, error) {
	t := strings.Trim(line, " \t\r\n")
	if t == "" || t[0] == '#' {
		return nil, nil
	}
	return SplitArgs(t)
}

// fgetsText returns what Redis's read loop (fgets of at most 1024 bytes
// appended with sdscat, which stops at a NUL) keeps of a file.
func fgetsText(data []byte) string {
	if bytes.IndexByte(data, 0) < 0 {
		return string(data)
	}
	const readLen = 1024
	var b strings.Builder
	for len(data) > 0 {
		n := bytes.IndexByte(data, '\n') + 1
		if n == 0 || n > readLen {
			n = min(len(data), readLen)
		}
		chunk := data[:n]
		if i := bytes.IndexByte(chunk, 0); i >= 0 {
			chunk = chunk[:i]
		}
		b.Write(chunk)
		data = data[n:]
	}
	return b.String()
}

// escapeGlob escapes glob metacharacters in a literal directory name.
func escapeGlob(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(`*?[\`, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// hiddenMismatch reports whether match has an element starting with '.'
// where the pattern's element does not start with a literal '.': glob(3)
// without GLOB_PERIOD does not match those, Go's path.Match does.
func hiddenMismatch(pattern, match string) bool {
	pe := strings.Split(pattern, "/")
	me := strings.Split(path.Clean(match), "/")
	if len(pe) != len(me) {
		return false
	}
	for i := range me {
		if strings.HasPrefix(me[i], ".") && !strings.HasPrefix(pe[i], ".") && !strings.HasPrefix(pe[i], `\.`) {
			return true
		}
	}
	return false
}

// asciiLower is C's tolower() in the "C" locale, as sdstolower uses it.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Last returns the last directive called name (case-insensitive): for a
// single-value directive, the one Redis keeps.
func (c *Config) Last(name string) (Directive, bool) {
	name = asciiLower(name)
	for i := len(c.Directives) - 1; i >= 0; i-- {
		if c.Directives[i].Name == name {
			return c.Directives[i], true
		}
	}
	return Directive{}, false
}

// All returns every directive called name (case-insensitive), in order.
func (c *Config) All(name string) []Directive {
	name = asciiLower(name)
	var out []Directive
	for _, d := range c.Directives {
		if d.Name == name {
			out = append(out, d)
		}
	}
	return out
}

// Conflict is a directive that stops requirepass from being the default
// user's password, and why.
type Conflict struct {
	Directive Directive
	Why       string
}

// Conflicts reports the directives that defeat requirepass:
//
//   - a non-empty `aclfile` (the last one, which is the one Redis uses):
//     Redis loads its users from that file, so requirepass is ignored;
//   - with such an aclfile, every `user` line: Redis refuses to start when
//     users are declared both ways;
//   - otherwise every `user default ...` line: ACL user lines apply after the
//     whole file is read and reset the default user, so they override
//     requirepass wherever they stand.
func (c *Config) Conflicts() []Conflict {
	var out []Conflict
	aclfile, ok := c.Last("aclfile")
	hasACLFile := ok && len(aclfile.Args) == 1 && aclfile.Args[0] != ""
	if hasACLFile {
		out = append(out, Conflict{Directive: aclfile, Why: fmt.Sprintf(
			"aclfile is set (%s line %d): Redis takes its users from %s and ignores requirepass; remove aclfile or set the default user's password in that file",
			aclfile.File, aclfile.Line, aclfile.Args[0])})
	}
	for _, d := range c.All("user") {
		switch {
		case hasACLFile:
			out = append(out, Conflict{Directive: d, Why: fmt.Sprintf(
				"user line at %s line %d while aclfile is set: Redis refuses to start when users are declared both in redis.conf and in an ACL file; remove the user lines or the aclfile",
				d.File, d.Line)})
		case len(d.Args) > 0 && d.Args[0] == "default":
			out = append(out, Conflict{Directive: d, Why: fmt.Sprintf(
				"`user default` at %s line %d: ACL user lines apply after the whole file and reset the default user, so requirepass is overridden; remove the line or manage the password there",
				d.File, d.Line)})
		}
	}
	return out
}
