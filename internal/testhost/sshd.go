package testhost

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// sftpServer is where Debian's openssh-server installs the SFTP subsystem.
const sftpServer = "/usr/lib/openssh/sftp-server"

// Options changes how StartSSHD configures sshd.
type Options struct {
	// PasswordAuth turns on PasswordAuthentication (off by default).
	PasswordAuth bool
	// HostCertificate makes sshd present a host certificate signed by a fresh host CA,
	// whose public key is SSHD.HostCAPublicKey (see CertAuthorityLine).
	HostCertificate bool
	// ExtraConfig lines are added to sshd_config. sshd keeps the first value it reads for
	// a keyword, so lines before the first "Match" go before the harness defaults (and
	// override them); "Match" and everything after it go at the end.
	ExtraConfig []string
	// Umask, when set ("000"), is the umask every session on this sshd starts with: the
	// users' login shell becomes a wrapper that sets it (sshd itself resets the umask it
	// was started with to 022), so commands and the SFTP subsystem run under it, and sudo
	// keeps it ("Defaults !umask").
	Umask string
	// NoSystemd makes the host look like one without systemd (init scripts, a container with
	// an sshd): the namespace's /run has no /run/systemd/system (sd_booted's test) and the
	// test-only systemctl is not installed (the machine's own, if any, stays on PATH and
	// answers nothing useful). ServeUnit has no effect then; ntopng is found through its
	// PID file. By default the namespace has /run/systemd/system and the test-only systemctl.
	NoSystemd bool
}

// User is a login on the test sshd with all its credentials.
type User struct {
	Name     string
	UID, GID int
	// Home is the home directory (under SSHD.Dir).
	Home string
	// PrivateKey is an unencrypted ed25519 key (OpenSSH PEM) listed in authorized_keys.
	PrivateKey string
	// EncryptedKey is an RSA key (OpenSSH PEM) encrypted with Passphrase, listed in
	// authorized_keys.
	EncryptedKey string
	Passphrase   string
	// Password logs in when Options.PasswordAuth is set; asker's sudo asks for it too.
	Password string
	// CertKey is an ed25519 private key (OpenSSH PEM) that is NOT in authorized_keys: only
	// Certificate, signed by the user CA for the principal Name, lets it log in.
	CertKey     string
	Certificate string // authorized_keys format: "ssh-ed25519-cert-v01@openssh.com AAAA..."
}

// SSHD is a running OpenSSH server on 127.0.0.1, as root in a private mount namespace whose
// /etc is a copy holding the test users (root, deploy: passwordless sudo, asker: sudo with
// a password) and the groups ntop and redis.
type SSHD struct {
	Addr               string // "127.0.0.1:PORT"
	Port               int
	HostKey            string // "ssh-ed25519 AAAA..."
	HostKeyFingerprint string // "SHA256:..."
	// HostCAPublicKey is the host CA's public key ("ssh-ed25519 AAAA..."), set only with
	// Options.HostCertificate.
	HostCAPublicKey string
	// UserCAPublicKey is the CA that signed the users' certificates (TrustedUserCAKeys).
	UserCAPublicKey string

	Root, Deploy, Asker User

	// Dir is the temporary root (mode 0755): etc/ (the namespace's /etc), home/ (deploy's
	// and asker's homes), sshd/ (config, keys, log), authorized_keys/, and ns/, which the
	// namespace mounts over /var/log, /home, /var/mail and /var/lib/sudo so that logins,
	// useradd and sudo write nothing on the machine. Tests may add their own files here.
	Dir     string
	LogPath string // sshd's log (LogLevel VERBOSE)
	PID     int    // sshd's own PID

	mountNS string
}

