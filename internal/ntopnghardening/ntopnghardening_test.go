package ntopnghardening

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostids"
	"github.com/hardenops/terraform-provider-ntopng/internal/hostscript"
	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

func TestExpectedListeners(t *testing.T) {
	got := ExpectedListeners("disabled", "192.0.2.10:443", true)
	if strings.Join(got, ",") != "192.0.2.10:443" {
		t.Errorf("https only: %v", got)
	}
	got = ExpectedListeners(":3000", "[2001:db8::10]:443", true)
	if strings.Join(got, ",") != "127.0.0.1:3000,[2001:db8::10]:443" {
		t.Errorf("loopback http + v6 https: %v", got)
	}
	if got := ExpectedListeners("3000", "443", false); strings.Join(got, ",") != "0.0.0.0:3000" {
		t.Errorf("no certificate means no HTTPS: %v", got)
	}
}

func TestCollectorPorts(t *testing.T) {
	got := CollectorPorts([]string{"lo", "tcp://*:5556c", "tcp://127.0.0.1:5557c,tcp://127.0.0.1:5558", "tcp://[::1]:5559c", "tcp://192.0.2.1:5560"})
	want := map[int]bool{5556: true, 5557: true, 5559: true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CollectorPorts = %v, want %v (a connecting endpoint without c is no listener of ntopng's)", got, want)
	}
}

func TestMaskOption(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"redis", "/run/redis.sock:0:s3cret@0", "/run/redis.sock:0:********@0"},
		{"redis", "127.0.0.1:6379:pa@ss:w@rd@2", "127.0.0.1:6379:********@2"},
		{"redis", "127.0.0.1:6379:pass@12x", "127.0.0.1:6379:********"},
		{"redis", "127.0.0.1:6379@1", "127.0.0.1:6379@1"},
		{"redis", "localhost", "localhost"},
		{"dump-flows", "mysql;localhost;ntopng;flows;root;s3cret", "mysql;********"},
		{"dump-flows", "es;ntopng;ntopng-%Y.%m.%d;http://u:s3cret@es:9200/_bulk;", "es;********"},
		{"dump-flows", "syslog", "syslog"},
		{"zmq-encrypt-pwd", "s3cret", "********"},
		{"zmq-encryption-key-priv", "s3cret", "********"},
		{"test-script", "/bin/run s3cret", "********"},
		{"test-script-post", "/bin/run s3cret", "********"},
		{"ciphers-list", "HIGH:!aNULL:!MD5", "HIGH:!aNULL:!MD5"},
		{"some-future-option", "s3cret", "********"},
		{"export-flows", "tcp://u:s3cret@127.0.0.1:5556", "tcp://********@127.0.0.1:5556"},
		{"export-flows", "tcp://*:5556", "tcp://*:5556"},
		{"http-port", "127.0.0.1:3000", "127.0.0.1:3000"},
		{"daemon", "", ""},
	} {
		if got := Mask(c.name, c.in); got != c.want {
			t.Errorf("Mask(%q, %q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
	// Every option ntopng knows is decided on purpose: shown, or masked by name.
	masked := map[string]bool{"redis": true, "dump-flows": true, "zmq-encrypt-pwd": true,
		"zmq-encryption-key-priv": true, "test-script": true, "test-script-pre": true,
		"test-script-post": true}
	for _, name := range ntopngconf.KnownOptions() {
		if shownOptions[name] == masked[name] {
			t.Errorf("option %q is neither in shownOptions nor in this test's masked list (or in both): decide", name)
		}
	}
}

func TestDefaultService(t *testing.T) {
	for _, tc := range []struct {
		conf, service, restart string
		dropIns                bool
	}{
		{"/etc/ntopng/ntopng.conf", "ntopng.service", "systemctl restart ntopng", true},
		{"/etc/ntopng.conf", "ntopng.service", "systemctl restart ntopng", true},
		{"/etc/ntopng/ntopng-eth0.conf", "ntopng@eth0.service", "systemctl restart ntopng@eth0.service", false},
		{"/etc/ntopng/ntopng-eth 0.conf", "ntopng.service", "systemctl restart ntopng", true},
	} {
		if s := DefaultService(tc.conf); s != tc.service || DefaultRestart(s) != tc.restart || ReadsDropIns(tc.conf) != tc.dropIns {
			t.Errorf("%s: service %q restart %q drop-ins %v", tc.conf, s, DefaultRestart(s), ReadsDropIns(tc.conf))
		}
	}
}

func TestCheckExtraOption(t *testing.T) {
	for _, tc := range []struct{ name, value, summary string }{
		{"max-num-flows", "200000", ""},
		{"disable-login", "1", ""},
		{"F", "x", "Use the Long Option Name"},
		{"http-port", "3000", "Option Not Allowed in extra_options"},
		{"dont-change-user", "", "Option Not Allowed in extra_options"},
		{"pid-path", "/run/x", "Invalid ntopng Option"},
		{"prefs-dir", "/var/lib/x", "Invalid ntopng Option"},
		{"traffic-filtering", "1", "Invalid ntopng Option"},
		{"cluster-id", "1", ""},                                                     // handled in PF_RING builds (ntop's packages)
		{"ciphers-list", "HIGH:!aNULL:!MD5", "Option Not Allowed in extra_options"}, // tls_profile and tls_ciphers own it
		{"insecure", "", ""},
		{"test-script-post", "/bin/true", "Secret in extra_options"},
		{"zmq-encrypt-pwd", "s3cret", "Not Encryption"}, // an XOR, refused for that reason first
		{"export-flows", "tcp://u:pw@127.0.0.1:5556", "Secret in extra_options"},
	} {
		p := CheckExtraOption(tc.name, tc.value)
		if got := ""; p != nil {
			got = p.Summary
			if got != tc.summary {
				t.Errorf("%s=%s: %q, want %q", tc.name, tc.value, got, tc.summary)
			}
		} else if tc.summary != "" {
			t.Errorf("%s=%s: accepted, want %q", tc.name, tc.value, tc.summary)
		}
	}
	if CheckUser("root") == nil || CheckUser("ntopng") != nil {
		t.Error("CheckUser")
	}
	if CheckListValue("local-networks", "10.0.0.0/8,192.0.2.0/24") == nil || CheckListValue("interface", "eth0") != nil {
		t.Error("CheckListValue")
	}
}

func TestSettings(t *testing.T) {
	pw := strings.Repeat("a1B2", 10)
	for _, tc := range []struct {
		name   string
		d      Desired
		set    []string
		remove []string
	}{
		{"minimal", Desired{HTTPListen: "disabled", HTTPSListen: "127.0.0.1:443", User: "ntopng"},
			[]string{"http-port=0", "https-port=127.0.0.1:443", "user=ntopng"}, []string{"dont-change-user", "disable-login"}},
		{"lists emptied", Desired{HTTPListen: "disabled", HTTPSListen: "443", User: "ntopng", Interfaces: []string{}, LocalNetworks: []string{}},
			[]string{"http-port=0", "https-port=443", "user=ntopng"}, []string{"dont-change-user", "interface", "local-networks", "disable-login"}},
		{"everything", Desired{HTTPListen: ":3000", HTTPSListen: "443", User: "ntopng", Redis: &ntopngconf.Redis{Socket: "/run/redis.sock"},
			Interfaces: []string{"eth0", "eth1"}, DataDir: "/srv/ntopng", LocalNetworks: []string{"10.0.0.0/8", "192.0.2.0/24"},
			ExtraOptions: map[string]string{"max-num-flows": "200000", "disable-login": "1"}},
			[]string{"http-port=:3000", "https-port=443", "user=ntopng", "redis=/run/redis.sock:0:" + pw + "@0", "interface=eth0", "interface=eth1",
				"data-dir=/srv/ntopng", "local-networks=10.0.0.0/8,192.0.2.0/24", "disable-login=1", "max-num-flows=200000"},
			[]string{"dont-change-user"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set, remove, err := tc.d.Settings(pw)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range set {
				got = append(got, s.Name+"="+s.Value)
			}
			if !reflect.DeepEqual(got, tc.set) || !reflect.DeepEqual(remove, tc.remove) {
				t.Errorf("set %q remove %q, want %q %q", got, remove, tc.set, tc.remove)
			}
		})
	}
	if _, _, err := (Desired{Redis: &ntopngconf.Redis{Host: "127.0.0.1", Port: 6379}}).Settings(strings.Repeat("p", 200)); err == nil {
		t.Error("a --redis value longer than ntopng reads must fail")
	}
}

func TestDrift(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rb    ReadBack
		want  bool
		drift bool
	}{
		{"clean", ReadBack{ConfigOwner: "root:ntop", ConfigMode: "0640"}, false, false},
		{"not read", ReadBack{}, false, false},
		{"package owner", ReadBack{ConfigOwner: "ntopng:ntop", ConfigMode: "0640"}, false, true},
		{"mode", ReadBack{ConfigOwner: "root:ntop", ConfigMode: "0644"}, false, true},
		{"writable dir", ReadBack{ConfigOwner: "root:ntop", ConfigMode: "0640", Writable: 1}, false, true},
		{"disable-login unwanted", ReadBack{DisableLogin: true}, false, true},
		{"disable-login wanted", ReadBack{DisableLogin: true}, true, false},
	} {
		if got := FilesDrifted(tc.rb, tc.want); got != tc.drift {
			t.Errorf("%s: FilesDrifted = %v", tc.name, got)
		}
	}
	if ListenersDrifted([]string{"127.0.0.1:443"}, "disabled", "127.0.0.1:443") || !ListenersDrifted(nil, "disabled", "127.0.0.1:443") ||
		!ListenersDrifted([]string{"0.0.0.0:443"}, "disabled", "127.0.0.1:443") {
		t.Error("ListenersDrifted")
	}
	if !SameListener(":443", "127.0.0.1:443") || SameListener("443", "127.0.0.1:443") {
		t.Error("SameListener")
	}
}

func TestManagedBlockOptions(t *testing.T) {
	text := "--user=ntopng\n--max-num-flows=1\n" + ntopngconf.ManagedMarker + "\n--http-port=0\n--max-num-hosts=5\n# --community\n--disable-login=1\n"
	if got := ManagedBlockOptions(text); !reflect.DeepEqual(got, []string{"max-num-hosts", "disable-login"}) {
		t.Errorf("ManagedBlockOptions = %q", got)
	}
	if got := ManagedBlockOptions("--max-num-hosts=5\n"); got != nil {
		t.Errorf("no marker: %q", got)
	}
}

func file(path, text string, uid int, mode uint32) transport.File {
	return transport.File{Path: path, Data: []byte(text), Info: transport.FileInfo{Exists: true, UID: uid, Mode: fsMode(mode)}}
}

func TestHost(t *testing.T) {
	ids := hostids.Parse([]byte("root:x:0:0::/:/bin/sh\nntopng:x:998:997::/:/bin/sh\n"), []byte("root:x:0:\nntop:x:997:\nredis:x:105:ntopng\n"))
	h := &Host{
		Main: file("/etc/ntopng/ntopng.conf", "--user=ntopng\n--interface=tcp://*:5556c\n--http-port=3000\n", 998, 0o644),
		DropIns: []transport.File{file("/etc/ntopng/ntopng.conf.d/a.conf", "--http-port=4000\n--max-num-flows=5\n", 0, 0o664),
			file("/etc/ntopng/ntopng.conf.d/b.conf", "--max-num-hosts=7\n", 0, 0o600)},
		IDs:       ids,
		Listeners: []livecheck.Listener{{Address: "0.0.0.0", Port: 5556}, {Address: "0.0.0.0", Port: 4000}},
	}
	h.Effective = evaluate("/etc/ntopng/ntopng.conf", string(h.Main.Data), h.DropIns, nil)
	if h.RunAsUser() != "ntopng" || !reflect.DeepEqual(h.MemberOf([]string{"redis", "adm"}), []string{"redis"}) {
		t.Errorf("RunAsUser %q MemberOf %q", h.RunAsUser(), h.MemberOf([]string{"redis", "adm"}))
	}
	if h.ConfigOwner() != "ntopng:root" {
		t.Errorf("ConfigOwner %q", h.ConfigOwner())
	}
	if got := h.ObservedListeners(); !reflect.DeepEqual(got, []string{"0.0.0.0:4000"}) {
		t.Errorf("ObservedListeners %q (the collector endpoint is no web server)", got)
	}
	files, edited, eff := h.Edit("/etc/ntopng/ntopng.conf", []ntopngconf.Setting{{Name: "http-port", Value: "0"}}, []string{"dont-change-user"}, 997, "")
	if len(files) != 2 || files[0].GID != 997 || files[0].Mode != ConfMode || !reflect.DeepEqual(edited, []string{"/etc/ntopng/ntopng.conf.d/a.conf"}) {
		t.Fatalf("Edit: %d files, edited %q", len(files), edited)
	}
	if files[1].UID != 0 || files[1].Mode != 0o644 || strings.Contains(string(files[1].Data), "http-port") {
		t.Errorf("edited drop-in: uid %d mode %o %q", files[1].UID, files[1].Mode, files[1].Data)
	}
	if eff.Options["http-port"] != "0" || eff.Options["max-num-flows"] != "5" {
		t.Errorf("effective after the edit: %v", eff.Options)
	}
	h.Effective.ChangeUser = false
	if h.RunAsUser() != "root" {
		t.Error("--dont-change-user runs as root")
	}
	h.Effective = ntopngconf.Evaluate(ntopngconf.File{Name: "/n", Text: "--user=ghost\n"})
	if h.RunAsUser() != "nobody" {
		t.Error("a missing user falls back to nobody")
	}
}

// TestUserScriptQuotesGroups: user.sh takes each group whole (a name with a space is one
// group) and adds the user to the groups it lacks.
func TestUserScriptQuotesGroups(t *testing.T) {
	dir := t.TempDir()
	argv := userScript.MustCommand(hostscript.Args{"NTOPNG_USER": "ntopng", "DATA_DIR": dir, "REAL_DIR": dir, "USER_GROUPS": "redis\na b"})
	_, calls := runStubbed(t, argv, map[string]string{"getent": "exit 0", "id": "echo ntop", "usermod": "exit 0", "chown": "exit 0", "chmod": "exit 0"})
	if !slices.Contains(calls, "usermod|-a|-G|redis|ntopng|") || !slices.Contains(calls, "getent|group|a b|") ||
		!slices.Contains(calls, "usermod|-a|-G|a b|ntopng|") {
		t.Errorf("calls %q", calls)
	}
}

func TestACLNetworks(t *testing.T) {
	for _, tc := range []struct {
		stored string
		want   []string
	}{
		{"+192.0.2.0/24,+127.0.0.1/32", []string{"192.0.2.0/24", "127.0.0.1/32"}},
		{"+0.0.0.0/0", []string{"0.0.0.0/0"}},
		{"-10.0.0.0/8", []string{"-10.0.0.0/8"}},
	} {
		if got := aclNetworks(tc.stored); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("aclNetworks(%q) = %q, want %q", tc.stored, got, tc.want)
		}
	}
}

