// Package ntopnghardening says what a hardened ntopng.conf must contain (Desired, its checks
// and settings), what the host really has (Host: the main file, the drop-ins, the users, the
// listeners of ntopng's unit) and what counts as drift, in plain Go: ntopng_instance is the
// Terraform adapter over it.
package ntopnghardening

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
)

const (
	// DefaultConfPath is ntop's packages' configuration file.
	DefaultConfPath = "/etc/ntopng/ntopng.conf"
	// ConfMode is the mode apply gives the main file (root's, ntopng's group may read).
	ConfMode = 0o640
	// CertFileSuffix: ntopng reads its certificate only from <httpdocs>/ssl/ntopng-cert.pem.
	CertFileSuffix = "/ssl/ntopng-cert.pem"
	// DefaultRestartCommand restarts DefaultServiceName, spelled as earlier releases did.
	DefaultRestartCommand = "systemctl restart ntopng"
	// DefaultServiceName is ntop's unit for the main file.
	DefaultServiceName = "ntopng.service"
	// DefaultDataDir is ntopng's data directory when --data-dir is not given.
	DefaultDataDir = "/var/lib/ntopng"
)

// instanceConfRE is ntop's per-interface file, read by ntopng@IFACE.service (no drop-ins).
// IFACE is limited to what a unit name carries unescaped: the default restart command is a
// shell command.
var instanceConfRE = regexp.MustCompile(`^ntopng-([A-Za-z0-9:_.-]+)\.conf$`)

// DefaultService is the unit of ntop's packages that reads confPath: ntopng@IFACE.service for
// /etc/ntopng/ntopng-IFACE.conf, otherwise ntopng.service.
func DefaultService(confPath string) string {
	if m := instanceConfRE.FindStringSubmatch(path.Base(confPath)); m != nil {
		return "ntopng@" + m[1] + ".service"
	}
	return DefaultServiceName
}

// DefaultRestart restarts service; for ntopng.service it keeps the spelling of earlier releases.
func DefaultRestart(service string) string {
	if service == DefaultServiceName {
		return DefaultRestartCommand
	}
	return "systemctl restart " + service
}

// ReadsDropIns: only ntop's ntopng.service appends ntopng.conf.d/*.conf to the file it starts
// ntopng with; ntopng@IFACE.service reads its ntopng-IFACE.conf alone.
func ReadsDropIns(confPath string) bool {
	return instanceConfRE.FindString(path.Base(confPath)) == ""
}

// RedisDropInName is the drop-in that holds --redis, password included, where the main file is
// the one ntop's updater reads (RedisDropIn).
const RedisDropInName = "terraform-redis.conf"

// redisDropInHeader starts RedisDropInName. Its first line is empty: a drop-in before it whose
// last line has no line feed runs into it (the unit concatenates them byte for byte), and must
// not run into an option.
const redisDropInHeader = "\n# Written by terraform-provider-ntopng (ntopng_instance): ntopng's Redis connection, kept out of\n" +
	"# ntopng.conf, whose --redis line ntop's updater (/etc/cron.d/ntopng) puts on redis-cli's command line.\n"

// RedisDropIn is where apply writes --redis for confPath: RedisDropInName beside it when
// confPath is the file ntop's updater reads its Redis password from (UpdaterConfPath, read
// with its drop-ins by ntop's ntopng.service); "" (the main file) otherwise.
func RedisDropIn(confPath string) string {
	if confPath != UpdaterConfPath || !ReadsDropIns(confPath) {
		return ""
	}
	return path.Join(path.Dir(confPath), "ntopng.conf.d", RedisDropInName)
}

// AttributeOptions are the options that a dedicated attribute owns (option -> attribute):
// extra_options may not name them.
var AttributeOptions = map[string]string{
	"http-port":        "http_listen",
	"https-port":       "https_listen",
	"user":             "user",
	"dont-change-user": "user",
	"redis":            "redis",
	"interface":        "interfaces",
	"data-dir":         "data_dir",
	"local-networks":   "local_networks",
	"zmq-encryption":   "zmq_encryption",
	"ciphers-list":     "tls_profile",
}

// Desired is what the configuration asks of the hardened file, all values known. A nil
// slice or map, or an empty DataDir, leaves that option unmanaged.
type Desired struct {
	HTTPListen, HTTPSListen string
	User                    string
	Redis                   *ntopngconf.Redis // without its password
	Interfaces              []string          // nil: unmanaged; empty: removed
	DataDir                 string
	LocalNetworks           []string // nil: unmanaged; empty: removed
	ExtraOptions            map[string]string
	UserGroups              []string // supplementary groups of User (added by EnsureUser)
	ZMQEncryption           *bool    // nil: unmanaged; true: --zmq-encryption; false: removed
	CiphersList             *string  // nil: unmanaged; "": removed (ntopng's default)
}

// Problem is a value the configuration may not hold: Summary and Detail as the operator reads
// them; the caller names the attribute.
type Problem struct {
	Summary, Detail string
}

func (p *Problem) Error() string { return p.Summary + ": " + p.Detail }