// StartSSHD starts sshd for the test and stops it, and every process left in its mount
// namespace, in t.Cleanup. It skips the test when not run as root or when sshd, unshare or
// nsenter is missing.
func StartSSHD(t testing.TB, opts Options) *SSHD {
	t.Helper()
	skipUnlessSSHDPossible(t)

	s := &SSHD{Dir: TempDir(t)}
	for _, d := range []string{"sshd", "authorized_keys", "home", "ns/log", "ns/home", "ns/mail", "ns/sbin", "units"} {
		if err := os.MkdirAll(filepath.Join(s.Dir, d), 0o755); err != nil {
			t.Fatalf("testhost: %v", err)
		}
	}
	if err := os.MkdirAll(filepath.Join(s.Dir, "ns/sudo"), 0o700); err != nil {
		t.Fatalf("testhost: %v", err)
	}
	s.LogPath = filepath.Join(s.Dir, "sshd", "sshd.log")
	etc := copyEtc(t, filepath.Join(s.Dir, "etc"))
	if !opts.NoSystemd {
		s.writeFakeSystemctl(t)
	}

	hostKey, hostSigner := newEd25519(t)
	writeFile(t, filepath.Join(s.Dir, "sshd", "host_ed25519"), privatePEM(t, hostKey, "testhost host key"), 0o600)
	s.HostKey = authorizedLine(hostSigner.PublicKey())
	s.HostKeyFingerprint = ssh.FingerprintSHA256(hostSigner.PublicKey())
	if opts.HostCertificate {
		_, ca := newEd25519(t)
		s.HostCAPublicKey = authorizedLine(ca.PublicKey())
		cert := signCert(t, ca, hostSigner.PublicKey(), ssh.HostCert, "testhost host", []string{"127.0.0.1", "localhost"})
		writeFile(t, filepath.Join(s.Dir, "sshd", "host_ed25519-cert.pub"), authorizedLine(cert)+"\n", 0o644)
	}
	_, userCA := newEd25519(t)
	s.UserCAPublicKey = authorizedLine(userCA.PublicKey())
	writeFile(t, filepath.Join(s.Dir, "sshd", "user_ca.pub"), s.UserCAPublicKey+"\n", 0o644)

	s.Root = s.newUser(t, userCA, "root", 0)
	// root gets an empty home of its own: sshd runs every command and the SFTP server through
	// root's shell, which reads ~/.bashrc, and this machine's /root/.bashrc (pyenv init, say)
	// would cost more CPU than the session itself. A probe's root has a stock one.
	s.Root.Home = filepath.Join(s.Dir, "home", "root")
	if err := os.MkdirAll(s.Root.Home, 0o700); err != nil {
		t.Fatalf("testhost: %v", err)
	}
	etc.setRootHome(t, s.Root.Home)
	etc.setRootPassword(t, hashPassword(t, s.Root.Password))
	s.Deploy = s.newUser(t, userCA, "deploy", 1)
	s.Asker = s.newUser(t, userCA, "asker", 2)
	for _, u := range []*User{&s.Deploy, &s.Asker} {
		u.Home = filepath.Join(s.Dir, "home", u.Name)
		u.UID, u.GID = etc.addUser(t, u.Name, u.Home, hashPassword(t, u.Password))
		if err := os.Mkdir(u.Home, 0o755); err != nil {
			t.Fatalf("testhost: %v", err)
		}
		if err := os.Chown(u.Home, u.UID, u.GID); err != nil {
			t.Fatalf("testhost: %v", err)
		}
	}
	if opts.Umask != "" {
		shell := filepath.Join(s.Dir, "sshd", "umask-shell")
		writeFile(t, shell, "#!/bin/sh\numask "+shellQuote(opts.Umask)+"\nexec /bin/sh \"$@\"\n", 0o755)
		etc.setShell(t, shell, "root", s.Deploy.Name, s.Asker.Name)
		etc.sudoers(t, "testhost-umask", "Defaults !umask")
	}
	etc.sudoers(t, "testhost-deploy", "deploy ALL=(ALL:ALL) NOPASSWD: ALL")
	etc.sudoers(t, "testhost-asker", "asker ALL=(ALL:ALL) ALL")
	etc.group(t, "ntop")
	etc.group(t, "redis")
	writeFile(t, etc.path(markerFile), s.Dir, 0o644)

	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s.Port = FreePort(t)
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port))
		cfg := filepath.Join(s.Dir, "sshd", "sshd_config")
		writeFile(t, cfg, s.config(opts), 0o644)
		if lastErr = s.start(t, cfg, !opts.NoSystemd); lastErr == nil {
			return s
		}
		if !strings.Contains(lastErr.Error(), "Address already in use") {
			break
		}
	}
	t.Fatalf("testhost: sshd did not start: %v", lastErr)
	return nil
}