// TestRedisStatus: the redis_status read-back and which statuses are drift.
func TestRedisStatus(t *testing.T) {
	cases := []struct {
		reach   *livecheck.RedisReach
		status  string
		drifted bool
	}{
		{nil, "", false},
		{&livecheck.RedisReach{Checked: true, OK: true}, "ok", false},
		{&livecheck.RedisReach{Checked: true, Detail: "WRONGPASS invalid username-password pair (unix:/run/redis.sock)"}, "WRONGPASS invalid username-password pair (unix:/run/redis.sock)", true},
		{&livecheck.RedisReach{Checked: true, Detail: "Could not connect to Redis at /x: No such file or directory (unix:/x)"}, "Could not connect to Redis at /x: No such file or directory (unix:/x)", true},
		{&livecheck.RedisReach{Detail: "not checked: the host has no redis-cli to ask Redis at unix:/x with"}, "not checked: the host has no redis-cli to ask Redis at unix:/x with", false},
	}
	for _, c := range cases {
		got := RedisStatus(c.reach)
		if got != c.status || RedisDrifted(got) != c.drifted {
			t.Errorf("RedisStatus(%+v) = %q (drift %v), want %q (drift %v)", c.reach, got, RedisDrifted(got), c.status, c.drifted)
		}
	}
}

