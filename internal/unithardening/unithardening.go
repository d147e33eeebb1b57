// Package unithardening confines ntopng by its systemd unit: the drop-in that ntopng_instance
// writes beside ntop's ntopng.service (or ntopng@IFACE.service), and whether the service
// manager and the running process really have its settings.
//
// Every setting was tried on ntop's real ntopng on Debian 11, 12 and 13 (capture on eth0,
// HTTPS on 443, Redis over its socket, RRDs written, a reboot); what broke ntopng is left out
// (see Left). The drop-in goes through hostchange with ntopng.conf, so it is backed up and
// rolled back with it; `systemctl daemon-reload` runs before the restart (Restart).
package unithardening

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// DropInName is the drop-in's file name in the unit's ".d" folder.
const DropInName = "terraform-confinement.conf"

// DropInPath is where the drop-in of unit lives.
func DropInPath(unit string) string {
	return path.Join("/etc/systemd/system", unit+".d", DropInName)
}

// DropInMode is the drop-in's mode (owner root).
const DropInMode = 0o644

// RuntimeDir is what ntop's units write before ntopng starts: their ExecStartPre, as root,
// concatenate the configuration into /run/ntopng.conf (or /run/ntopng-IFACE.conf).
const RuntimeDir = "/run"

// Setting is one directive of the drop-in.
type Setting struct {
	Directive string
	Value     string
	// Show is what `systemctl show` prints for it when it is in effect (Value when "").
	Show string
	// Set: a space-separated list compared as a set, case-insensitively.
	Set bool
	// Why it is there, for the docs.
	Why string
}

// Capabilities is ntopng's capability bounding set: CAP_SETUID and CAP_SETGID to drop to its
// user, and the four ntopng asks to keep (src/Utils.cpp cap_values): without any one of them
// its cap_set_proc fails and it loses all of them, capture included.
var Capabilities = []string{"CAP_DAC_OVERRIDE", "CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID"}

// AddressFamilies are the socket families ntopng uses: Unix (Redis, syslog), IPv4 and IPv6
// (web, Redis, exports), netlink (interface addresses) and packet (libpcap capture).
var AddressFamilies = []string{"AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET"}

// fixed are the settings that do not depend on the host, in the drop-in's order.
var fixed = []Setting{
	{Directive: "ProtectHome", Value: "yes", Why: "/home, /root and /run/user are out of reach"},
	{Directive: "PrivateTmp", Value: "yes", Why: "a /tmp and /var/tmp of its own"},
	{Directive: "PrivateDevices", Value: "yes", Why: "no device nodes but the pseudo devices (capture uses packet sockets, not devices)"},
	{Directive: "DevicePolicy", Value: "closed"},
	{Directive: "NoNewPrivileges", Value: "yes", Why: "no set-user-ID program gives it privileges back"},
	{Directive: "CapabilityBoundingSet", Value: strings.Join(Capabilities, " "), Set: true,
		Why: "ntopng keeps its whole permitted set after it drops to its user (PR_SET_KEEPCAPS): the bounding set is what it can ever have"},
	{Directive: "AmbientCapabilities", Value: ""},
	{Directive: "RestrictAddressFamilies", Value: strings.Join(AddressFamilies, " "), Set: true},
	{Directive: "SystemCallFilter", Value: "@system-service"},
	{Directive: "SystemCallErrorNumber", Value: "EPERM", Show: "1", Why: "a call outside the filter fails instead of killing ntopng"},
	{Directive: "SystemCallArchitectures", Value: "native"},
	{Directive: "ProtectKernelTunables", Value: "yes"},
	{Directive: "ProtectKernelModules", Value: "yes"},
	{Directive: "ProtectKernelLogs", Value: "yes"},
	{Directive: "ProtectControlGroups", Value: "yes"},
	{Directive: "ProtectClock", Value: "yes"},
	{Directive: "ProtectHostname", Value: "yes"},
	{Directive: "ProtectProc", Value: "invisible", Why: "other users' processes are hidden"},
	{Directive: "LockPersonality", Value: "yes"},
	{Directive: "RestrictRealtime", Value: "yes"},
	{Directive: "RestrictSUIDSGID", Value: "yes"},
	{Directive: "RestrictNamespaces", Value: "yes"},
	{Directive: "MemoryDenyWriteExecute", Value: "yes"},
	{Directive: "UMask", Value: "0077"},
	{Directive: "KeyringMode", Value: "private"},
	{Directive: "RemoveIPC", Value: "yes"},
}

