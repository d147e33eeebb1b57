package unithardening

import (
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		name     string
		dataDir  string
		writable []string
		want     string // the ReadWritePaths line
	}{
		{"default data dir", "/var/lib/ntopng", nil, "ReadWritePaths=/run /var/lib/ntopng"},
		{"extra paths, duplicates once", "/srv/ntopng", []string{"/srv/pcap", "/srv/ntopng", "/run"}, "ReadWritePaths=/run /srv/ntopng /srv/pcap"},
		{"no data dir", "", nil, "ReadWritePaths=/run"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(Render(Settings(tc.dataDir, tc.writable)))
			unit, service, ok := strings.Cut(got, "[Service]\n")
			lines := strings.Split(service, "\n")
			if !ok || len(lines) < 2 || lines[0] != "ProtectSystem=strict" || lines[1] != tc.want {
				t.Errorf("Render = %q, want [Service], ProtectSystem=strict, %s first", got, tc.want)
			}
			// ntopng after either Redis server at boot: Debian's valkey-server is not redis.service.
			if !strings.Contains(unit, "\n[Unit]\n") || !strings.Contains(unit, "\nAfter=redis-server.service valkey-server.service\n") {
				t.Errorf("Render's [Unit] section = %q, want ntopng ordered after redis-server and valkey-server", unit)
			}
			for _, want := range []string{
				"NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectHome=yes", "ProtectProc=invisible", "SystemCallFilter=@system-service",
				"CapabilityBoundingSet=CAP_DAC_OVERRIDE CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_RAW CAP_SETGID CAP_SETUID",
				"RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PACKET", "AmbientCapabilities=", "UMask=0077",
			} {
				if !strings.Contains(got, "\n"+want+"\n") {
					t.Errorf("Render has no line %q:\n%s", want, got)
				}
			}
			if strings.Contains(got, "ProcSubset") {
				t.Errorf("Render sets ProcSubset, which hides /proc/stat and /proc/meminfo from ntopng:\n%s", got)
			}
		})
	}
}

// inEffect is what `systemctl show` printed for the rendered drop-in on Debian 13 (systemd
// 257), with the main process's facts of the unit check.
func inEffect() map[string]string {
	return map[string]string{
		"ProtectSystem": "strict", "ReadWritePaths": "/run /var/lib/ntopng", "ProtectHome": "yes", "PrivateTmp": "yes",
		"PrivateDevices": "yes", "DevicePolicy": "closed", "NoNewPrivileges": "yes",
		"CapabilityBoundingSet":   "cap_dac_override cap_setgid cap_setuid cap_net_bind_service cap_net_admin cap_net_raw",
		"AmbientCapabilities":     "",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_NETLINK AF_PACKET AF_UNIX", "SystemCallFilter": "_llseek accept accept4 access",
		"SystemCallErrorNumber": "1", "SystemCallArchitectures": "native", "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
		"ProtectKernelLogs": "yes", "ProtectControlGroups": "yes", "ProtectClock": "yes", "ProtectHostname": "yes",
		"ProtectProc": "invisible", "LockPersonality": "yes", "RestrictRealtime": "yes", "RestrictSUIDSGID": "yes",
		"RestrictNamespaces": "yes", "MemoryDenyWriteExecute": "yes", "UMask": "0077", "KeyringMode": "private", "RemoveIPC": "yes",
		"NeedDaemonReload": "no", "MainPID": "812", "ActiveState": "active", "ProcNoNewPrivs": "1", "ProcSeccomp": "2",
	}
}

func TestProblems(t *testing.T) {
	settings := Settings("/var/lib/ntopng", nil)
	want := Render(settings)
	p := DropInPath("ntopng.service")
	if p != "/etc/systemd/system/ntopng.service.d/terraform-confinement.conf" {
		t.Fatalf("DropInPath = %q", p)
	}
	if !Known(inEffect()) {
		t.Fatal("Known(in effect) = false")
	}
	if got := Problems(settings, inEffect(), p, want, want, true); len(got) != 0 {
		t.Fatalf("Problems(in effect) = %q, want none", got)
	}
	for _, tc := range []struct {
		name   string
		change func(m map[string]string)
		data   []byte
		exists bool
		want   string
	}{
		{"missing", nil, nil, false, "the drop-in " + p + " is missing"},
		{"edited", nil, append(append([]byte{}, want...), "ProtectSystem=no\n"...), true, "the drop-in " + p + " was changed"},
		{"not reloaded", func(m map[string]string) { m["NeedDaemonReload"] = "yes" }, want, true, "systemd was not reloaded"},
		{"overridden", func(m map[string]string) { m["ProtectSystem"] = "no" }, want, true, `ProtectSystem is "no" in the unit, want "strict"`},
		{"more paths", func(m map[string]string) { m["ReadWritePaths"] = "/run /var/lib/ntopng /etc" }, want, true, "ReadWritePaths is"},
		{"more capabilities", func(m map[string]string) { m["CapabilityBoundingSet"] += " cap_sys_admin" }, want, true, "CapabilityBoundingSet is"},
		{"a deny list", func(m map[string]string) { m["SystemCallFilter"] = "~@mount" }, want, true, "SystemCallFilter is"},
		{"process started before", func(m map[string]string) { m["ProcNoNewPrivs"], m["ProcSeccomp"] = "0", "0" }, want, true,
			"the running ntopng (PID 812) was started without the confinement"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			props := inEffect()
			if tc.change != nil {
				tc.change(props)
			}
			got := strings.Join(Problems(settings, props, p, tc.data, want, tc.exists), "; ")
			if !strings.Contains(got, tc.want) {
				t.Errorf("Problems = %q, want it to say %q", got, tc.want)
			}
		})
	}
	// Capabilities and families compare as sets: systemctl's order and case are not drift.
	props := inEffect()
	props["CapabilityBoundingSet"] = "cap_net_raw cap_net_admin cap_net_bind_service cap_setuid cap_setgid cap_dac_override"
	if got := Unmet(settings, props); len(got) != 0 {
		t.Errorf("Unmet(reordered) = %q", got)
	}
	// A host without the settings (the test hosts' systemctl, a systemd too old): not known.
	if Known(map[string]string{"ActiveState": "active", "MainPID": "1", "ControlGroup": ""}) || Known(nil) {
		t.Error("Known without the settings = true")
	}
}

func TestCheckWritablePath(t *testing.T) {
	for p, bad := range map[string]bool{
		"/srv/ntopng/pcap": false, "/var/lib/ntopng-dumps": false, "/etc/ntopng": false,
		"relative": true, "/srv/../etc": true, "/srv/x/": true, "/srv/a b": true, "/srv/%h": true, "/srv/a\nb": true,
		"/": true, "/etc": true, "/usr": true, "/var": true, "/tmp/ntopng": true, "/var/tmp": true, "/home/op": true, "/root": true,
		"/run/user/0": true, `/srv/a\x20b`: true, "/srv/a;b": true,
	} {
		if got := CheckWritablePath(p) != ""; got != bad {
			t.Errorf("CheckWritablePath(%q) = %q, want refused %v", p, CheckWritablePath(p), bad)
		}
	}
}