// TestRedisDropIn: where the main file is the one ntop's updater reads --redis from, --redis
// (and its password) goes into the provider's own drop-in, out of the main file and out of
// every other drop-in; a drop-in before it without a final line feed does not run into it.
// Elsewhere (a per-interface file, any other path) it stays in the main file.
func TestRedisDropIn(t *testing.T) {
	const pw = "s3cret-Pa55"
	own := "/etc/ntopng/ntopng.conf.d/" + RedisDropInName
	if RedisDropIn(UpdaterConfPath) != own || RedisDropIn("/etc/ntopng/ntopng-eth0.conf") != "" || RedisDropIn("/srv/ntopng.conf") != "" {
		t.Fatalf("RedisDropIn: %q %q %q", RedisDropIn(UpdaterConfPath), RedisDropIn("/etc/ntopng/ntopng-eth0.conf"), RedisDropIn("/srv/ntopng.conf"))
	}
	set := []ntopngconf.Setting{{Name: "user", Value: "ntopng"}, {Name: "redis", Value: "/run/redis/redis-server.sock:0:" + pw + "@0"}}
	h := &Host{
		Main: file(UpdaterConfPath, "-G=/var/run/ntopng.pid\n--redis=127.0.0.1:6379:old@0\n", 0, 0o640),
		DropIns: []transport.File{file("/etc/ntopng/ntopng.conf.d/a.conf", "--redis=127.0.0.1\n--max-num-flows=5", 0, 0o640),
			file(own, "--redis=/tmp/planted.sock:0:x@0\n--max-num-hosts=9\n", 0, 0o640)},
	}
	files, edited, eff := h.Edit(UpdaterConfPath, set, nil, 997, RedisDropIn(UpdaterConfPath))
	byPath := map[string]string{}
	for _, f := range files {
		byPath[f.Path] = string(f.Data)
		if f.Path == own && (f.UID != 0 || f.GID != 997 || f.Mode != ConfMode) {
			t.Errorf("own drop-in: uid %d gid %d mode %o", f.UID, f.GID, f.Mode)
		}
	}
	if strings.Contains(byPath[UpdaterConfPath], "redis") || !strings.Contains(byPath[UpdaterConfPath], "--user=ntopng") {
		t.Errorf("main file still names Redis or lost --user:\n%s", byPath[UpdaterConfPath])
	}
	if strings.Contains(byPath["/etc/ntopng/ntopng.conf.d/a.conf"], "redis") || !reflect.DeepEqual(edited, []string{"/etc/ntopng/ntopng.conf.d/a.conf"}) {
		t.Errorf("other drop-in keeps --redis, or edited = %q", edited)
	}
	ownText := byPath[own]
	if !strings.HasPrefix(ownText, "\n") || strings.Count(ownText, "--redis=") != 1 || !strings.Contains(ownText, pw) || strings.Contains(ownText, "planted") || strings.Contains(ownText, "max-num-hosts") {
		t.Errorf("own drop-in:\n%s", ownText)
	}
	if eff.RedisHost != "/run/redis/redis-server.sock" || eff.RedisPassword == nil || *eff.RedisPassword != pw || eff.Options["max-num-flows"] != "5" {
		t.Errorf("effective after the edit: host %q password set %v, options %v", eff.RedisHost, eff.RedisPassword != nil, eff.Options)
	}
	// The files as ntop's unit concatenates them give ntopng the same.
	all := byPath[UpdaterConfPath] + byPath["/etc/ntopng/ntopng.conf.d/a.conf"] + ownText
	if cat := ntopngconf.EvaluateText(all); cat.RedisHost != eff.RedisHost || cat.Options["max-num-flows"] != "5" {
		t.Errorf("concatenated: redis %q, max-num-flows %q", cat.RedisHost, cat.Options["max-num-flows"])
	}
	// A per-interface file keeps --redis in itself.
	h.Main.Path, h.DropIns = "/etc/ntopng/ntopng-eth0.conf", nil // ntopng@.service reads no drop-ins
	files, _, _ = h.Edit("/etc/ntopng/ntopng-eth0.conf", set, nil, 997, RedisDropIn("/etc/ntopng/ntopng-eth0.conf"))
	if len(files) != 1 || !strings.Contains(string(files[0].Data), "--redis=/run/redis/redis-server.sock:0:"+pw) {
		t.Errorf("per-interface file: %d files, main:\n%s", len(files), files[0].Data)
	}
	// Where no systemd appends the drop-ins (own ""), --redis stays in the main file too.
	h.Main.Path = UpdaterConfPath
	files, _, _ = h.Edit(UpdaterConfPath, set, nil, 997, "")
	if len(files) != 1 || !strings.Contains(string(files[0].Data), "--redis=/run/redis/redis-server.sock:0:"+pw) {
		t.Errorf("without systemd: %d files, main:\n%s", len(files), files[0].Data)
	}
}