// CheckUser refuses root.
func CheckUser(user string) *Problem {
	if user == "root" {
		return &Problem{"ntopng Must Not Run as root",
			"user = \"root\" keeps ntopng's full privileges after start-up, like --dont-change-user. Use a dedicated user such as \"ntopng\" (manage_user creates it)."}
	}
	return nil
}

// CheckRedis refuses a Redis setting ntopng would misread.
func CheckRedis(r ntopngconf.Redis) *Problem {
	if _, err := ntopngconf.RenderRedis(r); err != nil {
		return &Problem{"Invalid Redis Setting", err.Error()}
	}
	return nil
}

// CheckExtraOption refuses an extra_options entry: a short name, an option an attribute owns,
// a bad value, or a value that can carry a credential (extra_options is kept in clear text).
func CheckExtraOption(name, value string) *Problem {
	opt, known := ntopngconf.LookupOption(name)
	if known && name != opt.Long {
		return &Problem{"Use the Long Option Name", fmt.Sprintf("extra_options key %q: write ntopng's long option name %q without dashes.", name, opt.Long)}
	}
	if attrName, taken := AttributeOptions[name]; taken {
		msg := fmt.Sprintf("--%s is managed by the %s attribute; set it there, not in extra_options.", name, attrName)
		if name == "dont-change-user" {
			msg = "--dont-change-user keeps ntopng running as root after start-up; the provider refuses it and removes it from the file. Remove it from extra_options."
		}
		if name == "ciphers-list" {
			msg = "--ciphers-list is managed by tls_profile (and tls_ciphers, a TLS 1.2 list of OpenSSL cipher names); set them, not extra_options."
		}
		return &Problem{"Option Not Allowed in extra_options", msg}
	}
	if err := ntopngconf.ValidateValue(name, value); err != nil {
		return &Problem{"Invalid ntopng Option", err.Error()}
	}
	if name == "zmq-encrypt-pwd" {
		return &Problem{"Not Encryption", "--zmq-encrypt-pwd only XORs the flows nProbe sends with a shared password " +
			"(ntopng's ZMQCollectorInterface): anyone who sees one message with known content recovers the password, " +
			"and it authenticates no sender. Remove it and set zmq_encryption = true (CURVE encryption; nProbe gets " +
			"zmq_public_key with --zmq-encryption-key)."}
	}
	if Mask(name, value) != value {
		return &Problem{"Secret in extra_options", fmt.Sprintf("The value of --%s can carry a credential "+
			"(a password, a private key, a URL's user:password), and extra_options is stored in the state and the plan in "+
			"clear text. Put that line in a drop-in written outside Terraform, %s (mode 0600): the provider leaves "+
			"options it does not manage alone there, and effective_options shows the value masked.",
			name, "ntopng.conf.d/"+name+".conf beside config_path")}
	}
	return nil
}

// CheckListValue refuses one element of a list attribute rendered as a repeated (option
// "interface") or comma-joined (option "local-networks") value.
func CheckListValue(option, value string) *Problem {
	if err := ntopngconf.ValidateValue(option, value); err != nil {
		return &Problem{"Invalid Value", err.Error()}
	}
	if strings.Contains(value, ",") {
		return &Problem{"Invalid Value", fmt.Sprintf("%q contains a comma: give one value per list element.", value)}
	}
	return nil
}

// CheckDataDir refuses a data directory ntopng would misread.
func CheckDataDir(dir string) *Problem {
	if err := ntopngconf.ValidateValue("data-dir", dir); err != nil {
		return &Problem{"Invalid data_dir", err.Error()}
	}
	return nil
}

// Settings renders d into the managed options of the file (set) and the options to remove;
// password goes into --redis. The error is a Redis setting that cannot be rendered.
func (d Desired) Settings(password string) (set []ntopngconf.Setting, remove []string, err error) {
	http, _ := ntopngconf.ParseListen(d.HTTPListen)
	https, _ := ntopngconf.ParseListen(d.HTTPSListen)
	set = []ntopngconf.Setting{
		{Name: "http-port", Value: http.Render()},
		{Name: "https-port", Value: https.Render()},
		{Name: "user", Value: d.User},
	}
	remove = []string{"dont-change-user"}
	if d.Redis != nil {
		r := *d.Redis
		r.Password = password
		var v string
		v, err = ntopngconf.RenderRedis(r)
		set = append(set, ntopngconf.Setting{Name: "redis", Value: v})
	}
	if d.Interfaces != nil {
		for _, i := range d.Interfaces {
			set = append(set, ntopngconf.Setting{Name: "interface", Value: i})
		}
		if len(d.Interfaces) == 0 {
			remove = append(remove, "interface")
		}
	}
	if d.DataDir != "" {
		set = append(set, ntopngconf.Setting{Name: "data-dir", Value: d.DataDir})
	}
	if d.LocalNetworks != nil {
		if len(d.LocalNetworks) > 0 {
			set = append(set, ntopngconf.Setting{Name: "local-networks", Value: strings.Join(d.LocalNetworks, ",")})
		} else {
			remove = append(remove, "local-networks")
		}
	}
	if d.ZMQEncryption != nil {
		if *d.ZMQEncryption {
			set = append(set, ntopngconf.Setting{Name: "zmq-encryption", Flag: true})
		} else {
			remove = append(remove, "zmq-encryption")
		}
	}
	if d.CiphersList != nil && *d.CiphersList != "" {
		set = append(set, ntopngconf.Setting{Name: "ciphers-list", Value: *d.CiphersList})
	} else if d.CiphersList != nil {
		remove = append(remove, "ciphers-list")
	}
	names := make([]string, 0, len(d.ExtraOptions))
	for name := range d.ExtraOptions {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		opt, _ := ntopngconf.LookupOption(name)
		set = append(set, ntopngconf.Setting{Name: name, Value: d.ExtraOptions[name], Flag: !opt.TakesValue})
	}
	// --disable-login, in the file or a drop-in, goes unless extra_options asks for it.
	if _, wanted := d.ExtraOptions["disable-login"]; !wanted {
		remove = append(remove, "disable-login")
	}
	return set, remove, err
}

