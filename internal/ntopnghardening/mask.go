package ntopnghardening

import (
	"regexp"
	"strings"
)

// Masked stands in for a secret in effective_options and extra_options. It is a
// constant, so nothing about the secret can be learned from it (no hash to test guesses on).
const Masked = "********"

// shownOptions are the ntopng options (ntopngconf's table) whose values are shown in
// effective_options: numbers, modes, paths, addresses, interface names and public keys,
// none of which carries a credential. Every other option's value is masked, and so is any
// option this list does not know (failing closed): --zmq-encrypt-pwd,
// --zmq-encryption-key-priv, --test-script(-pre/-post) (a command line), and whatever a newer
// ntopng adds. --redis and --dump-flows are shown with their credentials masked.
var shownOptions = map[string]bool{
	"data-dir": true, "daemon": true, "core-affinity": true, "help": true, "interface": true,
	"disable-login": true, "http-log": true, "local-networks": true, "dns-mode": true,
	"ndpi-protocols": true, "disable-autologout": true, "dont-change-user": true, "install-dir": true,
	"no-promisc": true, "verbose": true, "http-port": true, "max-num-hosts": true,
	"other-core-affinity": true, "packet-filter": true, "dump-hosts": true, "pid": true,
	"export-flows": true, "instance-name": true, "capture-direction": true, "sticky-hosts": true,
	"user": true, "version": true, "https-port": true, "max-num-flows": true, "http-prefix": true,
	"httpdocs-dir": true, "scripts-dir": true, "callbacks-dir": true, "pcap-dir": true,
	"ciphers-list": true, "disable-purge": true, "limit-resources": true, "zmq-publish-events": true,
	"pcap-file-purge-flows": true, "original-speed": true, "online-check": true,
	"print-ndpi-protocols": true, "online-license-check": true, "hw-timestamp-mode": true,
	"shutdown-when-done": true, "simulate-vlans": true, "ignore-macs": true, "ignore-vlans": true,
	"zmq-encryption": true, "simulate-ips": true, "zmq-encryption-key": true, "appliance": true,
	"simulate-macs": true, "insecure": true, "offline": true, "cluster-id": true,
}

// urlUserinfoRE finds the user:password part of a URL ("scheme://user:pw@host").
var urlUserinfoRE = regexp.MustCompile(`://[^/@\s]*@`)

// Mask is value as effective_options (and the read-back of extra_options) shows it:
//   - a flag, or a value that cannot hold a credential: unchanged;
//   - --redis host:port:PASSWORD@db: the password part masked;
//   - --dump-flows: the mode kept ("mysql;********"); its other fields hold hosts, users and
//     passwords (es;...;URL;user:password, mysql;host;db;table;user;password);
//   - an option not in shownOptions: masked whole;
//   - any URL's user:password@: masked.
func Mask(name, value string) string {
	if value == "" {
		return ""
	}
	switch name {
	case "redis":
		return maskRedisOption(value)
	case "dump-flows":
		if mode, _, found := strings.Cut(value, ";"); found {
			return mode + ";" + Masked
		}
		return value // a mode alone ("syslog", "nindex") names no server
	}
	if !shownOptions[name] {
		return Masked
	}
	return urlUserinfoRE.ReplaceAllString(value, "://"+Masked+"@")
}

// maskRedisOption masks what ntopng reads as the password of --redis
// [host[:port[:password]]][@db]: everything after the second ':' and before a trailing
// @digits. It works on the raw text (not the parsed, 128-byte-truncated password), so no
// part of a long password shows.
func maskRedisOption(v string) string {
	db := ""
	if at := strings.LastIndexByte(v, '@'); at >= 0 && at+1 < len(v) && strings.Trim(v[at+1:], "0123456789.") == "" {
		v, db = v[:at], v[at:]
	}
	parts := strings.SplitN(v, ":", 3)
	if len(parts) == 3 && parts[2] != "" {
		parts[2] = Masked
	}
	return strings.Join(parts, ":") + db
}
