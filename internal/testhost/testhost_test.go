package testhost

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// run runs command on c and fails the test on error.
func run(t *testing.T, c *ssh.Client, command string) string {
	t.Helper()
	out, err := Output(c, command)
	if err != nil {
		t.Fatalf("%q: %v\n%s", command, err, out)
	}
	return strings.TrimSpace(out)
}

// hostHasUser reports whether the machine's own /etc/passwd lists name.
func hostHasUser(t *testing.T, name string) bool {
	t.Helper()
	b, err := os.ReadFile("/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains("\n"+string(b), "\n"+name+":")
}

func TestSSHD(t *testing.T) {
	skipUnlessSSHDPossible(t)
	var pid int
	var inside []int
	var dir string
	t.Run("running", func(t *testing.T) {
		s := StartSSHD(t, Options{})
		pid, dir = s.PID, s.Dir

		if exe, _ := os.Readlink("/proc/" + strconv.Itoa(s.PID) + "/exe"); exe != "/usr/sbin/sshd" {
			t.Errorf("PID %d runs %q, want /usr/sbin/sshd", s.PID, exe)
		}
		root := s.Dial(t, s.ClientConfig(t, s.Root))
		if got := run(t, root, "id -u"); got != "0" {
			t.Errorf("id -u as root = %q, want 0", got)
		}
		if got := s.AcceptedLogins(); got != 1 {
			t.Errorf("AcceptedLogins() = %d after one login, want 1", got)
		}
		if got := run(t, root, "getent group ntop redis | cut -d: -f1 | tr '\\n' ' '"); got != "ntop redis" {
			t.Errorf("groups = %q, want \"ntop redis\"", got)
		}

		deploy := s.Dial(t, s.ClientConfig(t, s.Deploy))
		if got := run(t, deploy, "id -un; sudo -n id -u"); got != "deploy\n0" {
			t.Errorf("deploy: id -un; sudo -n id -u = %q, want \"deploy\\n0\"", got)
		}
		if got := run(t, deploy, "echo $HOME; test -w $HOME && echo writable"); got != s.Deploy.Home+"\nwritable" {
			t.Errorf("deploy's home: %q, want %q writable", got, s.Deploy.Home)
		}

		asker := s.Dial(t, s.ClientConfig(t, s.Asker))
		out, err := Output(asker, "sudo -n true")
		if err == nil || !strings.Contains(out, "a password is required") {
			t.Errorf("asker: sudo -n true = %q, %v; want \"a password is required\"", out, err)
		}
		sess, err := asker.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		sess.Stdin = strings.NewReader(s.Asker.Password + "\n")
		b, err := sess.CombinedOutput("sudo -S -p '' id -u")
		sess.Close()
		if err != nil || strings.TrimSpace(string(b)) != "0" {
			t.Errorf("asker: sudo -S with the password = %q, %v; want 0", b, err)
		}

		// The namespace's /etc has the test users, the machine's has not, and account
		// changes over SSH stay in the namespace.
		if got := strings.TrimSpace(s.Exec(t, "grep -c '^deploy:' /etc/passwd")); got != "1" {
			t.Errorf("deploy lines in the namespace's /etc/passwd = %s, want 1", got)
		}
		run(t, root, "useradd -M -s /usr/sbin/nologin thuser && usermod -aG ntop thuser")
		if got := run(t, root, "id -nG thuser"); got != "thuser ntop" {
			t.Errorf("id -nG thuser = %q, want \"thuser ntop\"", got)
		}
		for _, name := range []string{"deploy", "asker", "thuser"} {
			if hostHasUser(t, name) {
				t.Errorf("the machine's /etc/passwd lists %s", name)
			}
		}

		if got := s.Exec(t, "echo hello"); got != "hello\n" {
			t.Errorf("Exec(echo hello) = %q", got)
		}
		pw := s.ClientConfig(t, s.Deploy)
		pw.Auth = []ssh.AuthMethod{ssh.Password(s.Deploy.Password)}
		if c, err := ssh.Dial("tcp", s.Addr, pw); err == nil {
			c.Close()
			t.Error("password login worked although Options.PasswordAuth is false")
		}

		// The encrypted key, with its passphrase.
		signer, err := ssh.ParsePrivateKeyWithPassphrase([]byte(s.Deploy.EncryptedKey), []byte(s.Deploy.Passphrase))
		if err != nil {
			t.Fatal(err)
		}
		cfg := s.ClientConfig(t, s.Deploy)
		cfg.Auth = []ssh.AuthMethod{ssh.PublicKeys(signer)}
		if got := run(t, s.Dial(t, cfg), "id -un"); got != "deploy" {
			t.Errorf("encrypted key login: id -un = %q", got)
		}

		// The certificate key logs in only with its certificate.
		certKey, err := ssh.ParsePrivateKey([]byte(s.Asker.CertKey))
		if err != nil {
			t.Fatal(err)
		}
		cfg = s.ClientConfig(t, s.Asker)
		cfg.Auth = []ssh.AuthMethod{ssh.PublicKeys(certKey)}
		if c, err := ssh.Dial("tcp", s.Addr, cfg); err == nil {
			c.Close()
			t.Error("CertKey logged in without its certificate: it must not be in authorized_keys")
		}
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s.Asker.Certificate))
		if err != nil {
			t.Fatal(err)
		}
		certSigner, err := ssh.NewCertSigner(pub.(*ssh.Certificate), certKey)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Auth = []ssh.AuthMethod{ssh.PublicKeys(certSigner)}
		if got := run(t, s.Dial(t, cfg), "id -un"); got != "asker" {
			t.Errorf("certificate login: id -un = %q", got)
		}

		// The agent serves root's key.
		ac, err := net.Dial("unix", StartAgent(t, s.Root.PrivateKey))
		if err != nil {
			t.Fatal(err)
		}
		defer ac.Close()
		cfg = s.ClientConfig(t, s.Root)
		cfg.Auth = []ssh.AuthMethod{ssh.PublicKeysCallback(agent.NewClient(ac).Signers)}
		if got := run(t, s.Dial(t, cfg), "id -un"); got != "root" {
			t.Errorf("agent login: id -un = %q", got)
		}

		// The SFTP subsystem.
		sc, err := sftp.NewClient(root)
		if err != nil {
			t.Fatal(err)
		}
		defer sc.Close()
		if _, err := sc.Stat(s.LogPath); err != nil {
			t.Errorf("sftp stat %s: %v", s.LogPath, err)
		}

		if got := s.AcceptedLogins(); got != 6 {
			t.Errorf("AcceptedLogins() = %d after six logins, want 6", got)
		}
		// A session left running is ended by the cleanup.
		sess, err = root.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if err := sess.Start("sleep 600"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(run(t, root, "ps -eo args"), "sleep 600") {
			t.Fatal("the sleep session did not start")
		}
		inside = s.NamespacePIDs()
		if len(inside) < 4 { // sshd, at least one connection, the shell, sleep
			t.Errorf("NamespacePIDs() = %v, want sshd and its sessions", inside)
		}
	})
	if pid == 0 {
		t.Fatal("sshd did not start")
	}
	if Alive(pid) {
		t.Errorf("sshd (PID %d) still runs after the cleanup", pid)
	}
	for _, p := range inside {
		if Alive(p) {
			t.Errorf("PID %d (%s) from sshd's mount namespace still alive after the cleanup", p, cmdline(p))
		}
	}
	if hostHasUser(t, "deploy") {
		t.Error("the machine's /etc/passwd lists deploy after the test")
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still exists after the test: %v", dir, err)
	}
}

