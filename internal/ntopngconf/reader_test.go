package ntopngconf

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseLines(t *testing.T) {
	tests := []struct {
		raw      string
		name     string
		value    string
		ignored  bool
		reasonIn string
	}{
		{raw: "--http-port=3000", name: "http-port", value: "3000"},
		{raw: "--http-port 3000", name: "http-port", value: "3000"},
		{raw: "-w=3000", name: "http-port", value: "3000"},
		{raw: "-w 3000", name: "http-port", value: "3000"},
		{raw: "  \"--user=ntop\"  ", name: "user", value: "ntop"},
		{raw: "--user=ntopng # note", name: "user", value: "ntopng # note"},
		{raw: "--http-port = 3000", name: "http-port", value: "= 3000"},
		{raw: "--daemon", name: "daemon"},
		{raw: "-s", name: "dont-change-user"},
		{raw: "--dont-change-user=no", name: "dont-change-user", value: "no"},
		{raw: "--pid=/run/ntopng.pid", name: "pid", value: "/run/ntopng.pid"},
		{raw: "--zmq-encryption", name: "zmq-encryption"},
		{raw: "--user\x00=x", ignored: true, reasonIn: "needs a value"},
		{raw: "# comment", ignored: true, reasonIn: "comment"},
		{raw: "  ", ignored: true, reasonIn: "shorter than 2"},
		{raw: "-", ignored: true, reasonIn: "shorter than 2"},
		{raw: "http-port=1", ignored: true, reasonIn: "does not start with '-'"},
		{raw: "--pid-path=/x", ignored: true, reasonIn: `"--pid-path"`},
		{raw: "--http-port\t3011", ignored: true, reasonIn: "not a tab"},
		{raw: "-w3009", ignored: true, reasonIn: "short option must be followed"},
		{raw: "-A 1", ignored: true, reasonIn: `unknown short option "-A"`},
		{raw: "--user=", ignored: true, reasonIn: "needs a value"},
		{raw: "--user=\" \"", ignored: true, reasonIn: "needs a value"},
		{raw: "-U", ignored: true, reasonIn: "needs a value"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			lines := ParseLines(tt.raw + "\n")
			if len(lines) != 1 {
				t.Fatalf("got %d lines, want 1", len(lines))
			}
			l := lines[0]
			if l.Num != 1 || l.Raw != tt.raw {
				t.Errorf("Num, Raw = %d, %q; want 1, %q", l.Num, l.Raw, tt.raw)
			}
			if l.Ignored != tt.ignored || !strings.Contains(l.Reason, tt.reasonIn) {
				t.Errorf("Ignored, Reason = %v, %q; want %v and a reason containing %q", l.Ignored, l.Reason, tt.ignored, tt.reasonIn)
			}
			if l.Name != tt.name || l.Value != tt.value || l.HasValue != (tt.value != "") {
				t.Errorf("Name, Value, HasValue = %q, %q, %v; want %q, %q, %v", l.Name, l.Value, l.HasValue, tt.name, tt.value, tt.value != "")
			}
		})
	}
}

func TestParseLinesNumbersAndLongLines(t *testing.T) {
	long := "#" + strings.Repeat("x", lineBufferSize-2) + "--user=hidden"
	text := "--user=a\r\n\n" + long + "\nlast-without-newline"
	lines := ParseLines(text)
	var nums []int
	for _, l := range lines {
		nums = append(nums, l.Num)
	}
	if want := []int{1, 2, 3, 3, 4}; !reflect.DeepEqual(nums, want) {
		t.Fatalf("line numbers = %v, want %v", nums, want)
	}
	if lines[0].Raw != "--user=a\r" || lines[0].Value != "a" {
		t.Errorf("CRLF line = %+v, want value a", lines[0])
	}
	// fgets reads 16383 bytes at a time: the end of the comment becomes a line.
	if lines[3].Name != "user" || lines[3].Value != "hidden" {
		t.Errorf("second piece of the long line = %+v, want --user=hidden", lines[3])
	}
	if e := EvaluateText(text); e.User != "hidden" || !reflect.DeepEqual(e.IgnoredLines, []int{2, 3, 4}) {
		t.Errorf("User, IgnoredLines = %q, %v; want hidden, [2 3 4]", e.User, e.IgnoredLines)
	}
}

