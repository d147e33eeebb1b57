//go:build linux

package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"
	"golang.org/x/crypto/ssh"
)

// These tests talk to real OpenSSH sshd processes started by
// internal/testhost (they skip when that is impossible, e.g. not root).
// They are not parallel: several assert process-wide GlobalStats deltas.

// endpoint is u on s with u's unencrypted key and s's host key pinned.
func endpoint(s *testhost.SSHD, u testhost.User) Endpoint {
	return Endpoint{
		Host:          "127.0.0.1",
		Port:          s.Port,
		Auth:          Auth{User: u.Name, PrivateKey: u.PrivateKey},
		HostKeyPolicy: HostKeyPolicy{HostKey: s.HostKey},
	}
}

func config(s *testhost.SSHD, u testhost.User) Config {
	return Config{Target: endpoint(s, u), Timeout: 20 * time.Second}
}

func newPool(t *testing.T) *Pool {
	p := NewPool()
	t.Cleanup(func() { p.Close() })
	return p
}

func conn(t *testing.T, p *Pool, cfg Config) *Conn {
	t.Helper()
	c, err := p.Conn(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Conn: %v", err)
	}
	return c
}

func run(t *testing.T, c *Conn, argv ...string) string {
	t.Helper()
	res, err := c.Run(context.Background(), argv, nil)
	if err != nil {
		t.Fatalf("Run %q: %v", argv, err)
	}
	if res.ExitCode != 0 {
		t.Fatalf("Run %q: exit %d, stderr %q", argv, res.ExitCode, res.Stderr)
	}
	return string(res.Stdout)
}

func logContains(t *testing.T, s *testhost.SSHD, substr string) int {
	t.Helper()
	b, err := os.ReadFile(s.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), substr)
}

// waitFor waits (testhost.Eventually, 10 s) for cond and fails the test if it never holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testhost.Eventually(t, 10*time.Second, 10*time.Millisecond, func() error {
		if !cond() {
			return errors.New("gave up waiting for " + what)
		}
		return nil
	})
}

func TestIntegrationAuthMethods(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{PasswordAuth: true})
	d := s.Deploy
	sock := testhost.StartAgent(t, d.PrivateKey)
	cases := []struct {
		name string
		auth Auth
		log  string // what sshd logs for the accepted login
	}{
		{"key", Auth{User: "deploy", PrivateKey: d.PrivateKey}, "Accepted publickey for deploy"},
		{"encrypted key", Auth{User: "deploy", PrivateKey: d.EncryptedKey, PrivateKeyPassphrase: d.Passphrase}, "Accepted publickey for deploy"},
		{"password", Auth{User: "deploy", Password: d.Password}, "Accepted password for deploy"},
		{"agent", Auth{User: "deploy", Agent: true}, "Accepted publickey for deploy"},
		{"certificate", Auth{User: "deploy", PrivateKey: d.CertKey, Certificate: d.Certificate}, "ED25519-CERT"},
	}
	t.Setenv("SSH_AUTH_SOCK", sock)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, logBefore := GlobalStats().Logins, logContains(t, s, c.log)
			cfg := config(s, d)
			cfg.Target.Auth = c.auth
			if got := run(t, conn(t, newPool(t), cfg), "id", "-un"); got != "deploy\n" {
				t.Errorf("logged in as %q, want deploy", got)
			}
			if n := GlobalStats().Logins - before; n != 1 {
				t.Errorf("Logins grew by %d, want 1", n)
			}
			if n := logContains(t, s, c.log) - logBefore; n != 1 {
				t.Errorf("sshd logged %q %d more times, want 1", c.log, n)
			}
		})
	}
}