func TestSSHDPasswordAndHostCertificate(t *testing.T) {
	bannerFile := filepath.Join(TempDir(t), "banner")
	writeFile(t, bannerFile, "testhost banner\n", 0o644)
	s := StartSSHD(t, Options{
		PasswordAuth:    true,
		HostCertificate: true,
		ExtraConfig:     []string{"Banner " + bannerFile, "Match User asker", "  PasswordAuthentication no"},
	})

	known := filepath.Join(TempDir(t), "known_hosts")
	writeFile(t, known, s.CertAuthorityLine()+"\n", 0o644)
	callback, err := knownhosts.New(known)
	if err != nil {
		t.Fatal(err)
	}
	var banner string
	cfg := &ssh.ClientConfig{
		User:              "deploy",
		Auth:              []ssh.AuthMethod{ssh.Password(s.Deploy.Password)},
		HostKeyCallback:   callback,
		HostKeyAlgorithms: []string{ssh.CertAlgoED25519v01},
		BannerCallback:    func(m string) error { banner = m; return nil },
	}
	c := s.Dial(t, cfg)
	if got := run(t, c, "id -un"); got != "deploy" {
		t.Errorf("password login: id -un = %q", got)
	}
	if banner != "testhost banner\n" {
		t.Errorf("banner = %q: ExtraConfig not applied", banner)
	}

	// Match blocks from ExtraConfig go at the end and apply.
	cfg.User, cfg.Auth = "asker", []ssh.AuthMethod{ssh.Password(s.Asker.Password)}
	if c, err := ssh.Dial("tcp", s.Addr, cfg); err == nil {
		c.Close()
		t.Error("asker logged in with a password despite the Match block")
	}

	// Without the certificate algorithm the plain host key matches KnownHostsLine.
	writeFile(t, known, s.KnownHostsLine()+"\n", 0o644)
	if callback, err = knownhosts.New(known); err != nil {
		t.Fatal(err)
	}
	plain := s.ClientConfig(t, s.Root)
	plain.HostKeyCallback = callback
	plain.HostKeyAlgorithms = []string{ssh.KeyAlgoED25519}
	s.Dial(t, plain)
	if got := s.AcceptedLogins(); got != 2 {
		t.Errorf("AcceptedLogins() = %d, want 2", got)
	}
}