// ExpectedListeners is where ntopng listens for this configuration, sorted like the
// observed list. certPresent says whether HTTPS can start.
func ExpectedListeners(httpListen, httpsListen string, certPresent bool) []string {
	var out []string
	add := func(s string) {
		l, err := ntopngconf.ParseListen(s)
		if err != nil || l.Disabled {
			return
		}
		addr := strings.Trim(l.Address, "[]")
		switch {
		case l.Loopback:
			addr = "127.0.0.1"
		case addr == "":
			addr = "0.0.0.0"
		}
		out = append(out, livecheck.Listener{Address: addr, Port: l.Port}.HostPort())
	}
	add(httpListen)
	if certPresent {
		add(httpsListen)
	}
	sort.Strings(out)
	return out
}

// SameListener: a and b bind the same address and port ("127.0.0.1:443" and ":443" do).
func SameListener(a, b string) bool {
	return slices.Equal(ExpectedListeners(a, "", true), ExpectedListeners(b, "", true))
}

// CollectorPorts are the ports ntopng binds for flow collection, not for its web servers: an
// interface "tcp://ADDRESS:PORTc" (the "c" suffix: ntopng binds and nProbe connects, collector
// mode). Drift and verification look at the web servers only.
func CollectorPorts(ifaces []string) map[int]bool {
	ports := map[int]bool{}
	for _, i := range ifaces {
		for _, ep := range strings.Split(i, ",") { // several endpoints on one interface
			rest, ok := strings.CutPrefix(strings.TrimSpace(ep), "tcp://")
			if !ok || !strings.HasSuffix(rest, "c") {
				continue
			}
			rest = strings.TrimSuffix(rest, "c")
			if p, err := strconv.Atoi(rest[strings.LastIndexByte(rest, ':')+1:]); err == nil {
				ports[p] = true
			}
		}
	}
	return ports
}

// WebListeners are the listeners that are not flow collector endpoints, as sorted
// ADDRESS:PORT.
func WebListeners(ls []livecheck.Listener, collectors map[int]bool) []string {
	out := make([]string, 0, len(ls))
	for _, l := range ls {
		if !collectors[l.Port] {
			out = append(out, l.HostPort())
		}
	}
	sort.Strings(out)
	return out
}

// ReadBack is what the last read found of the files, for the drift rules; "" is not read.
type ReadBack struct {
	ConfigOwner  string // USER:GROUP
	ConfigMode   string // e.g. "0640"
	Writable     int    // configuration paths others may change
	DisableLogin bool   // --disable-login is in effect
}

// FilesDrifted: what ntop's package (or anyone) left that apply repairs: the file not root's or
// not 0640, a configuration path others may change, or --disable-login in the file or a
// drop-in that extra_options does not ask for (wantDisableLogin).
func FilesDrifted(rb ReadBack, wantDisableLogin bool) bool {
	if rb.ConfigOwner != "" && !strings.HasPrefix(rb.ConfigOwner, "root:") {
		return true
	}
	if rb.ConfigMode != "" && rb.ConfigMode != FormatMode(ConfMode) {
		return true
	}
	return rb.Writable > 0 || rb.DisableLogin && !wantDisableLogin
}

// FormatMode is a mode as config_mode shows it ("0640").
func FormatMode(mode uint32) string { return fmt.Sprintf("%04o", mode) }

// ListenersDrifted: the running ntopng listens (observed) elsewhere than its configuration
// says, or its unit is not running at all (stopped by hand, or failing to start, e.g.
// without its Redis).
func ListenersDrifted(observed []string, httpListen, httpsListen string) bool {
	return !slices.Equal(observed, ExpectedListeners(httpListen, httpsListen, true))
}

// ManagedBlockOptions lists the options after the provider's marker line that no attribute
// owns: on import they are the ones this provider wrote for extra_options.
func ManagedBlockOptions(text string) []string {
	i := strings.Index(text, ntopngconf.ManagedMarker)
	if i < 0 {
		return nil
	}
	var names []string
	for _, l := range ntopngconf.ParseLines(text[i:]) {
		if _, taken := AttributeOptions[l.Name]; !l.Ignored && l.Name != "" && !taken {
			names = append(names, l.Name)
		}
	}
	return names
}
