package ntopngconf

import (
	"sort"
	"strconv"
	"strings"
)

// Defaults ntopng uses when its configuration says nothing.
const (
	DefaultHTTPPort  = 3000
	DefaultUser      = "ntopng"
	DefaultRedisHost = "127.0.0.1"
	DefaultRedisPort = 6379
	// DefaultDataDir is CONST_DEFAULT_DATA_DIR on Linux.
	DefaultDataDir = "/var/lib/ntopng"
	// DefaultDocsDir is where ntopng finds its httpdocs when installed from
	// a package; its ssl/ folder holds the HTTPS certificate.
	DefaultDocsDir = "/usr/share/ntopng/httpdocs"

	oldDefaultDataDir = "/var/tmp/ntopng"
	oldDefaultUser    = "nobody"
	loopbackAddress   = "127.0.0.1"
)

// Words used in Effective.HTTPBind and Effective.HTTPSBind.
const (
	// BindAnyIPv4 means the web server listens on every IPv4 address.
	BindAnyIPv4 = "any-ipv4"
	// BindLoopback means the web server listens on 127.0.0.1 only.
	BindLoopback = "loopback"
)

// Effective is what ntopng uses after reading its configuration.
type Effective struct {
	// HTTPPort is the HTTP port; 0 turns HTTP off, but when HTTPS does not
	// start either ntopng falls back to HTTP on an ephemeral port.
	HTTPPort int
	// HTTPBind is BindAnyIPv4, BindLoopback or the address exactly as ntopng
	// passes it to its web server (IPv6 in brackets). It is BindAnyIPv4
	// whenever HTTPPort is 0: ntopng then drops the address.
	HTTPBind string
	// HTTPSPort is the HTTPS port, 0 (off) by default. HTTPS also needs the
	// certificate <DocsDir>/ssl/ntopng-cert.pem.
	HTTPSPort int
	// HTTPSBind is like HTTPBind, for HTTPS.
	HTTPSBind string
	// User is the account ntopng runs as after start-up.
	User string
	// ChangeUser is false when --dont-change-user keeps ntopng running as root.
	ChangeUser bool
	// RedisHost is the Redis host name, address or Unix socket path.
	RedisHost string
	// RedisPort is the Redis TCP port.
	RedisPort int
	// RedisDB is the Redis database number.
	RedisDB int
	// RedisPassword is nil when ntopng sends no AUTH.
	RedisPassword *string
	// DataDir is ntopng's working directory (--data-dir).
	DataDir string
	// DocsDir is the httpdocs folder (--httpdocs-dir), as written.
	DocsDir string
	// Options holds the last value of every option ntopng accepted, by long
	// name ("-z" for the one option without a long name); a flag maps to "".
	Options map[string]string
	// IgnoredLines lists, in order, the numbers of the lines of the first
	// file that ntopng skips or ignores.
	IgnoredLines []int
	// IgnoredByFile lists the ignored lines of every file that has some, by
	// file name.
	IgnoredByFile map[string][]int
	// Sources maps a long option name to the name of the file that set it
	// last.
	Sources map[string]string
}

// File is a configuration file: its name (used in Effective.Sources) and text.
type File struct {
	Name, Text string
}

// EvaluateText reads one configuration file named "ntopng.conf".
func EvaluateText(text string) Effective {
	return Evaluate(File{Name: "ntopng.conf", Text: text})
}

// Evaluate reads the main file followed by its drop-ins
// (ntopng.conf.d/*.conf in lexical order) as ntopng reads their concatenation,
// which the ntop systemd unit builds byte for byte: a file that does not end
// with a line feed runs into the first line of the next one. A line belongs to
// the file it starts in; give the files distinct names. The unit also comments out -e, -G, --daemon and --pid
// lines; Evaluate does not, so Options still shows them.
func Evaluate(files ...File) Effective {
	var all strings.Builder
	starts := make([]int, len(files))
	firstLine := make([]int, len(files)) // line of the concatenation where file i starts
	line := 1
	for i, f := range files {
		starts[i], firstLine[i] = all.Len(), line
		all.WriteString(f.Text)
		line += strings.Count(f.Text, "\n")
	}
	text := all.String()

	s := newState()
	e := Effective{
		Options:       map[string]string{},
		IgnoredLines:  []int{},
		IgnoredByFile: map[string][]int{},
		Sources:       map[string]string{},
	}
	for _, pc := range pieces(text) {
		fi := fileAt(starts, pc.start)
		num := pc.num - firstLine[fi] + 1
		p := parseLine(num, pc.raw)
		name := files[fi].Name
		if p.Ignored {
			if pc.lineFeedOnly() {
				continue
			}
			if l := e.IgnoredByFile[name]; len(l) == 0 || l[len(l)-1] != num {
				e.IgnoredByFile[name] = append(l, num)
			}
			continue
		}
		s.apply(p.opt, p.Value)
		e.Options[p.Name] = p.Value
		if !p.opt.TakesValue {
			e.Options[p.Name] = ""
		}
		e.Sources[p.Name] = name
	}
	if len(files) > 0 {
		if first := e.IgnoredByFile[files[0].Name]; first != nil {
			e.IgnoredLines = append(e.IgnoredLines, first...)
		}
	}
	s.check()
	s.fill(&e)
	return e
}

// fileAt returns the index of the file that holds byte offset off.
func fileAt(starts []int, off int) int {
	i := sort.Search(len(starts), func(i int) bool { return starts[i] > off })
	return max(i-1, 0)
}