// TestLineBufferBoundary: Prefs::loadFromFile reads with fgets(buffer, 16384, fd) (ntopng
// e21c91d7), which stores at most 16383 bytes: a longer line is cut there and the rest of it is
// read as the next "line". A line of exactly 16383 bytes is read whole; its line feed then
// comes alone and is skipped as blank, which does not make the line an ignored one.
func TestLineBufferBoundary(t *testing.T) {
	if lineBufferSize != 16384 || MaxLineLen != 16383 {
		t.Fatalf("lineBufferSize, MaxLineLen = %d, %d; want ntopng's 16384, 16383", lineBufferSize, MaxLineLen)
	}
	for _, c := range []struct {
		n         int      // bytes of line 1, without its line feed
		raws      []string // the pieces of line 1 after the first, as ntopng reads them
		userLen   int      // length of the --user value ntopng ends up with
		ignored   []int
		remainder bool // the second piece is parsed and ignored
	}{
		{16383, []string{""}, 16376, []int{}, false},
		{16384, []string{"a"}, 16376, []int{1}, true},
		{16385, []string{"aa"}, 16376, []int{1}, true},
		{16382, nil, 16375, []int{}, false},
	} {
		text := "--user=" + strings.Repeat("a", c.n-len("--user=")) + "\n--http-port=3001\n"
		lines := ParseLines(text)
		if len(lines) != 2+len(c.raws) {
			t.Fatalf("%d bytes: %d pieces, want %d", c.n, len(lines), 2+len(c.raws))
		}
		if l := lines[0]; l.Num != 1 || l.Ignored || l.Name != "user" || len(l.Value) != c.userLen || len(l.Raw) != min(c.n, 16383) {
			t.Errorf("%d bytes: first piece Num %d, Ignored %v, Name %q, value %d bytes, raw %d bytes; want line 1 setting user to %d bytes",
				c.n, l.Num, l.Ignored, l.Name, len(l.Value), len(l.Raw), c.userLen)
		}
		for i, raw := range c.raws {
			if l := lines[1+i]; l.Num != 1 || l.Raw != raw || !l.Ignored || l.Name != "" {
				t.Errorf("%d bytes: piece %d = %+v, want line 1's rest %q, ignored", c.n, 1+i, l, raw)
			}
		}
		if l := lines[len(lines)-1]; l.Num != 2 || l.Name != "http-port" {
			t.Errorf("%d bytes: last piece %+v, want line 2's --http-port", c.n, l)
		}
		e := EvaluateText(text)
		if len(e.User) != c.userLen || e.HTTPPort != 3001 || !reflect.DeepEqual(e.IgnoredLines, c.ignored) {
			t.Errorf("%d bytes: user %d bytes, HTTP port %d, IgnoredLines %v; want %d bytes, 3001, %v",
				c.n, len(e.User), e.HTTPPort, e.IgnoredLines, c.userLen, c.ignored)
		}
	}

	// The rest of a long line is read as a line of its own, option and all.
	for n, wantZ := range map[int]bool{16383: false, 16384: false, 16385: true} {
		text := "#" + strings.Repeat("x", n-3) + "-z\n"
		_, z := EvaluateText(text).Options["-z"]
		if z != wantZ {
			t.Errorf("comment of %d bytes ending in -z: -z applied %v, want %v", n, z, wantZ)
		}
	}

	// What the provider renders at the longest value it accepts, ntopng reads back whole.
	v := strings.Repeat("b", MaxValueLen("user"))
	if err := ValidateValue("user", v); err != nil {
		t.Fatalf("ValidateValue at MaxValueLen: %v", err)
	}
	line := Setting{Name: "user", Value: v}.Render()
	if e := EvaluateText(line + "\n"); len(line) != 16383 || e.User != v || len(e.IgnoredLines) != 0 {
		t.Errorf("rendered line of %d bytes read back as user of %d bytes, ignored %v", len(line), len(e.User), e.IgnoredLines)
	}
}