// skipUnlessSSHDPossible skips t, with one line saying why, when sshd cannot run here.
func skipUnlessSSHDPossible(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("testhost: skipped: sshd runs as root in a private mount namespace; run the tests as root")
	}
	for _, bin := range []string{"/usr/sbin/sshd", "unshare", "nsenter", "mount", "openssl"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("testhost: skipped: %s is not installed (apt-get install openssh-server util-linux openssl)", bin)
		}
	}
	if out, err := exec.Command("unshare", "--mount", "--propagation", "private", "true").CombinedOutput(); err != nil {
		t.Skipf("testhost: skipped: cannot create a mount namespace (unshare --mount: %v %s)", err, bytes.TrimSpace(out))
	}
}

// newUser makes the credentials of user name and lists its keys in authorized_keys.
func (s *SSHD) newUser(t testing.TB, userCA ssh.Signer, name string, index int) User {
	t.Helper()
	enc := encryptedRSA(t, index, name+"@testhost (encrypted)")
	u := User{Name: name, Password: randomString(t, 12), EncryptedKey: enc.pem, Passphrase: enc.passphrase}
	key, signer := newEd25519(t)
	u.PrivateKey = privatePEM(t, key, name+"@testhost")
	certKey, certSigner := newEd25519(t)
	u.CertKey = privatePEM(t, certKey, name+"@testhost (certificate)")
	u.Certificate = authorizedLine(signCert(t, userCA, certSigner.PublicKey(), ssh.UserCert, name+"@testhost", []string{name}))
	keys := authorizedLine(signer.PublicKey()) + "\n" + authorizedLine(enc.pub) + "\n"
	writeFile(t, filepath.Join(s.Dir, "authorized_keys", name), keys, 0o644)
	return u
}

// config renders sshd_config.
func (s *SSHD) config(opts Options) string {
	var head, match []string
	for i, line := range opts.ExtraConfig {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(line)), "match") {
			match = opts.ExtraConfig[i:]
			break
		}
		head = append(head, line)
	}
	yesNo := map[bool]string{true: "yes", false: "no"}
	lines := []string{"# written by internal/testhost"}
	lines = append(lines, head...)
	lines = append(lines,
		"ListenAddress "+s.Addr,
		"HostKey "+filepath.Join(s.Dir, "sshd", "host_ed25519"),
	)
	if opts.HostCertificate {
		lines = append(lines, "HostCertificate "+filepath.Join(s.Dir, "sshd", "host_ed25519-cert.pub"))
	}
	lines = append(lines,
		"PidFile none",
		"UsePAM no",
		"PermitRootLogin yes",
		"StrictModes no",
		"AuthorizedKeysFile "+filepath.Join(s.Dir, "authorized_keys", "%u"),
		"PubkeyAuthentication yes",
		"PasswordAuthentication "+yesNo[opts.PasswordAuth],
		"KbdInteractiveAuthentication no",
		"PermitEmptyPasswords no",
		"TrustedUserCAKeys "+filepath.Join(s.Dir, "sshd", "user_ca.pub"),
		"LogLevel VERBOSE",
		"MaxSessions 10",
		"MaxAuthTries 10",
		"MaxStartups 50:30:100",
		"UseDNS no",
		"PrintMotd no",
		"PrintLastLog no",
		"AllowTcpForwarding yes",
		"AllowStreamLocalForwarding yes",
		"AllowAgentForwarding yes",
		"X11Forwarding no",
		"Subsystem sftp "+sftpServer,
	)
	lines = append(lines, match...)
	return strings.Join(lines, "\n") + "\n"
}

