package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/webusers"
)

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func eval(files ...string) ntopngconf.Effective {
	var fs []ntopngconf.File
	for i, t := range files {
		fs = append(fs, ntopngconf.File{Name: string(rune('a' + i)), Text: t})
	}
	return ntopngconf.Evaluate(fs...)
}

const hardenedConf = "--http-port=0\n--https-port=192.0.2.10:443\n--user=ntopng\n--redis=/run/redis/redis-server.sock:0:pw@0\n"

// hardened is a host after the quickstart and an ntopng_user for admin: every check passes.
func hardened() Facts {
	return Facts{
		Now:        now,
		NtopngConf: File{Path: "/etc/ntopng/ntopng.conf", Exists: true, Mode: 0o640, UID: 0, Owner: "root"},
		Effective:  eval(hardenedConf), MainOnly: eval(hardenedConf),
		UserExists: true, Running: true, ProcessUser: "ntopng",
		Listeners: []Listener{{Address: "192.0.2.10", Port: 443}},
		Cert: Cert{File: File{Path: "/usr/share/ntopng/httpdocs/ssl/ntopng-cert.pem", Exists: true, Mode: 0o640, Owner: "root"},
			Parsed: true, Subject: "CN=probe-1.example.net", Issuer: "CN=Example CA", NotAfter: now.Add(90 * 24 * time.Hour), KeyMatchesLeaf: true},
		Redis: Redis{ConfFile: File{Path: "/etc/redis/redis.conf", Exists: true, Mode: 0o640, Owner: "redis"},
			RequirePass: true, Port: 0, Bind: []string{"127.0.0.1", "-::1"}, UnixSocket: "/run/redis/redis-server.sock", UnixSocketPerm: 0o770,
			Probed: true, Reachable: true, AuthRequired: true, PingReply: "-NOAUTH Authentication required."},
		Web:         Web{Read: true, AdminHash: webusers.PasswordHash("a-long-random-password"), ACL: "+192.0.2.0/24"},
		Grants:      PackageGrants{NmapExists: true, User: "ntopng", JournalExists: true},
		Confinement: Confinement{Checked: true, InEffect: "ProtectSystem=strict, NoNewPrivileges=yes"},
		Collector: Collector{Remote: []string{"tcp://192.0.2.10:5556c"}, Encrypted: true, RunAs: "ntopng",
			PrivateKey: File{Path: "/var/lib/ntopng/zmq-key.priv", Exists: true, Mode: 0o600, Owner: "root"}},
		TLS: TLS{Checked: true, Endpoint: "192.0.2.10:443", Protocols: []string{"TLSv1.2", "TLSv1.3"},
			Chosen: "ECDHE-RSA-AES128-GCM-SHA256", ServerOrder: &serverOrder},
	}
}

var serverOrder, clientOrder = true, false

// stock is ntop's package as installed on Debian: every check fails.
func stock() Facts {
	conf := "-G=/var/run/ntopng.pid\n"
	return Facts{
		Now:        now,
		NtopngConf: File{Path: "/etc/ntopng/ntopng.conf", Exists: true, Mode: 0o644, UID: 998, Owner: "ntopng"},
		DropIns:    []File{{Path: "/etc/ntopng/ntopng.conf.d/local.conf", Exists: true, Mode: 0o644, UID: 998, Owner: "ntopng"}},
		Effective:  eval(conf, "--dont-change-user\n--disable-login=1\n"), MainOnly: eval(conf),
		UserExists: true, Running: true, ProcessUser: "root",
		Listeners: []Listener{{Address: "0.0.0.0", Port: 3000}},
		Cert: Cert{File: File{Path: "/usr/share/ntopng/httpdocs/ssl/ntopng-cert.pem", Exists: true, Mode: 0o644, Owner: "root"},
			Parsed: true, Subject: PackageCertSubject, Issuer: PackageCertSubject, SelfSigned: true, NotAfter: now.Add(300 * 24 * time.Hour), KeyMatchesLeaf: true},
		Redis: Redis{ConfFile: File{Path: "/etc/redis/redis.conf", Exists: true, Mode: 0o644, Owner: "redis"},
			Port: 6379, Bind: []string{"0.0.0.0"}, Probed: true, Reachable: true, PingReply: "+PONG",
			Listeners: []Listener{{Address: "0.0.0.0", Port: 6379}}},
		Web: Web{Read: true, AdminHash: webusers.DefaultAdminHash},
		Grants: PackageGrants{NmapExists: true, NmapCaps: "cap_net_admin,cap_net_bind_service,cap_net_raw=eip", User: "ntopng",
			InJournal: true, JournalExists: true, Sudoers: true, SudoersRules: []string{"ntopng ALL= NOPASSWD: /usr/bin/ntopctl"},
			Cron: true, CronLines: []string{"* * * * * root /usr/bin/ntopng-utils-manage-updates -a handle-on-demand-requests"}},
		Confinement: Confinement{Checked: true, Unmet: []string{`ProtectSystem is "no" in the unit, want "strict"`}, InEffect: "ProtectSystem=no"},
		Collector:   Collector{Remote: []string{"tcp://*:5556c"}, XORPassword: true, RunAs: "ntopng"},
		// Not ntop's stock (it refuses TLS 1.1 and takes TLS 1.3): a server failing every TLS check.
		TLS: TLS{Checked: true, Endpoint: "0.0.0.0:443", Protocols: []string{"TLSv1.1", "TLSv1.2"}, NoForwardSecrecy: "AES128-GCM-SHA256",
			NotAEAD: "ECDHE-RSA-AES128-SHA", Chosen: "ECDHE-RSA-AES128-GCM-SHA256", ServerOrder: &clientOrder},
	}
}

