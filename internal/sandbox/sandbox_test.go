package sandbox

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

func TestSandboxHost(t *testing.T) {
	h := BootT(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	run := func(t *testing.T, script string) string {
		t.Helper()
		out, err := h.Exec(ctx, script)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(out)
	}

	// ntopng binds its web server a few seconds after systemd started it (Redis, the
	// interface and the Lua scripts come first): wait for that, as an operator would.
	waitNtopng := func(t *testing.T) string {
		t.Helper()
		want := fmt.Sprintf("0.0.0.0:%d ", h.StockHTTPPort)
		var ss string
		for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
			ss = run(t, "ss -H -tlnp")
			if hasListener(ss, want, `"ntopng"`) || hasListener(ss, want, `"ntopng-main"`) { // its main thread's name once it runs
				return ss
			}
		}
		t.Fatalf("ntopng does not listen on %s; ss -tlnp:\n%s\njournal:\n%s", want, ss, run(t, "journalctl -u ntopng --no-pager | tail -n 30"))
		return ""
	}
	checkServices := func(t *testing.T) {
		ss := waitNtopng(t)
		if got := run(t, "systemctl is-active redis-server ntopng ssh"); got != "active\nactive\nactive" {
			t.Errorf("systemctl is-active redis-server ntopng ssh = %q, want three lines \"active\"", got)
		}
		wantRedis := fmt.Sprintf("127.0.0.1:%d ", h.StockRedisPort)
		wantSSH := fmt.Sprintf("127.0.0.1:%d ", h.Port)
		if !hasListener(ss, wantRedis, `"redis-server"`) {
			t.Errorf("no redis-server listener on %s in:\n%s", wantRedis, ss)
		}
		if !hasListener(ss, wantSSH, `"sshd"`) {
			t.Errorf("no sshd listener on %s in:\n%s", wantSSH, ss)
		}
	}

	t.Run("services and listeners", checkServices)

	t.Run("ntop's package, stock", func(t *testing.T) {
		for script, want := range map[string]string{
			"stat -c '%U:%G %a' /etc/redis/redis.conf":                                        "redis:redis 640",
			"getent passwd ntopng | cut -d: -f1,7":                                            "ntopng:/bin/false",
			"id -gn ntopng":                                                                   "ntop",
			`ps -o user= -p "$(systemctl show -p MainPID --value ntopng)"`:                    "ntopng",
			"ntopng --version | grep -o '^GIT rev:.*' | cut -d: -f3":                          "e21c91d7e1e1d8d8a62943860b6de5f1777b40b8",
			"ntopng --version | grep -o '^Version:.*' | cut -f2":                              "6.3.261201 [Community build]",
			"readlink -f \"$(systemctl show -p FragmentPath --value ntopng)\"":                "/usr/lib/systemd/system/ntopng.service",
			"readlink -f \"$(systemctl show -p FragmentPath --value ntopng@eth0)\"":           "/usr/lib/systemd/system/ntopng@.service",
			"systemctl is-enabled ntopng":                                                     "enabled",
			"grep -c '^#-G=' /run/ntopng.conf":                                                "1",
			"grep -x -- '-w=" + strconv.Itoa(h.StockHTTPPort) + "' /run/ntopng.conf":          "-w=" + strconv.Itoa(h.StockHTTPPort),
			"ls /etc/ntopng/ntopng.conf.d/*.conf 2>/dev/null | wc -l":                         "0",
			"stat -c '%U:%G' /etc/ntopng /etc/ntopng/ntopng.conf":                             "ntopng:ntop\nntopng:ntop",
			"stat -c '%U:%G %a' /var/lib/ntopng":                                              "ntopng:ntop 700",
			"openssl x509 -noout -subject -in /usr/share/ntopng/httpdocs/ssl/ntopng-cert.pem": "subject=CN = ntopng.local",
			"redis-cli -p " + strconv.Itoa(h.StockRedisPort) + " ping":                        "PONG",
		} {
			if got := run(t, script); got != want {
				t.Errorf("%s = %q, want %q", script, got, want)
			}
		}
	})

	t.Run("ntopng serves plain HTTP on the host network", func(t *testing.T) {
		// While it starts, ntopng answers 403 to everything; then / redirects to the login page.
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		var status, loc string
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
			resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/", h.StockHTTPPort))
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			status, loc = resp.Status, resp.Header.Get("Location")
			if resp.StatusCode == http.StatusFound && strings.HasPrefix(loc, "/lua/login.lua") {
				if srv := resp.Header.Get("Server"); !strings.HasPrefix(srv, "ntopng 6.3.261201") {
					t.Errorf("Server header %q, want ntopng 6.3.261201", srv)
				}
				return
			}
		}
		t.Errorf("GET / = %s, Location %q; want ntopng's 302 to /lua/login.lua", status, loc)
	})

	t.Run("ssh as root and as deploy with sudo", func(t *testing.T) {
		if got := sshRun(t, h, "root", h.RootKey, "id -u"); got != "0" {
			t.Errorf("ssh root: id -u = %q, want 0", got)
		}
		if got := sshRun(t, h, h.DeployUser, h.DeployKey, "id -un && sudo -n true && sudo -n id -u"); got != "deploy\n0" {
			t.Errorf("ssh deploy: %q, want \"deploy\\n0\"", got)
		}
	})

	t.Run("reboot keeps the disk", func(t *testing.T) {
		run(t, "echo kept > /etc/sandbox-marker && echo gone > /run/sandbox-marker")
		if err := h.Reboot(ctx); err != nil {
			t.Fatal(err)
		}
		if got := run(t, "cat /etc/sandbox-marker; cat /run/sandbox-marker 2>/dev/null || echo none"); got != "kept\nnone" {
			t.Errorf("after reboot: %q, want \"kept\\nnone\"", got)
		}
		checkServices(t)
	})
}