// Left are the settings tried and left out, with what they break (for the docs).
var Left = []struct{ Directive, Why string }{
	{"ProcSubset=pid", "hides /proc/stat, /proc/loadavg and /proc/meminfo, which ntopng's system status reads"},
	{"CAP_CHOWN in CapabilityBoundingSet", "only lets ntopng chown its data directory to its own user (it logs \"Unable to change working dir owner\" without it); manage_user gives the folder to the user instead"},
	{"PrivateNetwork, IPAddressDeny", "ntopng serves its web interface and captures on the host's network"},
	{"PrivateUsers", "ntopng starts as root and drops to its user itself"},
	{"User=, DynamicUser=", "ntop's ExecStartPre write /run as root and ntopng needs root to bind, open its capture and read its certificate before it drops to its user"},
	{"RestrictAddressFamilies without AF_PACKET or AF_NETLINK", "capture (libpcap) and the interface addresses need them"},
}

// Settings are the drop-in's directives, writable paths first: ProtectSystem=strict with
// ReadWritePaths for what ntop's unit writes (/run), ntopng's data directory and the
// operator's extra paths, then the fixed ones.
func Settings(dataDir string, writable []string) []Setting {
	paths := []string{RuntimeDir}
	for _, p := range append([]string{dataDir}, writable...) {
		if p != "" && !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	out := []Setting{
		{Directive: "ProtectSystem", Value: "strict", Why: "the whole file system read-only, but for ReadWritePaths"},
		{Directive: "ReadWritePaths", Value: strings.Join(paths, " "), Set: true},
	}
	return append(out, fixed...)
}

// Render is the drop-in's content.
func Render(settings []Setting) []byte {
	var b strings.Builder
	b.WriteString("# Written by terraform-provider-ntopng (ntopng_instance confinement): ntopng confined by its unit.\n")
	b.WriteString("# Edits are drift and are put back by the next apply; set confinement = false to remove it.\n")
	b.WriteString("[Unit]\n")
	b.WriteString("# ntop's unit starts after redis.service, an alias of Debian's redis-server but not of\n")
	b.WriteString("# valkey-server: after either, so that ntopng finds its Redis at boot (a unit that is\n")
	b.WriteString("# not installed is ignored here).\n")
	fmt.Fprintf(&b, "After=%s\n", strings.Join(RedisUnits, " "))
	b.WriteString("[Service]\n")
	for _, s := range settings {
		fmt.Fprintf(&b, "%s=%s\n", s.Directive, s.Value)
	}
	return []byte(b.String())
}

// RedisUnits are the Redis servers' units ntopng starts after (Render).
var RedisUnits = []string{"redis-server.service", "valkey-server.service"}

// Process facts of the unit check (livecheck.Unit.Properties): what the main process has.
const (
	procNoNewPrivs = "ProcNoNewPrivs"
	procSeccomp    = "ProcSeccomp"
)

// Properties are the `systemctl show` properties the read asks for.
func Properties() []string {
	var out []string
	for _, s := range Settings("", nil) {
		out = append(out, s.Directive)
	}
	return append(out, "NeedDaemonReload")
}

// Known: the service manager reports the settings (a systemd that knows every one of them),
// so the drop-in can be written and checked. Without (no systemd, or one too old) the
// confinement is not applied.
func Known(props map[string]string) bool {
	for _, p := range Properties() {
		if _, ok := props[p]; !ok {
			return false
		}
	}
	return true
}

// Problems lists each way the unit as the service manager reports it (props, with the main
// process's facts) differs from settings, and a drop-in whose content differs from want (or
// is missing: data nil). Empty when the confinement is in effect.
func Problems(settings []Setting, props map[string]string, path string, data, want []byte, exists bool) []string {
	var out []string
	switch {
	case !exists:
		out = append(out, fmt.Sprintf("the drop-in %s is missing", path))
	case string(data) != string(want):
		out = append(out, fmt.Sprintf("the drop-in %s was changed", path))
	}
	if props["NeedDaemonReload"] == "yes" {
		out = append(out, "the unit changed on disk and systemd was not reloaded")
	}
	return append(out, Unmet(settings, props)...)
}

// Unmet lists each setting that the unit as the service manager reports it (props) does not
// have, and a running main process started without the confinement. Empty when in effect.
func Unmet(settings []Setting, props map[string]string) []string {
	var out []string
	for _, s := range settings {
		got, want := props[s.Directive], s.Show
		if want == "" {
			want = s.Value
		}
		if !sameValue(s, got, want) {
			out = append(out, fmt.Sprintf("%s is %q in the unit, want %q", s.Directive, got, want))
		}
	}
	if main := props["MainPID"]; main != "" && main != "0" {
		if props[procNoNewPrivs] != "1" || props[procSeccomp] != "2" {
			out = append(out, fmt.Sprintf("the running ntopng (PID %s) was started without the confinement (no_new_privs %q, seccomp mode %q)",
				main, props[procNoNewPrivs], props[procSeccomp]))
		}
	}
	return out
}

// InEffect is the evidence of the settings as the unit has them (the system-call filter as
// whether it is an allow list, not its hundreds of names).
func InEffect(settings []Setting, props map[string]string) string {
	var parts []string
	for _, s := range settings {
		v := props[s.Directive]
		if s.Directive == "SystemCallFilter" && v != "" {
			v = "(an allow list)"
			if strings.HasPrefix(props[s.Directive], "~") {
				v = "(a deny list)"
			}
		}
		parts = append(parts, s.Directive+"="+v)
	}
	return strings.Join(parts, ", ")
}

func sameValue(s Setting, got, want string) bool {
	switch {
	case s.Directive == "SystemCallFilter":
		// systemctl shows the expanded allow list: an allow list, not a deny list ("~...").
		return got != "" && !strings.HasPrefix(got, "~")
	case s.Set:
		g, w := strings.Fields(strings.ToLower(got)), strings.Fields(strings.ToLower(want))
		slices.Sort(g)
		slices.Sort(w)
		return slices.Equal(g, w)
	}
	return got == want
}

// Restart is restart with `systemctl daemon-reload` first: the service manager must read the
// changed drop-in before ntopng restarts.
func Restart(restart string) string {
	return "systemctl daemon-reload && " + restart
}

// RecoverRestart is Restart for the rollback of an interrupted apply, which may or may not
// have touched the drop-in, on a host that may not run systemd: the reload's failure is not
// the restart's.
func RecoverRestart(restart string) string {
	return "{ systemctl daemon-reload 2>/dev/null || :; } && " + restart
}

// CheckWritablePath says what is wrong with an extra writable path ("" when nothing).
func CheckWritablePath(p string) string {
	switch {
	case !path.IsAbs(p) || path.Clean(p) != p:
		return "must be an absolute, clean path (no trailing \"/\", no \"..\" or \".\" parts), like \"/srv/ntopng/pcap\""
	case strings.ContainsAny(p, " \t\n\r\"'\\%;") || strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "may not hold white space, quotes, \"\\\", \"%\", \";\" or control characters (systemd would split or expand them)"
	case p == "/" || p == "/etc" || p == "/usr" || p == "/boot" || p == "/var":
		return "would make a whole system tree writable again; name the folder ntopng writes"
	}
	for _, private := range []string{"/tmp", "/var/tmp", "/home", "/root", "/run/user"} {
		if p == private || strings.HasPrefix(p, private+"/") {
			return private + " is private to ntopng (PrivateTmp) or out of its reach (ProtectHome) when confined: pick a folder elsewhere, e.g. under /var/lib"
		}
	}
	return ""
}
