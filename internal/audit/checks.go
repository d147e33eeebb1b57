package audit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/webusers"
)

// PackageCertSubject is the subject of the self-signed certificate ntop's package makes.
const PackageCertSubject = "CN=ntopng.local"

// Checks is the checklist; the IDs are stable (documented in the data source's page).
var Checks = []Check{
	{ID: "web_http_off", Severity: Critical, Title: "Plain HTTP off or on loopback only",
		Remediation: `ntopng_instance.http_listen = "disabled" (or ":PORT" for 127.0.0.1 only)`, Run: checkHTTPOff},
	{ID: "web_https_on", Severity: High, Title: "HTTPS on",
		Remediation: `ntopng_instance.https_listen = "ADDRESS:443" with the certificate from ntopng_tls_cert`, Run: checkHTTPSOn},
	{ID: "tls_certificate", Severity: High, Title: "HTTPS certificate not the package's self-signed one, not expired, matching its key",
		Remediation: "ntopng_tls_cert.certificate_pem and private_key_pem_wo (your CA's or ACME certificate)", Run: checkCertificate},
	{ID: "tls_key_private", Severity: High, Title: "Certificate file (it holds the private key) not readable by others",
		Remediation: `ntopng_tls_cert.mode = "0640" (default) and group`, Run: checkCertPrivate},
	{ID: "web_explicit_address", Severity: Medium, Title: "Web servers on explicit addresses (file and sockets agree)",
		Remediation: `ntopng_instance.https_listen = "ADDRESS:PORT" (and http_listen "disabled" or ":PORT")`, Run: checkExplicitAddress},
	{ID: "redis_auth", Severity: Critical, Title: "Redis requires a password, or has no TCP listener and a socket closed to others",
		Remediation: "ntopng_redis.requirepass_wo (and port = 0, unixsocketperm = 770), ntopng_instance.redis_password_wo", Run: checkRedisAuth},
	{ID: "redis_not_exposed", Severity: Critical, Title: "No Redis on a non-loopback address without a password",
		Remediation: "ntopng_redis.port = 0 (socket only) or bind to 127.0.0.1, and requirepass_wo", Run: checkRedisExposed},
	{ID: "ntopng_dedicated_user", Severity: High, Title: "ntopng runs as a dedicated user (not root, not nobody)",
		Remediation: `ntopng_instance.user = "ntopng" with manage_user = true`, Run: checkDedicatedUser},
	{ID: "files_secrets_private", Severity: High, Title: "Files holding secrets not readable by others",
		Remediation: "ntopng_instance and ntopng_redis write their files 0640; apply them", Run: checkSecretsPrivate},
	{ID: "files_config_owner", Severity: Medium, Title: "The service account does not own its configuration",
		Remediation: "ntopng_instance writes ntopng.conf as root:GROUP 0640; apply it (ntop's package chowns /etc/ntopng to ntopng on upgrades)", Run: checkConfigOwner},
	{ID: "ntopng_dropins", Severity: High, Title: "No drop-in weakens the configuration",
		Remediation: "ntopng_instance removes managed options from ntopng.conf.d/*.conf; apply it", Run: checkDropIns},
	{ID: "web_login_enabled", Severity: Critical, Title: "Web login not disabled",
		Remediation: `remove "disable-login" from ntopng_instance.extra_options`, Run: checkLogin},
	{ID: "web_admin_password", Severity: Critical, Title: "admin not on its default password",
		Remediation: `ntopng_user for username = "admin" with password_wo`, Run: checkAdminPassword},
	{ID: "web_access_list", Severity: High, Title: "Web access list not open to everyone when the web server listens beyond loopback",
		Remediation: "ntopng_instance.web_allowed_networks", Run: checkAccessList},
	{ID: "service_confinement", Severity: Medium, Title: "ntopng confined by its systemd unit (read-only system, bounded capabilities, system-call filter)",
		Remediation: "ntopng_instance.confinement = true (default); apply it", Run: checkConfinement},
	{ID: "collector_encryption", Severity: High, Title: "Flow collector endpoints beyond loopback require CURVE encryption; its private key is private",
		Remediation: "ntopng_instance.zmq_encryption = true, nProbe given zmq_public_key with --zmq-encryption-key (or bind the collector to 127.0.0.1)", Run: checkCollectorEncryption},
}