func TestRedis(t *testing.T) {
	var pids []int
	t.Run("running", func(t *testing.T) {
		dir := TempDir(t)
		r := StartRedis(t, RedisBaseConf(dir, FreePort(t)))
		if got, err := r.Do(t, "PING"); got != "PONG" || err != nil {
			t.Fatalf("PING = %q, %v; want PONG", got, err)
		}
		first := r.PID()
		pids = append(pids, first)
		if !Alive(first) {
			t.Fatalf("PID() = %d, not a live process", first)
		}

		// A password set in the config and a restart: -NOAUTH without it, PONG with it.
		f, err := os.OpenFile(r.ConfPath, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString("requirepass \"s3cret pass\"\n")
		f.Close()
		if out, err := exec.Command(r.RestartScript).CombinedOutput(); err != nil {
			t.Fatalf("RestartScript: %v\n%s", err, out)
		}
		second := r.PID()
		pids = append(pids, second)
		if second == first || !Alive(second) || Alive(first) {
			t.Errorf("after the restart: PID %d (alive %v), before %d (alive %v); want a new live PID", second, Alive(second), first, Alive(first))
		}
		var re ReplyError
		if _, err := r.Do(t, "PING"); !errors.As(err, &re) || !strings.HasPrefix(string(re), "NOAUTH") {
			t.Errorf("PING without password: %v, want NOAUTH", err)
		}
		if got, err := r.DoAuth(t, "s3cret pass", "CONFIG", "GET", "requirepass"); got != "requirepass\ns3cret pass" || err != nil {
			t.Errorf("CONFIG GET requirepass = %q, %v", got, err)
		}
		if _, err := r.DoAuth(t, "wrong", "PING"); err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
			t.Errorf("AUTH with a wrong password: %v, want WRONGPASS", err)
		}

		// A broken config: the script fails and shows why.
		if err := os.WriteFile(r.ConfPath, []byte(RedisBaseConf(dir, r.Port)+"bogus-directive yes\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(r.RestartScript).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "bogus-directive") {
			t.Errorf("RestartScript with a bad directive: %v\n%s\nwant a failure naming the directive", err, out)
		}
		if Alive(second) {
			t.Errorf("PID %d still alive after the failed restart stopped it", second)
		}

		// Unix socket only.
		r.Socket = filepath.Join(dir, "redis.sock")
		conf := strings.Replace(RedisBaseConf(dir, 0), "port 0\n", "port 0\nunixsocket "+r.Socket+"\n", 1)
		if err := os.WriteFile(r.ConfPath, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(r.RestartScript).CombinedOutput(); err != nil {
			t.Fatalf("RestartScript (socket): %v\n%s", err, out)
		}
		pids = append(pids, r.PID())
		r.Port = 0
		if got, err := r.Do(t, "PING"); got != "PONG" || err != nil {
			t.Errorf("PING over the socket = %q, %v", got, err)
		}
	})
	if len(pids) != 3 {
		t.Fatalf("recorded PIDs %v, want 3", pids)
	}
	for _, pid := range pids {
		if Alive(pid) {
			t.Errorf("redis-server PID %d still alive after the cleanup", pid)
		}
	}
}

func TestRedisRestartOverSSH(t *testing.T) {
	skipUnlessSSHDPossible(t)
	var before, after int
	t.Run("running", func(t *testing.T) {
		s := StartSSHD(t, Options{})
		r := StartRedis(t, RedisBaseConf(TempDir(t), FreePort(t)))
		before = r.PID()
		c := s.Dial(t, s.ClientConfig(t, s.Deploy))
		run(t, c, "sudo -n "+r.RestartScript)
		after = r.PID()
		if after == before || !Alive(after) {
			t.Errorf("restart over SSH: PID %d -> %d (alive %v); want a new live PID", before, after, Alive(after))
		}
		if mountNS(after) != s.mountNS {
			t.Errorf("redis restarted over SSH is in %s, want sshd's namespace %s", mountNS(after), s.mountNS)
		}
		if got, err := r.Do(t, "PING"); got != "PONG" || err != nil {
			t.Errorf("PING = %q, %v", got, err)
		}
	})
	if Alive(before) || Alive(after) {
		t.Errorf("redis-server still alive after the cleanup: %d %v, %d %v", before, Alive(before), after, Alive(after))
	}
}

func TestConfValue(t *testing.T) {
	conf := RedisBaseConf("/tmp/x y", 7000) + "PORT 7001\nunixsocket '/tmp/s.sock'\n# port 1\n"
	for name, want := range map[string]string{
		"port": "7001", "dir": "/tmp/x y", "unixsocket": "/tmp/s.sock", "save": "", "requirepass": "",
	} {
		if got := confValue(conf, name); got != want {
			t.Errorf("confValue(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestNtopng(t *testing.T) {
	if _, err := os.Stat("../ntopngstandin"); err != nil {
		t.Skipf("the ntopng stand-in is not written yet: %v", err)
	}
	listening := func(port int) bool {
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			c.Close()
		}
		return err == nil
	}
	var pids []int
	t.Run("running", func(t *testing.T) {
		port := FreePort(t)
		n := StartNtopng(t, "--http-port=127.0.0.1:"+strconv.Itoa(port)+"\n--pid=/nonexistent/ntopng.pid\n")
		pids = append(pids, n.PID())
		if !listening(port) {
			t.Fatalf("the stand-in does not listen on %d\n%s", port, tail(n.LogFile, 20))
		}
		if b, _ := os.ReadFile(filepath.Join(n.Dir, "run.conf")); !strings.Contains(string(b), "#--pid=") {
			t.Errorf("run.conf does not comment out --pid like the ntop unit:\n%s", b)
		}

		// A drop-in overrides the main file after a restart.
		port2 := FreePort(t)
		writeFile(t, filepath.Join(n.ConfDir, "10-port.conf"), "-w=127.0.0.1:"+strconv.Itoa(port2)+"\n", 0o644)
		if out, err := exec.Command(n.RestartScript).CombinedOutput(); err != nil {
			t.Fatalf("RestartScript: %v\n%s", err, out)
		}
		pids = append(pids, n.PID())
		if pids[1] == pids[0] || Alive(pids[0]) || !Alive(pids[1]) {
			t.Errorf("restart: PID %d -> %d; want the old one gone and a new live one", pids[0], pids[1])
		}
		if listening(port) || !listening(port2) {
			t.Errorf("after the drop-in: listening on %d = %v, on %d = %v; want only %d", port, listening(port), port2, listening(port2), port2)
		}

		// A config the stand-in refuses: the script fails and shows the log.
		writeFile(t, filepath.Join(n.ConfDir, "20-bad.conf"), "-w=not-an-address:80\n", 0o644)
		out, err := exec.Command(n.RestartScript).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "exited") || !strings.Contains(string(out), "ntopng stand-in:") {
			t.Errorf("RestartScript with a bad address: %v\n%s\nwant a failure with the log", err, out)
		}
	})
	if len(pids) != 2 {
		t.Fatalf("recorded PIDs %v, want 2", pids)
	}
	for _, pid := range pids {
		if Alive(pid) {
			t.Errorf("stand-in PID %d alive after the cleanup", pid)
		}
	}
}

// TestSSHDSystemdOrNot: by default the namespace looks like a systemd host to the provider
// (/run/systemd/system, the test-only systemctl first on PATH); with NoSystemd it does not.
func TestSSHDSystemdOrNot(t *testing.T) {
	skipUnlessSSHDPossible(t)
	const probe = `if [ -d /run/systemd/system ]; then echo booted; else echo not-booted; fi; ls /usr/local/sbin`
	if got := strings.Fields(StartSSHD(t, Options{}).Exec(t, probe)); len(got) != 2 || got[0] != "booted" || got[1] != "systemctl" {
		t.Errorf("default namespace: %q; want booted and the test-only systemctl", got)
	}
	if got := strings.Fields(StartSSHD(t, Options{NoSystemd: true}).Exec(t, probe)); len(got) != 1 || got[0] != "not-booted" {
		t.Errorf("NoSystemd namespace: %q; want no /run/systemd/system and no test-only systemctl", got)
	}
}