func TestCTrim(t *testing.T) {
	tests := map[string]string{
		"":               "",
		"  a  ":          "a",
		`"a"`:            "a",
		`'"a b"'`:        "a b",
		"\t\v\f\r\n x":   "x",
		`"`:              "",
		`a"`:             "a",
		`x'`:             "x",
		"\xa0a\xa0":      "\xa0a\xa0",
		`" ' "`:          "",
		`"a" "b"`:        `a" "b`,
		"--user=\"n\"\n": `--user="n`,
	}
	for in, want := range tests {
		if got := cTrim(in); got != want {
			t.Errorf("cTrim(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAtoi(t *testing.T) {
	tests := map[string]int32{
		"3000":                  3000,
		"  42x":                 42,
		"+7":                    7,
		"-5":                    -5,
		"= 3000":                0,
		"":                      0,
		"4294967297":            1,
		"99999999999999999999":  -1,
		"-99999999999999999999": 0,
	}
	for in, want := range tests {
		if got := atoi(in); got != want {
			t.Errorf("atoi(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestStrtok(t *testing.T) {
	tok, rest, ok := strtok("::a:b", ":")
	if !ok || tok != "a" || rest != "b" {
		t.Errorf("strtok(\"::a:b\") = %q, %q, %v; want a, b, true", tok, rest, ok)
	}
	tok, rest, ok = strtok(":p:w", "")
	if !ok || tok != ":p:w" || rest != "" {
		t.Errorf("strtok with no delimiters = %q, %q, %v; want the whole string", tok, rest, ok)
	}
	if _, _, ok := strtok(":::", ":"); ok {
		t.Errorf("strtok(\":::\") found a token, want none")
	}
}

func TestEvaluateDefaults(t *testing.T) {
	e := EvaluateText("")
	want := Effective{
		HTTPPort: 3000, HTTPBind: BindAnyIPv4, HTTPSPort: 0, HTTPSBind: BindAnyIPv4,
		User: "ntopng", ChangeUser: true,
		RedisHost: "127.0.0.1", RedisPort: 6379, RedisDB: 0,
		DataDir: DefaultDataDir, DocsDir: DefaultDocsDir,
		Options: map[string]string{}, IgnoredLines: []int{},
		IgnoredByFile: map[string][]int{}, Sources: map[string]string{},
	}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("EvaluateText(\"\") = %+v\nwant %+v", e, want)
	}
	if e.HTTPListen() != "3000" || e.HTTPSListen() != "disabled" {
		t.Errorf("listen = %q, %q; want 3000, disabled", e.HTTPListen(), e.HTTPSListen())
	}
}

func TestEvaluateSettings(t *testing.T) {
	tests := []struct {
		name, text string
		check      func(Effective) bool
	}{
		{"http port list takes first", "-w=3001,3002\n", func(e Effective) bool { return e.HTTPPort == 3001 }},
		{"http port negative is unsigned", "-w=-1\n", func(e Effective) bool { return e.HTTPPort == 4294967295 }},
		{"https keeps earlier address", "-W=10.0.0.1:443\n-W=8443\n", func(e Effective) bool { return e.HTTPSListen() == "10.0.0.1:8443" }},
		{"http listen loopback", "-w=127.0.0.1:80\n", func(e Effective) bool { return e.HTTPListen() == ":80" }},
		{"http listen ipv6", "-w=[::1]:80\n", func(e Effective) bool { return e.HTTPListen() == "[::1]:80" }},
		{"redis keeps earlier password", "-r=h:1:secret@1\n-r=g:2@3\n", func(e Effective) bool {
			return e.RedisHost == "g" && e.RedisPort == 2 && e.RedisDB == 3 && e.RedisPassword != nil && *e.RedisPassword == "secret"
		}},
		{"redis socket with password", "-r=/run/redis/redis-server.sock:0:pw@0\n", func(e Effective) bool {
			return e.RedisHost == "/run/redis/redis-server.sock" && e.RedisPort == 0 && *e.RedisPassword == "pw"
		}},
		{"redis at without number stays", "-r=h:6379:p@ss\n", func(e Effective) bool { return *e.RedisPassword == "p@ss" && e.RedisDB == 0 }},
		{"redis db only", "-r=@7\n", func(e Effective) bool { return e.RedisHost == "127.0.0.1" && e.RedisDB == 7 }},
		{"redis cut at 127 bytes", "-r=h:1:" + strings.Repeat("p", 200) + "@2\n", func(e Effective) bool {
			return len(*e.RedisPassword) == 127-4 && e.RedisDB == 0
		}},
		{"user set keeps ntopng on old dir", "-d=/var/tmp/ntopng\n-U ntopng\n", func(e Effective) bool { return e.User == "ntopng" }},
		{"data dir slash alone stays", "-d=/\n", func(e Effective) bool { return e.DataDir == "/" }},
		{"docs dir trailing slash", "-1=/opt/docs/\n", func(e Effective) bool { return e.DocsDir == "/opt/docs" }},
		{"flag value ignored in options", "--dont-change-user=no\n", func(e Effective) bool {
			v, ok := e.Options["dont-change-user"]
			return ok && v == "" && !e.ChangeUser
		}},
		{"options keep last value", "-U a\n--user=b\n--interface=eth0\n", func(e Effective) bool {
			return e.Options["user"] == "b" && e.Options["interface"] == "eth0" && len(e.Options) == 2
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if e := EvaluateText(tt.text); !tt.check(e) {
				t.Errorf("EvaluateText(%q) = %+v", tt.text, e)
			}
		})
	}
}

func TestEvaluateDropIns(t *testing.T) {
	e := Evaluate(
		File{Name: "/etc/ntopng/ntopng.conf", Text: "--user=a\n--http-port=3000\nbad\n"},
		File{Name: "/etc/ntopng/ntopng.conf.d/10-a.conf", Text: "# x\n--http-port=:3001\n"},
		File{Name: "/etc/ntopng/ntopng.conf.d/20-b.conf", Text: "--redis=h@1"},
		File{Name: "/etc/ntopng/ntopng.conf.d/30-c.conf", Text: "--user=z\nnope\n"},
	)
	if e.HTTPPort != 3001 || e.HTTPBind != BindLoopback {
		t.Errorf("HTTP = %d %s, want 3001 loopback", e.HTTPPort, e.HTTPBind)
	}
	// 20-b.conf has no final line feed: its line runs into "--user=z".
	if e.RedisHost != "h@1--user=z" || e.RedisDB != 0 || e.User != "a" {
		t.Errorf("Redis host/db, user = %q/%d, %q; want the joined line's host \"h@1--user=z\", db 0 and user a", e.RedisHost, e.RedisDB, e.User)
	}
	wantSources := map[string]string{
		"user":      "/etc/ntopng/ntopng.conf",
		"http-port": "/etc/ntopng/ntopng.conf.d/10-a.conf",
		"redis":     "/etc/ntopng/ntopng.conf.d/20-b.conf",
	}
	if !reflect.DeepEqual(e.Sources, wantSources) {
		t.Errorf("Sources = %v, want %v", e.Sources, wantSources)
	}
	if !reflect.DeepEqual(e.IgnoredLines, []int{3}) {
		t.Errorf("IgnoredLines = %v, want [3]", e.IgnoredLines)
	}
	wantIgnored := map[string][]int{
		"/etc/ntopng/ntopng.conf":             {3},
		"/etc/ntopng/ntopng.conf.d/10-a.conf": {1},
		"/etc/ntopng/ntopng.conf.d/30-c.conf": {2},
	}
	if !reflect.DeepEqual(e.IgnoredByFile, wantIgnored) {
		t.Errorf("IgnoredByFile = %v, want %v", e.IgnoredByFile, wantIgnored)
	}
}

func TestLookupOption(t *testing.T) {
	for _, name := range []string{"http-port", "--http-port", "w", "-w"} {
		if o, ok := LookupOption(name); !ok || o.Long != "http-port" || o.Short != 'w' || !o.TakesValue {
			t.Errorf("LookupOption(%q) = %+v, %v; want http-port", name, o, ok)
		}
	}
	for _, name := range []string{"pid-path", "", "-", "--", "A", "http"} {
		if o, ok := LookupOption(name); ok {
			t.Errorf("LookupOption(%q) = %+v, want not found", name, o)
		}
	}
	if o, ok := OptionByShort('s'); !ok || o.Long != "dont-change-user" || o.TakesValue {
		t.Errorf("OptionByShort('s') = %+v, %v", o, ok)
	}
	if _, ok := OptionByShort(0); ok {
		t.Errorf("OptionByShort(0) found an option")
	}
	names := KnownOptions()
	if len(names) != len(table) || names[0] != "appliance" {
		t.Errorf("KnownOptions() = %v", names)
	}
	seen := map[string]bool{}
	shorts := map[byte]bool{}
	for _, o := range table {
		if seen[o.Long] || (o.Short != 0 && shorts[o.Short]) {
			t.Errorf("option %+v is listed twice", o)
		}
		seen[o.Long], shorts[o.Short] = true, o.Short != 0
	}
}