// start runs sshd in a new mount namespace (with /run/systemd/system when systemd) and waits
// for its banner. It returns an error
// (and leaves nothing running) when sshd exits first.
func (s *SSHD) start(t testing.TB, cfg string, systemd bool) error {
	t.Helper()
	q := shellQuote
	booted := ":"
	if systemd {
		booted = "mkdir -p /run/systemd/system" // sd_booted's test, for the test-only systemctl
	}
	script := strings.Join([]string{
		"set -e",
		"mount --bind " + q(filepath.Join(s.Dir, "etc")) + " /etc",
		"mount -t tmpfs -o mode=0755 tmpfs /run",
		"mkdir -p /run/sshd",
		booted,
		"mount --bind " + q(filepath.Join(s.Dir, "ns/log")) + " /var/log",
		"mount --bind " + q(filepath.Join(s.Dir, "ns/home")) + " /home",
		"if [ -d /var/mail ]; then mount --bind " + q(filepath.Join(s.Dir, "ns/mail")) + " /var/mail; fi",
		"if [ -d /var/lib/sudo ]; then mount --bind " + q(filepath.Join(s.Dir, "ns/sudo")) + " /var/lib/sudo; fi",
		"mount --bind " + q(filepath.Join(s.Dir, "ns/sbin")) + " /usr/local/sbin",
		"exec /usr/sbin/sshd -D -e -f " + q(cfg) + " -E " + q(s.LogPath),
	}, "\n")
	// unshare execs sh, which execs sshd: the PID stays sshd's own.
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script)
	stderrPath := filepath.Join(s.Dir, "sshd", "stderr.log")
	stderr, err := os.Create(stderrPath)
	if err != nil {
		t.Fatalf("testhost: %v", err)
	}
	defer stderr.Close()
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("testhost: cannot run unshare: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()

	err = Until(RealClock{}, 15*time.Second, 20*time.Millisecond, func() error {
		select {
		case <-exited:
			return Stop(fmt.Errorf("sshd exited: %v\nstderr:\n%s\nlog:\n%s", cmd.ProcessState, tail(stderrPath, 20), tail(s.LogPath, 20)))
		default:
		}
		if !banner(s.Addr) {
			return fmt.Errorf("no SSH banner on %s\nlog:\n%s", s.Addr, tail(s.LogPath, 20))
		}
		return nil
	})
	if err != nil {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
		return err
	}
	s.PID = cmd.Process.Pid
	s.mountNS = mountNS(s.PID)
	if s.mountNS == "" || s.mountNS == mountNS(os.Getpid()) {
		_ = cmd.Process.Kill()
		<-exited
		t.Fatalf("testhost: sshd (PID %d) is not in a private mount namespace (%q)", s.PID, s.mountNS)
	}
	t.Cleanup(func() { s.stop(t, cmd, exited) })
	return nil
}

// banner reports whether addr accepts a connection and sends an SSH banner.
func banner(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "SSH-2.0-")
}

// stop ends sshd, then kills by PID every process still in its mount namespace (sessions,
// daemons started over SSH), which ends the namespace.
func (s *SSHD) stop(t testing.TB, cmd *exec.Cmd, exited chan struct{}) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
	// Killed sessions may still fork: sweep until the namespace is empty.
	var left []int
	for round := 0; round < 20; round++ {
		if left = s.NamespacePIDs(); len(left) == 0 {
			return
		}
		for _, pid := range left {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		for _, pid := range left {
			waitGone(pid, 5*time.Second)
		}
	}
	t.Errorf("testhost: processes %v in sshd's mount namespace survived SIGKILL", left)
}

// markerFile is written into the namespace's /etc: reading it through /proc/PID/root
// tells this namespace apart from a later one that reuses its inode number.
const markerFile = "testhost-sshd"