func checkCollectorEncryption(f Facts) Finding {
	c := f.Collector
	if len(c.Remote) == 0 {
		return na("no flow collector endpoint beyond loopback")
	}
	ev := []string{"collector endpoints: " + strings.Join(c.Remote, ", ")}
	if c.XORPassword {
		ev = append(ev, "--zmq-encrypt-pwd is set: an XOR with a shared password, not encryption")
	}
	if !c.Encrypted {
		return fail("collector endpoints beyond loopback take flows from anyone, in clear (no --zmq-encryption)", ev...)
	}
	if c.KeyOption {
		return fail("ntopng's CURVE private key is in its configuration (--zmq-encryption-key-priv), not in its data directory", ev...)
	}
	private := true
	for _, k := range append([]File{c.PrivateKey}, c.LegacyKeys...) {
		if !k.Exists {
			continue
		}
		ev = append(ev, fmt.Sprintf("%s: %s, mode %04o", k.Path, k.Owner, k.Mode))
		private = private && k.Mode == 0o600 && (k.Owner == "root" || k.Owner == c.RunAs)
	}
	if len(c.LegacyKeys) > 0 {
		ev = append(ev, "per-interface key pairs (key.pub, key.priv) of ntopng before 6.0: ntopng uses them instead of zmq-key.* for those interfaces")
	}
	if !private {
		return fail("ntopng's CURVE private key is not root's or ntopng's own with mode 0600", ev...)
	}
	return pass("collector endpoints require CURVE encryption", ev...)
}

func checkConfinement(f Facts) Finding {
	c := f.Confinement
	switch {
	case !c.Checked:
		return na("ntopng's unit confinement not checked", c.Why)
	case len(c.Unmet) > 0:
		return fail("ntopng is not confined by its unit", append(c.Unmet, "in effect: "+c.InEffect)...)
	}
	return pass("ntopng is confined by its unit", "in effect: "+c.InEffect)
}

// httpsStarts: HTTPS is configured and its certificate exists (ntopng starts it only then).
func httpsStarts(f Facts) bool { return f.Effective.HTTPSPort != 0 && f.Cert.File.Exists }

func checkHTTPOff(f Facts) Finding {
	e := f.Effective
	ev := []string{confEvidence(f, "http-port", "https-port")}
	if f.Running {
		ev = append(ev, listeners(f.Listeners))
	}
	var open []string
	if f.Running {
		for _, l := range f.Listeners {
			if !l.loopback() && (e.HTTPSPort == 0 || l.Port != e.HTTPSPort) {
				open = append(open, l.String())
			}
		}
	}
	switch {
	case e.HTTPPort == 0 && !httpsStarts(f):
		return fail("HTTP is set to 0 but HTTPS cannot start, so ntopng falls back to plain HTTP on an ephemeral port on every address", ev...)
	case e.HTTPPort != 0 && e.HTTPBind != ntopngconf.BindLoopback && !isLoopbackBind(e.HTTPBind):
		return fail(fmt.Sprintf("plain HTTP is on, port %d on %s", e.HTTPPort, bindWords(e.HTTPBind)), ev...)
	case len(open) > 0:
		return fail("the running ntopng serves plain HTTP beyond loopback: "+strings.Join(open, ", "), ev...)
	}
	return pass("plain HTTP is off or on loopback only", ev...)
}

func isLoopbackBind(b string) bool {
	return b == "127.0.0.1" || b == "[::1]" || strings.HasPrefix(b, "127.")
}

func bindWords(b string) string {
	if b == ntopngconf.BindAnyIPv4 {
		return "every IPv4 address"
	}
	return b
}

func checkHTTPSOn(f Facts) Finding {
	e := f.Effective
	ev := []string{confEvidence(f, "https-port"), "certificate " + f.Cert.File.String()}
	if e.HTTPSPort == 0 {
		return fail("HTTPS is off (--https-port not set)", ev...)
	}
	if !f.Cert.File.Exists {
		return fail("HTTPS is configured but its certificate is missing, so ntopng does not start it", ev...)
	}
	if f.Running {
		ev = append(ev, listeners(f.Listeners))
		if len(webListeners(f, e.HTTPSPort)) == 0 {
			return fail(fmt.Sprintf("the running ntopng does not listen on the HTTPS port %d (changed but not restarted?)", e.HTTPSPort), ev...)
		}
	}
	return pass(fmt.Sprintf("HTTPS is on, port %d", e.HTTPSPort), ev...)
}

