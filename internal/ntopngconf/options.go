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

// table is ntopng's long_options table (src/Prefs.cpp) for a Linux community
// build: entries under NTOPNG_PRO are left out, entries excluded only on
// Windows or only for nEdge are kept, HAVE_PF_RING is assumed.
var table = []optionDef{
	letter("data-dir", 'd', true),
	letter("daemon", 'e', false),
	letter("core-affinity", 'g', true),
	letter("help", 'h', false),
	letter("interface", 'i', true),
	letter("traffic-filtering", 'k', true),
	letter("disable-login", 'l', true),
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
	letter("dump-hosts", 'D', true),
	letter("dump-flows", 'F', true),
	letter("pid", 'G', true),
	letter("export-flows", 'I', true),
	letter("instance-name", 'N', true),
	letter("capture-direction", 'Q', true),
	letter("sticky-hosts", 'S', true),
	letter("user", 'U', true),
	letter("version", 'V', false),
	letter("https-port", 'W', true),
	letter("max-num-flows", 'X', true),
	letter("http-prefix", 'Z', true),
	letter("httpdocs-dir", '1', true),
	letter("scripts-dir", '2', true),
	letter("callbacks-dir", '3', true),
	letter("prefs-dir", '4', true),
	letter("pcap-dir", '5', true),
	numeric("zmq-publish-events", 203, true),
	numeric("cluster-id", 204, true),
	numeric("test-script-pre", 206, true),
	numeric("pcap-file-purge-flows", 207, false),
	numeric("original-speed", 208, false),
	numeric("online-check", 209, false),
	numeric("print-ndpi-protocols", 210, false),
	numeric("online-license-check", 211, false),
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

// LookupOption finds a known ntopng option by its long name ("http-port"),
// also written "--http-port", or by its letter ("w" or "-w").
func LookupOption(name string) (Option, bool) {
	if o := lookup(name); o != nil {
		return o.Option, true
	}
	return Option{}, false
}

// OptionByShort finds a known ntopng option by its one-letter name.
func OptionByShort(c byte) (Option, bool) {
	if o := lookupShort(c); o != nil {
		return o.Option, true
	}
	return Option{}, false
}

// KnownOptions lists the long names of every option ntopng accepts, sorted.
func KnownOptions() []string {
	names := make([]string, 0, len(table))
	for _, o := range table {
		names = append(names, o.Long)
	}
	sort.Strings(names)
	return names
}