func statuses(fs []Finding) map[string]string {
	m := map[string]string{}
	for _, f := range fs {
		m[f.ID] = f.Status
	}
	return m
}

func TestHardenedPassesEverything(t *testing.T) {
	fs := Run(hardened())
	for _, f := range fs {
		if f.Status != Pass {
			t.Errorf("%s: %s: %s (%s)", f.ID, f.Status, f.Summary, f.Evidence)
		}
		if f.Remediation != "" {
			t.Errorf("%s passes but names a remediation", f.ID)
		}
	}
	if score, passed := Score(fs); score != 100 || !passed {
		t.Errorf("score %d passed %v", score, passed)
	}
	if len(fs) != len(Checks) {
		t.Fatalf("%d findings for %d checks", len(fs), len(Checks))
	}
}

func TestStockFailsEverything(t *testing.T) {
	fs := Run(stock())
	for _, f := range fs {
		if f.Status != Fail {
			t.Errorf("%s: %s: %s (%s)", f.ID, f.Status, f.Summary, f.Evidence)
		}
		if f.Evidence == "" || f.Remediation == "" || f.Summary == "" {
			t.Errorf("%s: a failure needs summary, evidence and remediation: %+v", f.ID, f)
		}
	}
	if score, passed := Score(fs); score != 0 || passed {
		t.Errorf("score %d passed %v", score, passed)
	}
}