func checkCertificate(f Facts) Finding {
	c := f.Cert
	if !c.File.Exists {
		return fail("no HTTPS certificate", "certificate "+c.File.String())
	}
	if !c.Parsed {
		return fail("the certificate file holds no readable certificate", "certificate "+c.File.String())
	}
	ev := []string{"subject " + c.Subject, "issuer " + c.Issuer, "not after " + c.NotAfter.UTC().Format("2006-01-02T15:04:05Z")}
	var bad []string
	if c.SelfSigned && c.Subject == PackageCertSubject {
		bad = append(bad, "it is the self-signed "+PackageCertSubject+" certificate ntop's package makes")
	}
	if c.WeakSignature {
		bad = append(bad, "it is signed with SHA-1 or MD5")
	}
	if !c.NotAfter.IsZero() && f.Now.After(c.NotAfter) {
		bad = append(bad, "it has expired")
	}
	if !c.KeyMatchesLeaf {
		bad = append(bad, "the private key in the file does not match it (or is missing or encrypted)")
	}
	if len(bad) > 0 {
		return fail("the HTTPS certificate is not fit: "+strings.Join(bad, "; "), ev...)
	}
	return pass("the HTTPS certificate is your own, valid and matches its key", ev...)
}

func checkCertPrivate(f Facts) Finding {
	c := f.Cert.File
	if !c.Exists {
		return na("no certificate file", "certificate "+c.String())
	}
	if c.Mode&0o004 != 0 || c.Mode&0o002 != 0 {
		return fail("the certificate file, which holds the private key, is readable or writable by every user", "certificate "+c.String())
	}
	return pass("the certificate file is not readable by others", "certificate "+c.String())
}

func checkExplicitAddress(f Facts) Finding {
	e := f.Effective
	ev := []string{confEvidence(f, "http-port", "https-port")}
	var bad []string
	if e.HTTPPort != 0 && e.HTTPBind == ntopngconf.BindAnyIPv4 {
		bad = append(bad, fmt.Sprintf("HTTP port %d on every IPv4 address", e.HTTPPort))
	}
	if e.HTTPPort == 0 && !httpsStarts(f) {
		bad = append(bad, "HTTP falls back to an ephemeral port on every address")
	}
	if e.HTTPSPort != 0 && e.HTTPSBind == ntopngconf.BindAnyIPv4 {
		bad = append(bad, fmt.Sprintf("HTTPS port %d on every IPv4 address", e.HTTPSPort))
	}
	if f.Running {
		ev = append(ev, listeners(f.Listeners))
		for _, l := range f.Listeners {
			if l.wildcard() && (l.Port == e.HTTPPort || l.Port == e.HTTPSPort || e.HTTPPort == 0) {
				bad = append(bad, "the running ntopng listens on "+l.String())
			}
		}
	}
	if len(bad) > 0 {
		return fail("a web server listens on every address: "+strings.Join(bad, "; "), ev...)
	}
	return pass("the web servers listen on explicit addresses", ev...)
}