// state holds the Prefs fields that Effective reports.
type state struct {
	httpPort, httpsPort uint32 // u_int in Prefs
	httpAddr, httpsAddr string // "" is CONST_ANY_ADDRESS
	user                string
	userSet, changeUser bool
	redisHost           string
	redisPort, redisDB  int
	redisPassword       *string
	workingDir, docsDir string
}

func newState() *state {
	return &state{
		httpPort:   DefaultHTTPPort,
		user:       DefaultUser,
		changeUser: true,
		redisHost:  DefaultRedisHost,
		redisPort:  DefaultRedisPort,
		workingDir: DefaultDataDir,
		docsDir:    DefaultDocsDir,
	}
}

// apply follows the cases of Prefs::setOption that matter to Effective.
func (s *state) apply(o *optionDef, v string) {
	switch o.key {
	case 'w':
		s.httpAddr = s.listen(v, s.httpAddr, s.parseHTTPPort)
	case 'W':
		s.httpsAddr = s.listen(v, s.httpsAddr, func(p string) { s.httpsPort = uint32(atoi(p)) })
	case 'r':
		s.parseRedis(v)
	case 'U':
		s.user, s.userSet = v, true
	case 's':
		s.changeUser = false
	case 'd':
		s.workingDir = removeTrailingSlash(v)
	case '1':
		s.docsDir = v
	}
}

// listen is the shared shape of cases 'w' and 'W': "port", ":port" (loopback)
// or "address:port" split at the last ':'. It returns the new address.
func (s *state) listen(v, addr string, port func(string)) string {
	switch i := strings.LastIndexByte(v, ':'); {
	case i < 0:
		port(v)
	case v[0] == ':':
		port(v[1:])
		addr = loopbackAddress
	default:
		addr = v[:i]
		port(v[i+1:])
	}
	return addr
}

// parseHTTPPort is Prefs::parseHTTPPort: the first comma-separated token of
// the first 31 bytes, when there is one.
func (s *state) parseHTTPPort(arg string) {
	if tok, _, ok := strtok(truncate(arg, 32), ","); ok {
		s.httpPort = uint32(atoi(tok))
	}
}

// parseRedis is case 'r': [host[:port[:password]]][@db] in a 128-byte buffer.
func (s *state) parseRedis(v string) {
	buf := truncate(v, 128)
	if at := strings.LastIndexByte(buf, '@'); at >= 0 && isNumber(buf[at+1:]) {
		if id := int(atoi(buf[at+1:])); id >= 0 && id <= 255 {
			s.redisDB = id
		}
		buf = buf[:at]
	}
	if !strings.Contains(buf, ":") {
		if buf != "" {
			s.redisHost = buf
		}
		return
	}
	host, rest, ok := strtok(buf, ":")
	if !ok {
		return
	}
	s.redisHost = host
	port, rest, ok := strtok(rest, ":")
	if !ok {
		return
	}
	s.redisPort = int(atoi(port))
	if pw, _, ok := strtok(rest, ""); ok {
		s.redisPassword = &pw
	}
}

// isNumber is Utils::isNumber as ntopng uses it for the Redis database: only
// digits and dots.
func isNumber(s string) bool {
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '.' {
			return false
		}
	}
	return true
}

// removeTrailingSlash is Ntop::removeTrailingSlash.
func removeTrailingSlash(s string) string {
	if n := len(s); n > 1 && (s[n-1] == '/' || s[n-1] == '\\') {
		return s[:n-1]
	}
	return s
}

// check follows Prefs::checkOptions.
func (s *state) check() {
	s.docsDir = removeTrailingSlash(s.docsDir)
	if s.workingDir == oldDefaultDataDir && !s.userSet {
		s.user = oldDefaultUser
	}
}

func (s *state) fill(e *Effective) {
	e.HTTPPort = int(s.httpPort)
	e.HTTPBind = bindWord(s.httpAddr)
	if s.httpPort == 0 {
		e.HTTPBind = BindAnyIPv4
	}
	e.HTTPSPort = int(s.httpsPort)
	e.HTTPSBind = bindWord(s.httpsAddr)
	e.User = s.user
	e.ChangeUser = s.changeUser
	e.RedisHost = s.redisHost
	e.RedisPort = s.redisPort
	e.RedisDB = s.redisDB
	if s.redisPassword != nil {
		pw := *s.redisPassword
		e.RedisPassword = &pw
	}
	e.DataDir = s.workingDir
	e.DocsDir = s.docsDir
}

func bindWord(addr string) string {
	switch addr {
	case "":
		return BindAnyIPv4
	case loopbackAddress:
		return BindLoopback
	}
	return addr
}

// HTTPListen returns the HTTP listener in the provider's listen syntax
// ("disabled", "PORT", ":PORT" or "ADDRESS:PORT"; see ParseListen).
func (e Effective) HTTPListen() string {
	return listenString(e.HTTPPort, e.HTTPBind)
}

// HTTPSListen returns the HTTPS listener in the provider's listen syntax.
func (e Effective) HTTPSListen() string {
	return listenString(e.HTTPSPort, e.HTTPSBind)
}

func listenString(port int, bind string) string {
	p := strconv.Itoa(port)
	switch {
	case port == 0:
		return ListenDisabled
	case bind == BindAnyIPv4:
		return p
	case bind == BindLoopback:
		return ":" + p
	}
	return bind + ":" + p
}