func TestIntegrationAuthFailureIsNotRetried(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	cfg := config(s, s.Deploy)
	cfg.Target.PrivateKey = s.Asker.PrivateKey // a real key, not authorised for deploy
	before := GlobalStats()
	connsBefore := logContains(t, s, "Connection from 127.0.0.1")
	_, err := NewPool().Conn(context.Background(), cfg)
	var ae *AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("want an *AuthError, got %v", err)
	}
	for _, want := range []string{`"deploy"`, s.Addr, "private key (SHA256:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	after := GlobalStats()
	if after.DialRetries != before.DialRetries || after.Logins != before.Logins {
		t.Errorf("retries grew by %d and logins by %d, want 0 and 0",
			after.DialRetries-before.DialRetries, after.Logins-before.Logins)
	}
	if n := logContains(t, s, "Connection from 127.0.0.1") - connsBefore; n != 1 {
		t.Errorf("sshd saw %d connections, want 1 (no retry)", n)
	}
}

func TestIntegrationHostKeys(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	other := newSigner(t).PublicKey()
	khFile := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(khFile, []byte(s.KnownHostsLine()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	accepted := map[string]HostKeyPolicy{
		"pinned":           {HostKey: s.HostKey},
		"known_hosts":      {KnownHosts: s.KnownHostsLine()},
		"known_hosts_file": {KnownHostsFile: khFile},
		"insecure":         {InsecureIgnoreHostKey: true},
	}
	for name, policy := range accepted {
		t.Run(name, func(t *testing.T) {
			cfg := config(s, s.Deploy)
			cfg.Target.HostKeyPolicy = policy
			c := conn(t, newPool(t), cfg)
			if c.HostKey() != s.HostKey || c.HostKeyFingerprint() != s.HostKeyFingerprint {
				t.Errorf("HostKey %q %q, want %q %q", c.HostKey(), c.HostKeyFingerprint(), s.HostKey, s.HostKeyFingerprint)
			}
		})
	}

	refused := map[string]struct {
		policy HostKeyPolicy
		want   []string
	}{
		"wrong pin": {HostKeyPolicy{HostKey: authorizedKey(other)},
			[]string{"mismatch", ssh.FingerprintSHA256(other), s.HostKeyFingerprint}},
		"other key in known_hosts": {HostKeyPolicy{KnownHosts: "[127.0.0.1]:" + strconv.Itoa(s.Port) + " " + authorizedKey(other)},
			[]string{"mismatch", ssh.FingerprintSHA256(other), s.HostKeyFingerprint}},
		"unknown": {HostKeyPolicy{},
			[]string{"unknown", s.HostKeyFingerprint, `host_key = "` + s.HostKey + `"`, s.KnownHostsLine()}},
	}
	for name, c := range refused {
		t.Run(name, func(t *testing.T) {
			cfg := config(s, s.Deploy)
			cfg.Target.HostKeyPolicy = c.policy
			before := s.AcceptedLogins()
			_, err := newPool(t).Conn(context.Background(), cfg)
			var hk *HostKeyError
			if !errors.As(err, &hk) {
				t.Fatalf("want a *HostKeyError, got %v", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if s.AcceptedLogins() != before {
				t.Error("a login happened although the host key was refused")
			}
		})
	}
}

func TestIntegrationHostCertificate(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{HostCertificate: true})
	cfg := config(s, s.Deploy)
	cfg.Target.HostKeyPolicy = HostKeyPolicy{KnownHosts: s.CertAuthorityLine()}
	c := conn(t, newPool(t), cfg)
	if c.HostKey() != s.HostKey {
		t.Errorf("HostKey %q, want the certified key %q", c.HostKey(), s.HostKey)
	}

	cfg.Target.HostKeyPolicy = HostKeyPolicy{KnownHosts: "@cert-authority [127.0.0.1]:" + strconv.Itoa(s.Port) + " " + authorizedKey(newSigner(t).PublicKey())}
	_, err := newPool(t).Conn(context.Background(), cfg)
	var hk *HostKeyError
	if !errors.As(err, &hk) || !strings.Contains(err.Error(), s.HostKeyFingerprint) {
		t.Fatalf("certificate from another CA: want a *HostKeyError with the host's fingerprint, got %v", err)
	}
}

func TestIntegrationBastion(t *testing.T) {
	// DEBUG1 makes the bastion log each direct-tcpip request.
	bastion := testhost.StartSSHD(t, testhost.Options{ExtraConfig: []string{"LogLevel DEBUG1"}})
	target := testhost.StartSSHD(t, testhost.Options{})
	jump := endpoint(bastion, bastion.Deploy)
	cfg := config(target, target.Deploy)
	cfg.Bastion = &jump
	p := newPool(t)
	before := GlobalStats()

	c := conn(t, p, cfg)
	if c.HostKey() != target.HostKey {
		t.Errorf("reached host key %q, want the target's", c.HostKey())
	}
	if got := run(t, c, "id", "-un"); got != "deploy\n" {
		t.Errorf("id -un = %q", got)
	}
	// A second user on the target goes through the same bastion connection.
	cfg2 := config(target, target.Root)
	cfg2.Bastion = &jump
	if got := run(t, conn(t, p, cfg2), "id", "-un"); got != "root\n" {
		t.Errorf("id -un = %q", got)
	}

	if n := bastion.AcceptedLogins(); n != 1 {
		t.Errorf("bastion logins %d, want 1", n)
	}
	if n := target.AcceptedLogins(); n != 2 {
		t.Errorf("target logins %d, want 2 (deploy, root)", n)
	}
	if n := logContains(t, target, "Accepted publickey for deploy from 127.0.0.1"); n != 1 {
		t.Errorf("target log: %d logins of deploy from 127.0.0.1, want 1", n)
	}
	if n := GlobalStats().Tunnels - before.Tunnels; n != 2 {
		t.Errorf("Tunnels grew by %d, want 2 (one per target connection)", n)
	}
	forward := "server_request_direct_tcpip: originator 0.0.0.0 port 0, target 127.0.0.1 port " + strconv.Itoa(target.Port)
	if n := logContains(t, bastion, forward); n != 2 {
		b, _ := os.ReadFile(bastion.LogPath)
		t.Errorf("bastion log shows %d forwardings to the target (%q), want 2:\n%s", n, forward, b)
	}
}

func TestIntegrationSudo(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	dir := filepath.Join(s.Dir, "rootonly")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("root only"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := newPool(t)
	cfg := config(s, s.Deploy)
	plain := conn(t, p, cfg)
	cfg.Sudo = true
	sudo := conn(t, p, cfg)
	ctx := context.Background()

	// Without sudo, deploy can neither read nor write there.
	if _, _, err := plain.ReadFile(ctx, secret); err == nil || !strings.Contains(err.Error(), "sudo = true") {
		t.Errorf("plain read of a root-only file: want a permission error suggesting sudo, got %v", err)
	}
	if err := plain.WriteFileAtomic(ctx, filepath.Join(dir, "f"), []byte("x"), 0o644, -1, -1); err == nil {
		t.Error("plain write into a root-owned directory succeeded")
	}

	data, info, err := sudo.ReadFile(ctx, secret)
	if err != nil || string(data) != "root only" || info.UID != 0 || info.Mode != 0o600 {
		t.Fatalf("sudo read: %q %+v %v", data, info, err)
	}
	target := filepath.Join(dir, "ntopng.conf")
	if err := sudo.WriteFileAtomic(ctx, target, []byte("-w=3000\n"), 0o640, 0, 0); err != nil {
		t.Fatalf("sudo write: %v", err)
	}
	assertFile(t, target, "-w=3000\n", 0o640, 0, 0)
	if got := run(t, sudo, "id", "-u"); got != "0\n" {
		t.Errorf("sudo Run: id -u = %q", got)
	}
	res, err := sudo.RunShell(ctx, `id -u; cat`, []byte("from stdin"))
	if err != nil || string(res.Stdout) != "0\nfrom stdin" {
		t.Errorf("sudo RunShell: %q %v", res.Stdout, err)
	}
	if n := s.AcceptedLogins(); n != 1 {
		t.Errorf("%d logins, want 1 shared by the sudo and plain handles", n)
	}
}

func TestIntegrationSudoPasswordRequired(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	cfg := config(s, s.Asker)
	cfg.Sudo = true
	cfg.MaxSessions = 2
	p := newPool(t)
	c := conn(t, p, cfg)
	ctx := context.Background()
	want := "sudo on 127.0.0.1 requires a password for asker: allow NOPASSWD for the commands or set sudo = false"

	for i := 0; i < 3; i++ {
		_, _, err := c.ReadFile(ctx, "/etc/hostname")
		if !errors.Is(err, ErrSudoPassword) || !strings.Contains(err.Error(), want) {
			t.Errorf("sudo SFTP: want %q, got %v", want, err)
		}
	}
	res, err := c.Run(ctx, []string{"true"}, nil)
	if !errors.Is(err, ErrSudoPassword) || !strings.Contains(err.Error(), want) || res.ExitCode != 1 {
		t.Errorf("sudo Run: want %q and exit 1, got %v, %d", want, err, res.ExitCode)
	}
	// The failed SFTP starts gave their session slots back (MaxSessions is
	// 2): the plain handle can still open a session.
	cfg.Sudo = false
	short, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	res, err = conn(t, p, cfg).Run(short, []string{"id", "-un"}, nil)
	if err != nil || string(res.Stdout) != "asker\n" {
		t.Errorf("plain Run after sudo failures: %q, %v", res.Stdout, err)
	}
}

func assertFile(t *testing.T, path, content string, mode os.FileMode, uid, gid int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != content {
		t.Errorf("%s holds %q, want %q", path, b, content)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode().Perm() != mode || int(st.Uid) != uid || int(st.Gid) != gid {
		t.Errorf("%s: mode %o owner %d:%d, want %o %d:%d", path, fi.Mode().Perm(), st.Uid, st.Gid, mode, uid, gid)
	}
}

func tempFilesIn(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, ".*.tf-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestIntegrationWriteFileAtomic(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	d := s.Deploy
	c := conn(t, newPool(t), config(s, d))
	ctx := context.Background()
	path := filepath.Join(d.Home, "redis.conf")

	if err := c.WriteFileAtomic(ctx, path, []byte("port 6379\n"), 0o640, -1, -1); err != nil {
		t.Fatal(err)
	}
	assertFile(t, path, "port 6379\n", 0o640, d.UID, d.GID)
	if err := c.WriteFileAtomic(ctx, path, []byte("port 6380\n"), 0o600, -1, d.GID); err != nil {
		t.Fatal(err)
	}
	assertFile(t, path, "port 6380\n", 0o600, d.UID, d.GID)

	// A write that fails half-way (deploy cannot give a file to root) leaves
	// the old file and no temporary file.
	err := c.WriteFileAtomic(ctx, path, []byte("port 1\n"), 0o644, 0, 0)
	if err == nil || !strings.Contains(err.Error(), "sudo = true") {
		t.Fatalf("chown to root as deploy: want an error suggesting sudo, got %v", err)
	}
	assertFile(t, path, "port 6380\n", 0o600, d.UID, d.GID)
	if tmp := tempFilesIn(t, d.Home); len(tmp) != 0 {
		t.Errorf("temporary files left: %q", tmp)
	}
	if m, err := c.Glob(ctx, d.Home+"/.*.tf-*"); err != nil || len(m) != 0 {
		t.Errorf("Glob sees temporary files %q (%v)", m, err)
	}

	err = c.WriteFileAtomic(ctx, filepath.Join(d.Home, "missing", "x.conf"), []byte("x"), 0o644, -1, -1)
	if err == nil || !strings.Contains(err.Error(), "directory "+filepath.Join(d.Home, "missing")+" does not exist") {
		t.Errorf("write into a missing directory: %v", err)
	}
}

func TestIntegrationReaderNeverSeesPartialFile(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	c := conn(t, newPool(t), config(s, s.Root))
	path := filepath.Join(s.Dir, "big.conf")
	versions := [][]byte{bytes.Repeat([]byte("a"), 256<<10), bytes.Repeat([]byte("b"), 256<<10)}
	if err := os.WriteFile(path, versions[0], 0o644); err != nil {
		t.Fatal(err)
	}
	var done atomic.Bool
	var reads, bad atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !done.Load() {
			b, err := os.ReadFile(path)
			reads.Add(1)
			if err != nil || !(bytes.Equal(b, versions[0]) || bytes.Equal(b, versions[1])) {
				bad.Add(1)
			}
		}
	}()
	for i := 0; i < 20; i++ {
		if err := c.WriteFileAtomic(context.Background(), path, versions[i%2], 0o644, 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	done.Store(true)
	wg.Wait()
	if bad.Load() != 0 || reads.Load() == 0 {
		t.Errorf("%d of %d reads saw a partial or missing file", bad.Load(), reads.Load())
	}
	if tmp := tempFilesIn(t, s.Dir); len(tmp) != 0 {
		t.Errorf("temporary files left: %q", tmp)
	}
}

func TestIntegrationFileOps(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	c := conn(t, newPool(t), config(s, s.Root))
	ctx := context.Background()
	dir := filepath.Join(s.Dir, "files")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"b.conf": "bee", "a.conf": "ay", "c.txt": "see"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o604); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("unix", filepath.Join(dir, "redis.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	fi, err := c.Stat(ctx, filepath.Join(dir, "missing"))
	if err != nil || fi.Exists {
		t.Errorf("Stat(missing) = %+v, %v", fi, err)
	}
	fi, err = c.Stat(ctx, dir)
	if err != nil || !fi.Exists || !fi.IsDir || fi.Mode != 0o750 || fi.UID != 0 {
		t.Errorf("Stat(dir) = %+v, %v", fi, err)
	}
	fi, err = c.Stat(ctx, filepath.Join(dir, "redis.sock"))
	if err != nil || !fi.IsSocket || fi.IsRegular {
		t.Errorf("Stat(socket) = %+v, %v", fi, err)
	}
	data, fi, err := c.ReadFile(ctx, filepath.Join(dir, "nope"))
	if err != nil || data != nil || fi.Exists {
		t.Errorf("ReadFile(missing) = %q %+v %v", data, fi, err)
	}
	if _, _, err := c.ReadFile(ctx, dir); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("ReadFile(dir): %v", err)
	}

	before := GlobalStats()
	files, err := c.ReadFiles(ctx, []string{filepath.Join(dir, "a.conf"), filepath.Join(dir, "nope"), filepath.Join(dir, "b.conf")})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 || string(files[0].Data) != "ay" || files[1].Info.Exists || string(files[2].Data) != "bee" ||
		files[2].Info.Size != 3 || files[2].Info.Mode != 0o604 || !files[2].Info.IsRegular {
		t.Errorf("ReadFiles = %+v", files)
	}
	if n := GlobalStats().Channels - before.Channels; n != 0 {
		t.Errorf("ReadFiles opened %d channels on top of the shared SFTP session", n)
	}

	// A pseudo-file reports size 0 and still holds data: it is read to its end.
	if got, fi, err := c.ReadFile(ctx, "/proc/self/status"); err != nil || fi.Size != 0 || !bytes.Contains(got, []byte("Name:")) {
		t.Errorf("ReadFile(/proc/self/status) = %d bytes, %+v, %v; want its content although its size says 0", len(got), fi, err)
	}

	// Sizes around sftp's 32 KiB packet and an empty file read back byte for byte.
	for _, size := range []int{0, 1, 32767, 32768, 32769, 200000} {
		want := make([]byte, size)
		for i := range want {
			want[i] = byte('a' + i%26)
		}
		p := filepath.Join(dir, fmt.Sprintf("size-%d", size))
		if err := os.WriteFile(p, want, 0o644); err != nil {
			t.Fatal(err)
		}
		got, fi, err := c.ReadFile(ctx, p)
		if err != nil || !bytes.Equal(got, want) || fi.Size != int64(size) || got == nil {
			t.Errorf("ReadFile of %d bytes: got %d bytes (nil %v), %+v, %v", size, len(got), got == nil, fi, err)
		}
	}

	m, err := c.Glob(ctx, filepath.Join(dir, "*.conf"))
	if err != nil || strings.Join(m, ",") != filepath.Join(dir, "a.conf")+","+filepath.Join(dir, "b.conf") {
		t.Errorf("Glob = %q, %v", m, err)
	}

	if err := c.Remove(ctx, filepath.Join(dir, "c.txt")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "c.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("c.txt still there: %v", err)
	}
	if err := c.Remove(ctx, filepath.Join(dir, "c.txt")); err != nil {
		t.Errorf("Remove(missing) = %v", err)
	}
}

func TestIntegrationRun(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	c := conn(t, newPool(t), config(s, s.Deploy))
	ctx := context.Background()
	argv := []string{"printf", `%s\n`, "it's", "$HOME", "a b", "`id`", ""}
	if got := run(t, c, argv...); got != "it's\n$HOME\na b\n`id`\n\n" {
		t.Errorf("remote shell split the arguments into %q", got)
	}
	res, err := c.RunShell(ctx, `cat; echo oops >&2; exit 3`, []byte("secret on stdin"))
	if err != nil || res.ExitCode != 3 || string(res.Stdout) != "secret on stdin" || string(res.Stderr) != "oops\n" {
		t.Errorf("RunShell = %+v, %v", res, err)
	}
	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Run(ctx2, []string{"true"}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Run with a cancelled context: %v", err)
	}
}

func TestIntegrationPooling(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	path := filepath.Join(s.Dir, "shared.conf")
	if err := os.WriteFile(path, []byte("x=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := newPool(t)
	before := GlobalStats()
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := p.Conn(context.Background(), config(s, s.Deploy))
			if err != nil {
				errs <- err
				return
			}
			data, _, err := c.ReadFile(context.Background(), path)
			if err == nil && string(data) != "x=1\n" {
				err = errors.New("wrong content " + string(data))
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	after := GlobalStats()
	if n := s.AcceptedLogins(); n != 1 {
		t.Errorf("sshd accepted %d logins, want 1", n)
	}
	if n := after.Logins - before.Logins; n != 1 {
		t.Errorf("Logins grew by %d, want 1", n)
	}
	if n := after.SFTPSessions - before.SFTPSessions; n != 1 {
		t.Errorf("SFTPSessions grew by %d, want 1", n)
	}
	if n := after.Channels - before.Channels; n != 1 {
		t.Errorf("Channels grew by %d, want 1", n)
	}
}

// gateProxy forwards TCP connections to target once gate is closed.
type gateProxy struct {
	l        net.Listener
	accepted atomic.Int32
}

func startProxy(t *testing.T, listen, target string, gate <-chan struct{}) *gateProxy {
	t.Helper()
	l, err := net.Listen("tcp", listen)
	if err != nil {
		t.Fatal(err)
	}
	p := &gateProxy{l: l}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			p.accepted.Add(1)
			track(in)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer in.Close()
				select {
				case <-gate:
				case <-stop:
					return
				}
				out, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				track(out)
				defer out.Close()
				go func() { _, _ = io.Copy(out, in); out.Close() }()
				_, _ = io.Copy(in, out)
			}()
		}
	}()
	t.Cleanup(func() {
		close(stop)
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return p
}

func TestIntegrationParallelDials(t *testing.T) {
	slow := testhost.StartSSHD(t, testhost.Options{})
	fast := testhost.StartSSHD(t, testhost.Options{})
	gate := make(chan struct{})
	proxy := startProxy(t, "127.0.0.1:0", slow.Addr, gate)
	slowCfg := config(slow, slow.Deploy)
	slowCfg.Target.Port = proxy.l.Addr().(*net.TCPAddr).Port
	p := newPool(t)

	slowDone := make(chan error, 1)
	go func() {
		_, err := p.Conn(context.Background(), slowCfg)
		slowDone <- err
	}()
	waitFor(t, "the slow dial to reach the proxy", func() bool { return proxy.accepted.Load() == 1 })

	// The slow host's handshake is stalled; another host must not wait for it.
	if got := run(t, conn(t, p, config(fast, fast.Deploy)), "id", "-un"); got != "deploy\n" {
		t.Errorf("id -un = %q", got)
	}
	select {
	case err := <-slowDone:
		t.Fatalf("slow dial finished before its gate opened: %v", err)
	default:
	}
	close(gate)
	if err := <-slowDone; err != nil {
		t.Fatalf("slow dial: %v", err)
	}
	if slow.AcceptedLogins() != 1 || fast.AcceptedLogins() != 1 {
		t.Errorf("logins slow=%d fast=%d, want 1 and 1", slow.AcceptedLogins(), fast.AcceptedLogins())
	}
}

func TestIntegrationRetryUntilListening(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	port := testhost.FreePort(t)
	cfg := config(s, s.Deploy)
	cfg.Target.Port = port
	before := GlobalStats()
	done := make(chan error, 1)
	p := newPool(t)
	go func() {
		_, err := p.Conn(context.Background(), cfg)
		done <- err
	}()
	waitFor(t, "a refused dial attempt", func() bool { return GlobalStats().DialRetries > before.DialRetries })
	gate := make(chan struct{})
	close(gate)
	startProxy(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), s.Addr, gate)
	if err := <-done; err != nil {
		t.Fatalf("dial after the port started listening: %v", err)
	}
	if n := s.AcceptedLogins(); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
}

func TestIntegrationRedialAfterConnectionDies(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	p := newPool(t)
	c1 := conn(t, p, config(s, s.Deploy))
	run(t, c1, "true")
	c1.sc.client.Close() // the connection dies under the pool
	<-c1.sc.done
	c2 := conn(t, p, config(s, s.Deploy))
	if c2.sc == c1.sc {
		t.Fatal("the pool handed out the dead connection")
	}
	if got := run(t, c2, "id", "-un"); got != "deploy\n" {
		t.Errorf("id -un = %q", got)
	}
	if n := s.AcceptedLogins(); n != 2 {
		t.Errorf("%d logins, want 2", n)
	}
}

func TestIntegrationSessionLimit(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	cfg := config(s, s.Root)
	cfg.MaxSessions = 2
	c := conn(t, newPool(t), cfg)
	ctx := context.Background()
	if _, err := c.Stat(ctx, "/"); err != nil { // the SFTP session takes one slot
		t.Fatal(err)
	}
	tun, err := c.Dial(ctx, "tcp", s.Addr) // the tunnel the other
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := c.Run(short, []string{"true"}, nil); err == nil || !strings.Contains(err.Error(), "free SSH session slot") {
		t.Errorf("Run with every slot taken: want a slot error, got %v", err)
	}
	tun.Close()
	run(t, c, "true")
}

func TestIntegrationDialTunnel(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	c := conn(t, newPool(t), config(s, s.Root))
	ctx := context.Background()
	before := GlobalStats()

	tcp, err := c.Dial(ctx, "tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	banner := make([]byte, 8)
	if _, err := io.ReadFull(tcp, banner); err != nil || string(banner) != "SSH-2.0-" {
		t.Errorf("tcp tunnel read %q, %v", banner, err)
	}

	sock := filepath.Join(t.TempDir(), "echo.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		if c, err := l.Accept(); err == nil {
			_, _ = io.Copy(c, c)
			c.Close()
		}
	}()
	unix, err := c.Dial(ctx, "unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close()
	if _, err := unix.Write([]byte("PING\r\n")); err != nil {
		t.Fatal(err)
	}
	echo := make([]byte, 6)
	if _, err := io.ReadFull(unix, echo); err != nil || string(echo) != "PING\r\n" {
		t.Errorf("unix tunnel echoed %q, %v", echo, err)
	}
	if n := GlobalStats().Tunnels - before.Tunnels; n != 2 {
		t.Errorf("Tunnels grew by %d, want 2", n)
	}
}

func TestIntegrationPoolClose(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	p := NewPool()
	c := conn(t, p, config(s, s.Deploy))
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	<-c.sc.done
	if _, err := p.Conn(context.Background(), config(s, s.Deploy)); !errors.Is(err, errPoolClosed) {
		t.Errorf("Conn after Close: %v", err)
	}
}

func TestIntegrationWaitersShareAFailedDial(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	gate := make(chan struct{})
	proxy := startProxy(t, "127.0.0.1:0", s.Addr, gate)
	cfg := config(s, s.Deploy)
	cfg.Target.Port = proxy.l.Addr().(*net.TCPAddr).Port
	cfg.Target.PrivateKey = s.Asker.PrivateKey // authentication will fail
	p := newPool(t)

	const callers = 5
	errs := make(chan error, callers)
	dial := func() {
		_, err := p.Conn(context.Background(), cfg)
		errs <- err
	}
	go dial()
	waitFor(t, "the first dial to reach the proxy", func() bool { return proxy.accepted.Load() == 1 })
	for i := 1; i < callers; i++ {
		go dial()
	}
	p.mu.Lock()
	entry := p.entries[poolKey(cfg.withDefaults().Target, nil)]
	p.mu.Unlock()
	waitFor(t, "the other callers to wait for the first dial", func() bool { return entry.waiting.Load() == callers-1 })
	close(gate)
	for i := 0; i < callers; i++ {
		var ae *AuthError
		if err := <-errs; !errors.As(err, &ae) {
			t.Errorf("caller %d: want an *AuthError, got %v", i, err)
		}
	}
	if n := proxy.accepted.Load(); n != 1 {
		t.Errorf("%d connections for %d waiting callers, want 1", n, callers)
	}
	// A later call dials again.
	_, err := p.Conn(context.Background(), cfg)
	var ae *AuthError
	if !errors.As(err, &ae) || proxy.accepted.Load() != 2 {
		t.Errorf("a new call after a failed dial: %v, %d connections (want a second one)", err, proxy.accepted.Load())
	}
}

func TestIntegrationDebugLogsHaveNoSecrets(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{PasswordAuth: true})
	var buf bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &buf)
	cfg := config(s, s.Deploy)
	cfg.Target.Auth = Auth{User: "deploy", PrivateKey: s.Deploy.EncryptedKey, PrivateKeyPassphrase: s.Deploy.Passphrase, Password: s.Deploy.Password}
	c, err := newPool(t).Conn(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	const content = "requirepass s3cr3t-content\n"
	path := filepath.Join(s.Deploy.Home, "redis.conf")
	if err := c.WriteFileAtomic(ctx, path, []byte(content), 0o600, -1, -1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ReadFile(ctx, path); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Run(ctx, []string{"cat"}, []byte("stdin-secret")); err != nil {
		t.Fatal(err)
	}

	entries, err := tflogtest.MultilineJSONDecode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]map[string]any{}
	for _, e := range entries {
		if e["@level"] != "debug" {
			t.Errorf("log entry at %v, want debug: %v", e["@level"], e)
		}
		seen[e["@message"].(string)] = e
	}
	for _, msg := range []string{"ssh dial", "ssh login", "ssh sftp open", "ssh sftp write", "ssh sftp read", "ssh exec"} {
		if seen[msg] == nil {
			t.Errorf("no %q log entry in %v", msg, entries)
		}
	}
	if w := seen["ssh sftp write"]; w != nil && (w["path"] != path || w["bytes"] != float64(len(content))) {
		t.Errorf("write entry %v, want path %s and bytes %d", w, path, len(content))
	}
	logs := buf.String()
	for _, secret := range []string{"s3cr3t-content", "stdin-secret", s.Deploy.Password, s.Deploy.Passphrase, "PRIVATE KEY"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain the secret %q", secret)
		}
	}
}