func redisEvidence(r Redis) []string {
	ev := []string{fmt.Sprintf("redis.conf %s: requirepass %s, port %d, bind %q, unixsocket %q perm %04o",
		r.ConfFile.String(), map[bool]string{true: "set", false: "not set"}[r.RequirePass], r.Port, strings.Join(r.Bind, " "), r.UnixSocket, r.UnixSocketPerm)}
	if r.Probed {
		if r.Reachable {
			ev = append(ev, "live: an unauthenticated PING got "+r.PingReply)
		} else {
			ev = append(ev, "live: Redis not reachable")
		}
	}
	var ls []string
	for _, l := range r.Listeners {
		ls = append(ls, l.String())
	}
	ev = append(ev, "redis-server TCP listeners: "+orNone(ls))
	return ev
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func checkRedisAuth(f Facts) Finding {
	r := f.Redis
	ev := redisEvidence(r)
	if r.Probed && r.Reachable && !r.AuthRequired {
		return fail("Redis answers an unauthenticated client", ev...)
	}
	if r.RequirePass && r.Probed && r.Reachable && r.AuthRequired {
		return pass("Redis requires a password (file and live check agree)", ev...)
	}
	if r.Port == 0 && len(r.Listeners) == 0 && r.UnixSocket != "" && r.UnixSocketPerm&0o007 == 0 {
		return pass("Redis has no TCP listener and its socket is closed to others", ev...)
	}
	if !r.RequirePass {
		return fail("Redis has no password and is reachable over TCP or through a socket open to everyone", ev...)
	}
	return fail("Redis's file sets a password, but the running server could not confirm it", ev...)
}

func checkRedisExposed(f Facts) Finding {
	r := f.Redis
	ev := redisEvidence(r)
	var exposed []string
	for _, l := range r.Listeners {
		if !l.loopback() {
			exposed = append(exposed, l.String())
		}
	}
	if r.Port != 0 {
		for _, b := range r.Bind {
			b = strings.TrimPrefix(b, "-")
			if b != "127.0.0.1" && b != "::1" && !strings.HasPrefix(b, "127.") {
				exposed = append(exposed, "bind "+b)
			}
		}
		if len(r.Bind) == 0 {
			exposed = append(exposed, "no bind: every address")
		}
	}
	authed := r.RequirePass && (!r.Probed || !r.Reachable || r.AuthRequired)
	if len(exposed) > 0 && !authed {
		return fail("Redis listens beyond loopback without a password: "+strings.Join(exposed, ", "), ev...)
	}
	if len(exposed) > 0 {
		return pass("Redis listens beyond loopback but requires a password", ev...)
	}
	return pass("Redis does not listen beyond loopback", ev...)
}

func checkDedicatedUser(f Facts) Finding {
	e := f.Effective
	ev := []string{confEvidence(f, "user", "dont-change-user")}
	if f.Running {
		ev = append(ev, "the running ntopng process runs as "+orNone([]string{f.ProcessUser}))
	}
	user := e.User
	switch {
	case !e.ChangeUser:
		return fail("--dont-change-user keeps ntopng running as root", ev...)
	case user == "root" || user == "nobody":
		return fail("ntopng runs as "+user, ev...)
	case !f.UserExists:
		return fail(fmt.Sprintf("the user %q does not exist, so ntopng falls back to nobody", user), ev...)
	case f.Running && f.ProcessUser != user:
		return fail(fmt.Sprintf("the running ntopng runs as %q, not %q", f.ProcessUser, user), ev...)
	}
	return pass("ntopng runs as the dedicated user "+user, ev...)
}

func checkSecretsPrivate(f Facts) Finding {
	files := append([]File{f.NtopngConf}, f.DropIns...)
	files = append(files, f.Redis.ConfFile, f.Cert.File)
	var open, ev []string
	for _, x := range files {
		if !x.Exists {
			continue
		}
		ev = append(ev, x.String())
		if x.Mode&0o004 != 0 {
			open = append(open, x.Path)
		}
	}
	if len(open) > 0 {
		return fail("readable by every user: "+strings.Join(open, ", "), ev...)
	}
	return pass("no file holding a secret is readable by others", ev...)
}

func checkConfigOwner(f Facts) Finding {
	user := f.Effective.User
	var owned, ev []string
	for _, x := range append([]File{f.NtopngConf}, f.DropIns...) {
		if !x.Exists {
			continue
		}
		ev = append(ev, x.String())
		if x.Owner == user && user != "root" {
			owned = append(owned, x.Path)
		}
	}
	if len(owned) > 0 {
		return fail(fmt.Sprintf("the service account %s owns (and could rewrite) %s", user, strings.Join(owned, ", ")), ev...)
	}
	return pass("the configuration is not owned by the service account", ev...)
}

func checkDropIns(f Facts) Finding {
	if len(f.DropIns) == 0 {
		return pass("no drop-ins", "ntopng.conf.d: no *.conf")
	}
	m, e := f.MainOnly, f.Effective
	var weaker []string
	if e.HTTPPort != m.HTTPPort || e.HTTPBind != m.HTTPBind {
		weaker = append(weaker, fmt.Sprintf("HTTP %d on %s instead of %d on %s", e.HTTPPort, bindWords(e.HTTPBind), m.HTTPPort, bindWords(m.HTTPBind)))
	}
	if e.HTTPSPort != m.HTTPSPort || e.HTTPSBind != m.HTTPSBind {
		weaker = append(weaker, fmt.Sprintf("HTTPS %d on %s instead of %d on %s", e.HTTPSPort, bindWords(e.HTTPSBind), m.HTTPSPort, bindWords(m.HTTPSBind)))
	}
	if e.User != m.User || e.ChangeUser != m.ChangeUser {
		weaker = append(weaker, "the run-as user")
	}
	if (m.RedisPassword != nil) != (e.RedisPassword != nil) || e.RedisHost != m.RedisHost {
		weaker = append(weaker, "the Redis connection")
	}
	if _, ok := e.Options["disable-login"]; ok {
		if _, inMain := m.Options["disable-login"]; !inMain {
			weaker = append(weaker, "--disable-login")
		}
	}
	var names []string
	for _, d := range f.DropIns {
		names = append(names, d.Path)
	}
	if len(weaker) > 0 {
		return fail("a drop-in overrides the main file: "+strings.Join(weaker, "; "), "drop-ins: "+strings.Join(names, ", "))
	}
	return pass("the drop-ins override no security setting of the main file", "drop-ins: "+strings.Join(names, ", "))
}

func checkLogin(f Facts) Finding {
	if v, ok := f.Effective.Options["disable-login"]; ok {
		who := "for everyone"
		if v == "0" {
			who = "from localhost"
		}
		return fail("the web login is disabled "+who, confEvidence(f, "disable-login"))
	}
	return pass("the web login is on", confEvidence(f, "disable-login"))
}

func checkAdminPassword(f Facts) Finding {
	w := f.Web
	if !w.Read {
		return fail("admin's password could not be checked: ntopng's Redis was not readable", w.Error)
	}
	ev := "ntopng.user.admin.password: "
	switch {
	case w.AdminHash == "":
		return fail("admin has no password key, so ntopng sets admin/admin at its next start", ev+"missing")
	case webusers.IsDefaultAdmin(webusers.Admin, w.AdminHash):
		return fail("admin still has the default password admin", ev+"MD5(\"admin\")")
	case w.TempAdminPassword:
		return fail("a temporary admin password is set ("+webusers.TempAdminPasswordKey+")", ev+"not the default (value masked); "+webusers.TempAdminPasswordKey+" set")
	}
	return pass("admin has its own password", ev+"not the default (value masked)")
}

func checkAccessList(f Facts) Finding {
	e := f.Effective
	beyond := (e.HTTPPort != 0 && !isLoopbackBind(e.HTTPBind) && e.HTTPBind != ntopngconf.BindLoopback) ||
		(e.HTTPSPort != 0 && !isLoopbackBind(e.HTTPSBind) && e.HTTPSBind != ntopngconf.BindLoopback) ||
		(e.HTTPPort == 0 && !httpsStarts(f))
	for _, l := range f.Listeners {
		beyond = beyond || !l.loopback()
	}
	if !beyond {
		return na("the web server listens on loopback only", confEvidence(f, "http-port", "https-port"))
	}
	w := f.Web
	if !w.Read {
		return fail("the web access list could not be read: ntopng's Redis was not readable", w.Error)
	}
	acl := webusers.ParseACL(w.ACL)
	ev := webusers.ACLKey + " = " + fmt.Sprintf("%q", w.ACL)
	if len(acl.Invalid) > 0 {
		return fail("the web access list holds entries the web server cannot read ("+strings.Join(acl.Invalid, ", ")+")", ev)
	}
	if acl.OpenToEveryone() {
		return fail("the web server listens beyond loopback and its access list lets every address in", ev)
	}
	return pass("the web access list restricts who reaches the web server", ev)
}

// IDs lists the check IDs in order.
func IDs() []string {
	out := make([]string, len(Checks))
	for i, c := range Checks {
		out[i] = c.ID
	}
	return slices.Clip(out)
}
