package redisconf

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// mapFS is an in-memory FS: path -> content.
type mapFS map[string]string

func (m mapFS) ReadFile(p string) ([]byte, error) {
	s, ok := m[p]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
	}
	return []byte(s), nil
}

func (m mapFS) Glob(pattern string) ([]string, error) {
	var out []string
	for k := range m {
		ok, err := path.Match(pattern, k)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out, nil
}

func mustLoad(t *testing.T, fsys FS, main string) *Config {
	t.Helper()
	c, err := Load(fsys, main)
	if err != nil {
		t.Fatalf("Load(%s): %v", main, err)
	}
	return c
}

func names(c *Config) string {
	var n []string
	for _, d := range c.Directives {
		n = append(n, d.Name)
	}
	return strings.Join(n, ",")
}

func wantLast(t *testing.T, c *Config, name string, args []string, file string, line int) {
	t.Helper()
	d, ok := c.Last(name)
	if !ok {
		t.Fatalf("Last(%q): not found", name)
	}
	if !slices.Equal(d.Args, args) || d.File != file || d.Line != line {
		t.Fatalf("Last(%q) = %q at %s:%d, want %q at %s:%d", name, d.Args, d.File, d.Line, args, file, line)
	}
}

func TestLoadBasics(t *testing.T) {
	fsys := mapFS{"/etc/redis/redis.conf": "# comment\n" +
		"   # indented comment\n" +
		"\n" +
		"BIND 127.0.0.1 -::1\n" +
		"requirepass first\r\n" +
		"  RequirePass \"second one\"  \n" +
		"rename-command FLUSHALL \"\"\n" +
		"rename-command CONFIG cfg\n" +
		"\v\n" +
		"port 6379"}
	c := mustLoad(t, fsys, "/etc/redis/redis.conf")
	if got := names(c); got != "bind,requirepass,requirepass,rename-command,rename-command,port" {
		t.Fatalf("names = %s", got)
	}
	wantLast(t, c, "REQUIREPASS", []string{"second one"}, "/etc/redis/redis.conf", 6)
	wantLast(t, c, "bind", []string{"127.0.0.1", "-::1"}, "/etc/redis/redis.conf", 4)
	wantLast(t, c, "port", []string{"6379"}, "/etc/redis/redis.conf", 10)
	rc := c.All("rename-command")
	if len(rc) != 2 || !slices.Equal(rc[0].Args, []string{"FLUSHALL", ""}) || !slices.Equal(rc[1].Args, []string{"CONFIG", "cfg"}) {
		t.Fatalf("All(rename-command) = %+v", rc)
	}
	if _, ok := c.Last("unixsocket"); ok {
		t.Fatal("Last(unixsocket) found a directive that is not there")
	}
	if !slices.Equal(c.Files, []string{"/etc/redis/redis.conf"}) {
		t.Fatalf("Files = %q", c.Files)
	}
}

func TestLoadIncludeWhereItStands(t *testing.T) {
	fsys := mapFS{
		"/etc/redis/redis.conf":  "requirepass a\ninclude /etc/redis/extra.conf\nport 1\n",
		"/etc/redis/extra.conf":  "\nrequirepass b\ninclude /etc/redis/deeper.conf\n",
		"/etc/redis/deeper.conf": "masterauth m\n",
	}
	c := mustLoad(t, fsys, "/etc/redis/redis.conf")
	if got := names(c); got != "requirepass,include,requirepass,include,masterauth,port" {
		t.Fatalf("names = %s", got)
	}
	wantLast(t, c, "requirepass", []string{"b"}, "/etc/redis/extra.conf", 2)
	wantLast(t, c, "masterauth", []string{"m"}, "/etc/redis/deeper.conf", 1)
	if want := []string{"/etc/redis/redis.conf", "/etc/redis/extra.conf", "/etc/redis/deeper.conf"}; !slices.Equal(c.Files, want) {
		t.Fatalf("Files = %q, want %q", c.Files, want)
	}

	// A directive after the include wins over the included one.
	fsys["/etc/redis/redis.conf"] = "include /etc/redis/extra.conf\nrequirepass c\n"
	c = mustLoad(t, fsys, "/etc/redis/redis.conf")
	wantLast(t, c, "requirepass", []string{"c"}, "/etc/redis/redis.conf", 2)
}

func TestLoadGlobOrder(t *testing.T) {
	fsys := mapFS{
		"/etc/redis/redis.conf":          "requirepass main\ninclude /etc/redis/conf.d/*.conf\n",
		"/etc/redis/conf.d/b.conf":       "requirepass b\n",
		"/etc/redis/conf.d/a.conf":       "requirepass a\nport 1\n",
		"/etc/redis/conf.d/c.conf":       "port 3\n",
		"/etc/redis/conf.d/.hidden.conf": "requirepass hidden\n",
		"/etc/redis/conf.d/z.txt":        "requirepass txt\n",
	}
	c := mustLoad(t, fsys, "/etc/redis/redis.conf")
	var got []string
	for _, d := range c.All("requirepass") {
		got = append(got, d.Args[0])
	}
	if want := []string{"main", "a", "b"}; !slices.Equal(got, want) {
		t.Fatalf("requirepass values = %q, want %q", got, want)
	}
	wantLast(t, c, "port", []string{"3"}, "/etc/redis/conf.d/c.conf", 1)
	want := []string{"/etc/redis/redis.conf", "/etc/redis/conf.d/a.conf", "/etc/redis/conf.d/b.conf", "/etc/redis/conf.d/c.conf"}
	if !slices.Equal(c.Files, want) {
		t.Fatalf("Files = %q, want %q", c.Files, want)
	}

	// An explicit leading dot matches hidden files, as in glob(3).
	fsys["/etc/redis/redis.conf"] = "include /etc/redis/conf.d/.*.conf\n"
	c = mustLoad(t, fsys, "/etc/redis/redis.conf")
	wantLast(t, c, "requirepass", []string{"hidden"}, "/etc/redis/conf.d/.hidden.conf", 1)
}

func TestLoadGlobNoMatchIsFine(t *testing.T) {
	fsys := mapFS{"/r.conf": "include /etc/redis/conf.d/*.conf\nport 1\n"}
	c := mustLoad(t, fsys, "/r.conf")
	wantLast(t, c, "port", []string{"1"}, "/r.conf", 2)
}

// Redis concatenates a glob's files before parsing: a file without a final
// newline runs into the next one.
func TestLoadGlobConcatenatesLikeRedis(t *testing.T) {
	fsys := mapFS{
		"/r.conf":         "include /d/*.conf\n",
		"/d/a.conf":       "port 1\nrequirepass x",
		"/d/b.conf":       "y z\nbind 127.0.0.1\n",
		"/d/b-empty.conf": "",
	}
	c := mustLoad(t, fsys, "/r.conf")
	wantLast(t, c, "requirepass", []string{"xy", "z"}, "/d/a.conf", 2)
	wantLast(t, c, "bind", []string{"127.0.0.1"}, "/d/b.conf", 2)
	if want := []string{"/r.conf", "/d/a.conf", "/d/b-empty.conf", "/d/b.conf"}; !slices.Equal(c.Files, want) {
		t.Fatalf("Files = %q, want %q", c.Files, want)
	}
}

func TestLoadRelativePathsFollowDir(t *testing.T) {
	fsys := mapFS{
		"/etc/redis/redis.conf": "include extra.conf\n" +
			"dir /etc\n" +
			"dir redis\n" +
			"include extra.conf\n" +
			"include sub/set-dir.conf\n" +
			"include extra.conf\n" +
			"include *.glob\n",
		"/extra.conf":                 "port 1\n",
		"/etc/redis/extra.conf":       "port 2\n",
		"/etc/redis/sub/set-dir.conf": "dir /var/lib/redis\n",
		"/var/lib/redis/extra.conf":   "port 3\n",
		"/var/lib/redis/x.glob":       "port 4\n",
	}
	c := mustLoad(t, fsys, "/etc/redis/redis.conf")
	var ports []string
	for _, d := range c.All("port") {
		ports = append(ports, d.Args[0]+"@"+d.File)
	}
	want := []string{"1@/extra.conf", "2@/etc/redis/extra.conf", "3@/var/lib/redis/extra.conf", "4@/var/lib/redis/x.glob"}
	if !slices.Equal(ports, want) {
		t.Fatalf("ports = %q, want %q", ports, want)
	}

	// Another start directory, and a relative main path.
	c, err := LoadFromDir(mapFS{"/srv/r.conf": "include extra.conf\n", "/srv/extra.conf": "port 9\n"}, "r.conf", "/srv")
	if err != nil {
		t.Fatal(err)
	}
	wantLast(t, c, "port", []string{"9"}, "/srv/extra.conf", 1)
}

func TestLoadRelativeGlobEscapesDir(t *testing.T) {
	fsys := mapFS{
		"/r.conf":          "dir /we*rd[1]\ninclude *.conf\n",
		"/we*rd[1]/a.conf": "port 1\n",
		"/weXrd1/a.conf":   "port 2\n",
	}
	c := mustLoad(t, fsys, "/r.conf")
	wantLast(t, c, "port", []string{"1"}, "/we*rd[1]/a.conf", 1)
}

func TestLoadSameFileTwiceIsNotALoop(t *testing.T) {
	fsys := mapFS{"/r.conf": "include /x.conf\ninclude /x.conf\n", "/x.conf": "port 1\n"}
	c := mustLoad(t, fsys, "/r.conf")
	if n := len(c.All("port")); n != 2 {
		t.Fatalf("port read %d times, want 2", n)
	}
	if !slices.Equal(c.Files, []string{"/r.conf", "/x.conf"}) {
		t.Fatalf("Files = %q", c.Files)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name     string
		fsys     mapFS
		file     string
		line     int
		contains string
		is       error
	}{
		{
			name: "self include", fsys: mapFS{"/r.conf": "port 1\ninclude /r.conf\n"},
			file: "/r.conf", line: 2, contains: "include loop",
		},
		{
			name: "two-file loop", fsys: mapFS{"/r.conf": "include /a.conf\n", "/a.conf": "\ninclude ../r.conf\n"},
			file: "/a.conf", line: 2, contains: "include loop",
		},
		{
			name: "glob loop", fsys: mapFS{"/r.conf": "include /d/*.conf\n", "/d/a.conf": "port 1\n", "/d/b.conf": "include /d/*.conf\n"},
			file: "/d/b.conf", line: 1, contains: "include loop",
		},
		{
			name: "missing include", fsys: mapFS{"/r.conf": "port 1\n\ninclude /nope.conf\n"},
			file: "/r.conf", line: 3, contains: "/nope.conf", is: fs.ErrNotExist,
		},
		{
			name: "unbalanced quotes in include", fsys: mapFS{"/r.conf": "include /a.conf\n", "/a.conf": "# ok\nrequirepass \"abc\n"},
			file: "/a.conf", line: 2, contains: "quot", is: ErrUnbalancedQuotes,
		},
		{
			name: "closing quote followed by text", fsys: mapFS{"/r.conf": "requirepass 'a'b\n"},
			file: "/r.conf", line: 1, is: ErrUnbalancedQuotes,
		},
		{
			name: "include with two paths", fsys: mapFS{"/r.conf": "include /a.conf /b.conf\n"},
			file: "/r.conf", line: 1, contains: "exactly one path",
		},
		{
			name: "dir without path", fsys: mapFS{"/r.conf": "dir\n"},
			file: "/r.conf", line: 1, contains: "dir needs",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.fsys, "/r.conf")
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("Load error = %v, want a *LineError", err)
			}
			if le.File != tc.file || le.Line != tc.line {
				t.Fatalf("error at %s:%d, want %s:%d (%v)", le.File, le.Line, tc.file, tc.line, err)
			}
			if !strings.Contains(err.Error(), tc.contains) {
				t.Fatalf("error %q does not contain %q", err, tc.contains)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("error %v is not %v", err, tc.is)
			}
		})
	}

	_, err := Load(mapFS{}, "/etc/redis/redis.conf")
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "/etc/redis/redis.conf") {
		t.Fatalf("missing main file: %v", err)
	}
}

