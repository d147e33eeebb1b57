package ntopngconf

import (
	"sort"
	"strings"
)

// Option describes one command-line option that ntopng also accepts in its
// configuration file.
type Option struct {
	// Long is the long name without the leading "--", for example "http-port".
	Long string
	// Short is the one-letter name ('w' for "-w"), or 0 when the option has
	// only a long name.
	Short byte
	// TakesValue is true for options declared with required_argument: ntopng
	// skips such an option when its value is empty.
	TakesValue bool
}

// optionDef is an Option plus the key ntopng's setOption switches on.
type optionDef struct {
	Option
	key int
}

func letter(long string, c byte, takesValue bool) optionDef {
	return optionDef{Option: Option{Long: long, Short: c, TakesValue: takesValue}, key: int(c)}
}

func numeric(long string, key int, takesValue bool) optionDef {
	return optionDef{Option: Option{Long: long, TakesValue: takesValue}, key: key}
}

// table lists the options a Linux Community build of ntopng handles from its configuration
// file: the entries of long_options (src/Prefs.cpp) whose key has a case in Prefs::setOption.
// The build is not WIN32, not NTOPNG_PRO, not HAVE_NEDGE, with HAVE_ZMQ (configure requires
// it). cluster-id is the one HAVE_PF_RING entry: it is handled only in builds with PF_RING,
// which ntop's own packages are (they depend on pfring), and a build without PF_RING (like the
// sandbox's plain ./configure) ignores it without a warning; it is in the table so that a
// working option of the builds operators run is not refused. testdata/setoption-options.txt
// says where each entry comes from, and TestOptionTableFollowsSetOption holds the table to it.
var table = []optionDef{
	letter("data-dir", 'd', true),
	letter("daemon", 'e', false),
	letter("core-affinity", 'g', true),
	letter("help", 'h', false),
	letter("interface", 'i', true),
	letter("disable-login", 'l', true),
	letter("http-log", 'L', true),
	letter("local-networks", 'm', true),
	letter("dns-mode", 'n', true),
	letter("ndpi-protocols", 'p', true),
	letter("disable-autologout", 'q', false),
	letter("redis", 'r', true),
	letter("dont-change-user", 's', false),
	letter("install-dir", 't', true),
	letter("no-promisc", 'u', false),
	letter("verbose", 'v', true),
	letter("http-port", 'w', true),
	letter("max-num-hosts", 'x', true),
	letter("other-core-affinity", 'y', true),
	letter("packet-filter", 'B', true),
	letter("dump-hosts", 'D', true), // its case only logs "-D deprecated."
	letter("dump-flows", 'F', true),
	letter("pid", 'G', true),
	letter("export-flows", 'I', true),
	letter("instance-name", 'N', true),
	letter("capture-direction", 'Q', true),
	letter("sticky-hosts", 'S', true), // its case only logs that it is deprecated
	letter("user", 'U', true),
	letter("version", 'V', false),
	letter("https-port", 'W', true),
	letter("max-num-flows", 'X', true),
	letter("http-prefix", 'Z', true),
	letter("httpdocs-dir", '1', true),
	letter("scripts-dir", '2', true),
	letter("callbacks-dir", '3', true),
	letter("pcap-dir", '5', true),
	numeric("ciphers-list", 198, true),
	numeric("disable-purge", 199, false),
	numeric("limit-resources", 200, false),
	numeric("test-script-post", 201, true),
	numeric("zmq-publish-events", 203, true),
	numeric("cluster-id", 204, true), // handled only with PF_RING (ntop's packages); ignored without
	numeric("test-script-pre", 206, true),
	numeric("pcap-file-purge-flows", 207, false),
	numeric("original-speed", 208, false),
	numeric("online-check", 209, false),
	numeric("print-ndpi-protocols", 210, false),
	numeric("online-license-check", 211, false), // its case only logs "no longer supported"
	numeric("hw-timestamp-mode", 212, true),
	numeric("shutdown-when-done", 213, false),
	numeric("simulate-vlans", 214, false),
	numeric("zmq-encrypt-pwd", 215, true),
	numeric("ignore-macs", 216, false),
	numeric("ignore-vlans", 217, false),
	numeric("test-script", 218, true),
	numeric("zmq-encryption", 219, false),
	numeric("zmq-encryption-key-priv", 220, true),
	numeric("simulate-ips", 221, true),
	numeric("zmq-encryption-key", 222, true),
	numeric("appliance", 223, false),
	numeric("simulate-macs", 224, false),
	numeric("insecure", 225, false),
	numeric("offline", 226, false),
}