// TestOneCheckFails: one host per check, where only that check fails.
func TestOneCheckFails(t *testing.T) {
	cases := map[string]func(f *Facts){
		"web_http_off": func(f *Facts) {
			f.Effective = eval(strings.Replace(hardenedConf, "--http-port=0", "--http-port=127.0.0.1:3000", 1))
			f.MainOnly = f.Effective
			f.Listeners = append(f.Listeners, Listener{Address: "192.0.2.10", Port: 3000}) // running, not restarted
		},
		"web_https_on": func(f *Facts) { f.Listeners = nil; f.Running = true },
		"tls_certificate": func(f *Facts) {
			f.Cert.NotAfter = now.Add(-time.Hour)
		},
		"tls_key_private": func(f *Facts) { f.Cert.File.Mode = 0o600 | 0o002 },
		"web_explicit_address": func(f *Facts) {
			f.Effective = eval(strings.Replace(hardenedConf, "192.0.2.10:443", "443", 1))
			f.MainOnly = f.Effective
			f.Listeners = []Listener{{Address: "0.0.0.0", Port: 443}}
		},
		"redis_auth": func(f *Facts) {
			f.Redis.RequirePass, f.Redis.AuthRequired, f.Redis.PingReply = false, false, "+PONG"
			f.Redis.UnixSocketPerm = 0o777
		},
		"redis_not_exposed": func(f *Facts) {
			f.Redis.Port, f.Redis.Bind = 6379, []string{"192.0.2.10"}
			f.Redis.RequirePass, f.Redis.AuthRequired, f.Redis.PingReply = false, false, "+PONG"
			f.Redis.Listeners = []Listener{{Address: "192.0.2.10", Port: 6379}}
		},
		"ntopng_dedicated_user": func(f *Facts) { f.ProcessUser = "nobody" },
		"files_secrets_private": func(f *Facts) { f.Redis.ConfFile.Mode = 0o644 },
		"files_config_owner":    func(f *Facts) { f.NtopngConf.Owner, f.NtopngConf.UID = "ntopng", 998 },
		"ntopng_dropins": func(f *Facts) {
			f.DropIns = []File{{Path: "/etc/ntopng/ntopng.conf.d/zz.conf", Exists: true, Mode: 0o640, Owner: "root"}}
			f.Effective = eval(hardenedConf, "--https-port=192.0.2.10:8443\n")
			f.Listeners = []Listener{{Address: "192.0.2.10", Port: 8443}}
		},
		"web_login_enabled": func(f *Facts) {
			f.Effective = eval(hardenedConf + "--disable-login=1\n")
			f.MainOnly = f.Effective
		},
		"web_admin_password":        func(f *Facts) { f.Web.AdminHash = webusers.DefaultAdminHash },
		"web_access_list":           func(f *Facts) { f.Web.ACL = "+192.0.2.0/24,+0.0.0.0/0" },
		"package_nmap_capabilities": func(f *Facts) { f.Grants.NmapCaps = "cap_net_raw=eip" },
		"package_journal_access":    func(f *Facts) { f.Grants.InJournal = true },
		"package_ntopctl_sudo": func(f *Facts) {
			f.Grants.Sudoers, f.Grants.SudoersRules = true, []string{"ntopng ALL= NOPASSWD: /usr/bin/ntopctl"}
		},
		"package_update_cron": func(f *Facts) {
			f.Grants.Cron, f.Grants.CronLines = true, []string{"0 6 * * * root /usr/bin/ntopng-utils-manage-updates -a check-updates"}
		},
		"service_confinement": func(f *Facts) {
			f.Confinement.Unmet = []string{"the running ntopng (PID 812) was started without the confinement"}
		},
		"collector_encryption": func(f *Facts) { f.Collector.PrivateKey.Mode = 0o644 },
		"tls_protocols":        func(f *Facts) { f.TLS.Protocols = []string{"TLSv1.2"} },
		"tls_forward_secrecy":  func(f *Facts) { f.TLS.NoForwardSecrecy = "AES256-GCM-SHA384" },
		"tls_aead_only":        func(f *Facts) { f.TLS.NotAEAD = "ECDHE-RSA-AES256-SHA384" },
		"tls_server_order":     func(f *Facts) { f.TLS.ServerOrder = &clientOrder },
	}
	for _, id := range IDs() {
		mutate, ok := cases[id]
		if !ok {
			t.Errorf("no single-failure case for %s", id)
			continue
		}
		f := hardened()
		mutate(&f)
		for gotID, st := range statuses(Run(f)) {
			want := Pass
			// Redis beyond loopback without a password cannot pass redis_auth either.
			if gotID == id || id == "redis_not_exposed" && gotID == "redis_auth" {
				want = Fail
			}
			if st != want {
				t.Errorf("host failing only %s: %s is %s", id, gotID, st)
			}
		}
	}
}

func TestMoreCases(t *testing.T) {
	f := hardened()
	// HTTP disabled without a certificate: the fallback on every address.
	f.Cert.File.Exists = false
	if st := statuses(Run(f)); st["web_http_off"] != Fail || st["web_https_on"] != Fail || st["tls_key_private"] != NotApplicable {
		t.Errorf("no certificate: %v", st)
	}
	// Loopback only: the access list does not matter.
	f = hardened()
	f.Effective = eval(strings.Replace(hardenedConf, "192.0.2.10:443", "127.0.0.1:443", 1))
	f.MainOnly, f.Listeners, f.Web.ACL = f.Effective, []Listener{{Address: "127.0.0.1", Port: 443}}, ""
	if st := statuses(Run(f)); st["web_access_list"] != NotApplicable {
		t.Errorf("loopback only: %v", st["web_access_list"])
	}
	// Redis not readable: the web checks fail, saying why.
	f = hardened()
	f.Web = Web{Error: "NOAUTH"}
	for _, x := range Run(f) {
		if (x.ID == "web_admin_password" || x.ID == "web_access_list") && (x.Status != Fail || x.Evidence != "NOAUTH") {
			t.Errorf("%s: %+v", x.ID, x)
		}
	}
	// The evidence never holds the Redis password from --redis.
	for _, x := range Run(hardened()) {
		if strings.Contains(x.Evidence, ":pw@") {
			t.Errorf("%s evidence holds the password: %s", x.ID, x.Evidence)
		}
	}
	// Redis socket-only without a password, socket closed to others: passes.
	f = hardened()
	f.Redis.RequirePass, f.Redis.Probed, f.Redis.Reachable = false, true, false
	if st := statuses(Run(f)); st["redis_auth"] != Pass {
		t.Errorf("closed socket: %v", st["redis_auth"])
	}
}