// hasListener reports whether a line of `ss -tlnp` output has both parts.
func hasListener(ss, addr, process string) bool {
	for _, line := range strings.Split(ss, "\n") {
		if strings.Contains(line, " "+addr) && strings.Contains(line, process) {
			return true
		}
	}
	return false
}

// sshRun runs cmd over SSH, verifying the sandbox's host key.
func sshRun(t *testing.T, h *Host, user, keyPEM, cmd string) string {
	t.Helper()
	signer, err := ssh.ParsePrivateKey([]byte(keyPEM))
	if err != nil {
		t.Fatal(err)
	}
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(h.HostKey))
	if err != nil {
		t.Fatal(err)
	}
	if got := ssh.FingerprintSHA256(hostKey); got != h.HostKeyFingerprint {
		t.Errorf("HostKeyFingerprint = %s, but HostKey has %s", h.HostKeyFingerprint, got)
	}
	c, err := ssh.Dial("tcp", net.JoinHostPort(h.Addr, strconv.Itoa(h.Port)), &ssh.ClientConfig{
		User: user, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(hostKey), Timeout: 30 * time.Second,
	})
	if err != nil {
		t.Fatalf("ssh %s@%s:%d: %v", user, h.Addr, h.Port, err)
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out, err := s.CombinedOutput(cmd)
	if err != nil {
		t.Fatalf("ssh %s: %q: %v: %s", user, cmd, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestMirrorFromList(t *testing.T) {
	text := `# comment
deb-src http://src.example/debian bookworm main
deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main
deb http://other.example/debian bookworm main
`
	if got := mirrorFromList(text, "bookworm"); got != "http://mirror.example/debian" {
		t.Errorf("mirrorFromList = %q", got)
	}
	if got := mirrorFromList(text, "trixie"); got != "" {
		t.Errorf("mirrorFromList for another suite = %q, want none", got)
	}
}

func TestMirrorFromDeb822(t *testing.T) {
	text := `Types: deb
URIs: http://disabled.example/debian
Suites: bookworm
Enabled: no

Types: deb
# http://snapshot.example/archive
URIs: http://deb.example/debian
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://deb.example/debian-security
Suites: bookworm-security
`
	if got := mirrorFromDeb822(text, "bookworm"); got != "http://deb.example/debian" {
		t.Errorf("mirrorFromDeb822 = %q", got)
	}
	if got := mirrorFromDeb822(text, "trixie"); got != "" {
		t.Errorf("mirrorFromDeb822 for another suite = %q, want none", got)
	}
}