// letterOnly lists the keys setOption handles that long_options does not list: only a "-z"
// line reaches them, and setOption takes them without checking for a value. Their Long is "".
var letterOnly = []optionDef{
	letter("", 'z', false), // reforge timestamps
}

// ignoredOption is an option name ntopng ignores although a build of it knows the name.
type ignoredOption struct {
	long  string
	short byte
	why   string
}

// notHandled lists the names that ntopng's source knows but no Linux Community build handles:
// entries of long_options with no case in setOption (ntopng logs "Unknown option -k:
// Ignored.", or "Missing required argument" for an empty value).
var notHandled = []ignoredOption{
	{"traffic-filtering", 'k', "ntopng lists --traffic-filtering (-k) among its options but Prefs::setOption has no case for it: ntopng logs \"Unknown option -k: Ignored.\" (\"Missing required argument\" when the value is empty) and the setting has no effect"},
	{"prefs-dir", '4', "ntopng lists --prefs-dir (-4) among its options but Prefs::setOption has no case for it: ntopng logs \"Unknown option -4: Ignored.\" (\"Missing required argument\" when the value is empty) and the setting has no effect"},
}

// ignoredReason says why ntopng ignores a name of notHandled, given as a long name, or as a
// letter when long is "".
func ignoredReason(long string, short byte) (string, bool) {
	for _, o := range notHandled {
		if (long != "" && o.long == long) || (long == "" && short != 0 && o.short == short) {
			return o.why, true
		}
	}
	return "", false
}

// name is the option's canonical name: its long name, or "-z" for a letter-only option.
func (o *optionDef) name() string {
	if o.Long == "" {
		return "-" + string(o.Short)
	}
	return o.Long
}

func lookupLong(name string) *optionDef {
	for i := range table {
		if table[i].Long == name {
			return &table[i]
		}
	}
	return nil
}

func lookupShort(c byte) *optionDef {
	if c == 0 {
		return nil
	}
	for i := range table {
		if table[i].Short == c {
			return &table[i]
		}
	}
	return nil
}

// lookupLetterOnly finds a key of letterOnly.
func lookupLetterOnly(c byte) *optionDef {
	for i := range letterOnly {
		if letterOnly[i].Short == c {
			return &letterOnly[i]
		}
	}
	return nil
}

// lookup accepts "http-port", "--http-port", "w" or "-w".
func lookup(name string) *optionDef {
	if strings.HasPrefix(name, "--") {
		return lookupLong(name[2:])
	}
	if o := lookupLong(name); o != nil {
		return o
	}
	name = strings.TrimPrefix(name, "-")
	if len(name) == 1 {
		return lookupShort(name[0])
	}
	return nil
}

// LookupOption finds an option ntopng handles by its long name ("http-port"),
// also written "--http-port", or by its letter ("w" or "-w"). It does not find
// the letter-only "-z", nor the names ntopng lists but ignores ("prefs-dir").
func LookupOption(name string) (Option, bool) {
	if o := lookup(name); o != nil {
		return o.Option, true
	}
	return Option{}, false
}

// OptionByShort finds an option ntopng handles by its one-letter name, among
// the options that have a long name.
func OptionByShort(c byte) (Option, bool) {
	if o := lookupShort(c); o != nil {
		return o.Option, true
	}
	return Option{}, false
}

// KnownOptions lists the long names of every option ntopng handles, sorted.
func KnownOptions() []string {
	names := make([]string, 0, len(table))
	for _, o := range table {
		names = append(names, o.Long)
	}
	sort.Strings(names)
	return names
}