// TestConfinementNotChecked: a host without systemd is neither a pass nor a failure.
func TestConfinementNotChecked(t *testing.T) {
	f := hardened()
	f.Confinement = Confinement{Why: "systemd does not run on the host"}
	for _, fd := range Run(f) {
		if fd.ID == "service_confinement" && (fd.Status != NotApplicable || !strings.Contains(fd.Evidence, "systemd does not run")) {
			t.Errorf("service_confinement without systemd: %+v", fd)
		}
	}
}

func TestCollectorEncryption(t *testing.T) {
	run := func(mutate func(c *Collector)) Finding {
		f := hardened()
		mutate(&f.Collector)
		for _, fd := range Run(f) {
			if fd.ID == "collector_encryption" {
				return fd
			}
		}
		t.Fatal("no collector_encryption finding")
		return Finding{}
	}
	if fd := run(func(c *Collector) { c.Remote = nil }); fd.Status != NotApplicable {
		t.Errorf("no collector beyond loopback: %+v", fd)
	}
	if fd := run(func(c *Collector) { c.Encrypted, c.XORPassword = false, true }); fd.Status != Fail ||
		!strings.Contains(fd.Evidence, "XOR") || !strings.Contains(fd.Evidence, "tcp://192.0.2.10:5556c") {
		t.Errorf("XOR only: %+v", fd)
	}
	if fd := run(func(c *Collector) { c.PrivateKey.Owner = "ntopng" }); fd.Status != Pass {
		t.Errorf("ntopng's own key: %+v", fd)
	}
	if fd := run(func(c *Collector) { c.PrivateKey.Owner = "www-data" }); fd.Status != Fail {
		t.Errorf("someone else's key: %+v", fd)
	}
	if fd := run(func(c *Collector) { c.PrivateKey = File{} }); fd.Status != Pass {
		t.Errorf("key pair not created yet (ntopng makes it at start-up): %+v", fd)
	}
	if fd := run(func(c *Collector) { c.KeyOption = true }); fd.Status != Fail || !strings.Contains(fd.Summary, "--zmq-encryption-key-priv") {
		t.Errorf("private key in the configuration: %+v", fd)
	}
	legacy := File{Path: "/var/lib/ntopng/1/key.priv", Exists: true, Mode: 0o600, Owner: "root"}
	if fd := run(func(c *Collector) { c.LegacyKeys = []File{legacy} }); fd.Status != Pass ||
		!strings.Contains(fd.Evidence, "/var/lib/ntopng/1/key.priv") || !strings.Contains(fd.Evidence, "before 6.0") {
		t.Errorf("per-interface key pair of old ntopng, private: %+v", fd)
	}
	legacy.Mode = 0o644
	if fd := run(func(c *Collector) { c.LegacyKeys = []File{legacy} }); fd.Status != Fail {
		t.Errorf("per-interface private key readable by others: %+v", fd)
	}
}

// TestUpdateCronEvidence: the finding says whether the updater finds the Redis password in
// ntopng.conf (it would put it on redis-cli's command line), and passes without the job.
func TestUpdateCronEvidence(t *testing.T) {
	job := []string{"* * * * * root /usr/bin/ntopng-utils-manage-updates -a handle-on-demand-requests"}
	for _, tc := range []struct {
		name   string
		g      PackageGrants
		status string
		want   []string
	}{
		{"job, password in ntopng.conf", PackageGrants{Cron: true, CronLines: job, UpdaterRedis: "/run/redis/redis-server.sock:0", UpdaterPassword: true},
			Fail, []string{"command line", "handle-on-demand-requests", "reads Redis /run/redis/redis-server.sock:0 with a password from /etc/ntopng/ntopng.conf"}},
		{"job, no Redis in ntopng.conf", PackageGrants{Cron: true, CronLines: job},
			Fail, []string{"apt-get install", "finds no Redis in /etc/ntopng/ntopng.conf"}},
		{"job, Redis without password", PackageGrants{Cron: true, CronLines: job, UpdaterRedis: "127.0.0.1:6379"},
			Fail, []string{"apt-get install", "reads Redis 127.0.0.1:6379 without a password"}},
		{"comments only", PackageGrants{Cron: true}, Pass, []string{"comments only"}},
		{"no job", PackageGrants{UpdaterRedis: "/run/redis/redis-server.sock:0", UpdaterPassword: true}, Pass, []string{"/etc/cron.d/ntopng missing", "with a password"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkUpdateCron(Facts{Grants: tc.g})
			if got.Status != tc.status {
				t.Errorf("status = %s, want %s (%+v)", got.Status, tc.status, got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got.Summary+" | "+got.Evidence, w) {
					t.Errorf("finding %q | %q lacks %q", got.Summary, got.Evidence, w)
				}
			}
		})
	}
}