// TestWritten: the audit's "main file" is the main file with the provider's own Redis drop-in,
// while that is root's and writable by nobody else; any other drop-in stays out.
func TestWritten(t *testing.T) {
	own := "/etc/ntopng/ntopng.conf.d/" + RedisDropInName
	conf := func(ownUID int, ownMode uint32) *Conf {
		return &Conf{Main: file(UpdaterConfPath, "--user=ntopng\n", 0, 0o640), DropIns: []transport.File{
			file("/etc/ntopng/ntopng.conf.d/a.conf", "--http-port=3000\n", 0, 0o644),
			file(own, "\n--redis=/run/redis/redis-server.sock:0:pw@0\n", ownUID, ownMode)}}
	}
	w := conf(0, 0o640).Written(UpdaterConfPath)
	if w.RedisHost != "/run/redis/redis-server.sock" || w.RedisPassword == nil || w.Options["http-port"] != "" {
		t.Errorf("Written: redis %q (password %v), http-port %q", w.RedisHost, w.RedisPassword != nil, w.Options["http-port"])
	}
	for _, c := range []*Conf{conf(998, 0o640), conf(0, 0o666)} {
		if w := c.Written(UpdaterConfPath); w.RedisPassword != nil {
			t.Errorf("a drop-in not root's alone counts as written: %q", w.RedisHost)
		}
	}
	if w := conf(0, 0o640).Written("/srv/ntopng.conf"); w.RedisPassword != nil {
		t.Error("another main file has no own Redis drop-in")
	}
}