// NamespacePIDs lists the live processes in sshd's mount namespace (sshd, its sessions and
// what they started).
func (s *SSHD) NamespacePIDs() []int {
	return pids(func(pid int) bool {
		if mountNS(pid) != s.mountNS {
			return false
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/root/etc/%s", pid, markerFile))
		return err == nil && string(b) == s.Dir
	})
}

// Running reports whether a process in sshd's mount namespace has exactly the command line
// want (its arguments joined by single spaces): a test waits for the host to be in the
// state it checks (a command started, a lock holder blocked) instead of sleeping.
func (s *SSHD) Running(want string) bool {
	for _, pid := range s.NamespacePIDs() {
		if cmdline(pid) == want {
			return true
		}
	}
	return false
}

// KnownHostsLine returns the known_hosts line for the host key: "[127.0.0.1]:PORT ssh-ed25519 AAAA...".
func (s *SSHD) KnownHostsLine() string {
	return fmt.Sprintf("[127.0.0.1]:%d %s", s.Port, s.HostKey)
}

// CertAuthorityLine returns the known_hosts line that trusts the host CA:
// "@cert-authority [127.0.0.1]:PORT ssh-ed25519 AAAA...". It panics unless sshd was started
// with Options.HostCertificate.
func (s *SSHD) CertAuthorityLine() string {
	if s.HostCAPublicKey == "" {
		panic("testhost: CertAuthorityLine needs StartSSHD(t, Options{HostCertificate: true})")
	}
	return fmt.Sprintf("@cert-authority [127.0.0.1]:%d %s", s.Port, s.HostCAPublicKey)
}

// acceptedLogin matches sshd's line for a successful login ("Accepted publickey for root
// from ..."), not LogLevel VERBOSE's "Accepted key ... found at" lines.
var acceptedLogin = regexp.MustCompile(`(?m)^Accepted \S+ for \S+ from `)

// AcceptedLogins counts the successful logins in sshd's log.
func (s *SSHD) AcceptedLogins() int {
	b, _ := os.ReadFile(s.LogPath)
	return len(acceptedLogin.FindAll(b, -1))
}

// Exec runs `sh -c script` as root inside sshd's mount namespace (so /etc is the test one)
// and returns its standard output. A non-zero exit fails the test.
func (s *SSHD) Exec(t testing.TB, script string) string {
	t.Helper()
	cmd := exec.Command("nsenter", "-t", strconv.Itoa(s.PID), "-m", "--", "sh", "-c", script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("testhost: %q in sshd's namespace failed: %v\nstdout: %s\nstderr: %s", script, err, out, stderr.String())
	}
	return string(out)
}

// ClientConfig returns a client configuration that logs in as u with u.PrivateKey and
// accepts only the test host key.
func (s *SSHD) ClientConfig(t testing.TB, u User) *ssh.ClientConfig {
	t.Helper()
	signer, err := ssh.ParsePrivateKey([]byte(u.PrivateKey))
	if err != nil {
		t.Fatalf("testhost: %v", err)
	}
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s.HostKey))
	if err != nil {
		t.Fatalf("testhost: %v", err)
	}
	return &ssh.ClientConfig{
		User:            u.Name,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(hostKey),
		Timeout:         10 * time.Second,
	}
}

// Dial logs in with cfg; the client is closed in t.Cleanup.
func (s *SSHD) Dial(t testing.TB, cfg *ssh.ClientConfig) *ssh.Client {
	t.Helper()
	c, err := ssh.Dial("tcp", s.Addr, cfg)
	if err != nil {
		t.Fatalf("testhost: ssh %s@%s: %v", cfg.User, s.Addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Output runs command in a new session on c and returns its combined output.
func Output(c *ssh.Client, command string) (string, error) {
	sess, err := c.NewSession()
	if err != nil {
		return "", err
	}
	defer sess.Close()
	out, err := sess.CombinedOutput(command)
	return string(out), err
}