func TestLoadDeepNestingStops(t *testing.T) {
	fsys := mapFS{"/r.conf": "include /f0.conf\n"}
	for i := range maxIncludeDepth + 5 {
		fsys["/f"+strconv.Itoa(i)+".conf"] = "include /f" + strconv.Itoa(i+1) + ".conf\n"
	}
	_, err := Load(fsys, "/r.conf")
	if err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Fatalf("Load = %v, want a nesting error", err)
	}
}

// Redis reads with fgets and appends with sdscat, which stops at a NUL: the
// rest of that line, newline included, is lost.
func TestLoadNULCutsTheLineLikeRedis(t *testing.T) {
	c := mustLoad(t, mapFS{"/r.conf": "requirepass a\x00junk\nport 1\nbind x\n"}, "/r.conf")
	wantLast(t, c, "requirepass", []string{"aport", "1"}, "/r.conf", 1)
	wantLast(t, c, "bind", []string{"x"}, "/r.conf", 2)
}

func TestConflicts(t *testing.T) {
	tests := []struct {
		name string
		conf string
		want []string // "name@line"
	}{
		{name: "none", conf: "requirepass x\nuser alice on >pw ~* +@all\n", want: nil},
		{name: "aclfile", conf: "requirepass x\naclfile /etc/redis/users.acl\n", want: []string{"aclfile@2"}},
		{name: "empty aclfile is unset", conf: "aclfile /a.acl\naclfile \"\"\n", want: nil},
		{name: "user default anywhere", conf: "user default on nopass\nrequirepass x\n", want: []string{"user@1"}},
		{name: "user Default is another user", conf: "user Default on nopass\n", want: nil},
		{name: "users with aclfile", conf: "aclfile /a.acl\nuser alice on\nUSER default on\n", want: []string{"aclfile@1", "user@2", "user@3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustLoad(t, mapFS{"/r.conf": tc.conf}, "/r.conf")
			var got []string
			for _, cf := range c.Conflicts() {
				if cf.Why == "" {
					t.Fatalf("conflict without a reason: %+v", cf)
				}
				got = append(got, cf.Directive.Name+"@"+strconv.Itoa(cf.Directive.Line))
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Conflicts = %q, want %q", got, tc.want)
			}
		})
	}
}
