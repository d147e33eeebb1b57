package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

func TestSandboxHost(t *testing.T) {
	OnReleases(t, nil, testHost)
}

// testHost checks what the tests rely on in one booted sandbox: the release's own services
// where its packages put them, ntop's package as it installs itself, the sandbox's own
// network, SSH for both users, and a reboot that keeps the disk.
func testHost(t *testing.T, h *Host) {
	r := h.Release
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
		err := testhost.Until(testhost.RealClock{}, 90*time.Second, 250*time.Millisecond, func() error {
			ss = run(t, "ss -H -tlnp")
			if hasListener(ss, want, `"ntopng"`) || hasListener(ss, want, `"ntopng-main"`) { // its main thread's name once it runs
				return nil
			}
			return errors.New("not listening yet")
		})
		if err != nil {
			t.Fatalf("ntopng does not listen on %s; ss -tlnp:\n%s\njournal:\n%s", want, ss, run(t, "journalctl -u ntopng --no-pager | tail -n 30"))
		}
		return ss
	}
	checkServices := func(t *testing.T) {
		ss := waitNtopng(t)
		if got := run(t, "systemctl is-active "+r.Unit()+" ntopng ssh"); got != "active\nactive\nactive" {
			t.Errorf("systemctl is-active %s ntopng ssh = %q, want three lines \"active\"", r.Unit(), got)
		}
		wantRedis := fmt.Sprintf("127.0.0.1:%d ", h.StockRedisPort)
		wantSSH := fmt.Sprintf("%s:%d ", h.Addr, h.Port)
		if !hasListener(ss, wantRedis, `"`+r.Server+`-server"`) {
			t.Errorf("no %s-server listener on %s in:\n%s", r.Server, wantRedis, ss)
		}
		if !hasListener(ss, wantSSH, `"sshd"`) {
			t.Errorf("no sshd listener on %s in:\n%s", wantSSH, ss)
		}
	}

	t.Run("services and listeners", checkServices)

	t.Run("its own control group", func(t *testing.T) {
		// Sandboxes booted side by side must not share a cgroup tree: one systemd
		// removing its unit's group would break the other's start of the same unit.
		h.mu.Lock()
		cg, p := h.cgroup, h.proc
		h.mu.Unlock()
		if cg == "" || filepath.Base(cg) != h.machine {
			t.Fatalf("sandbox cgroup = %q, want a group named %s", cg, h.machine)
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", p.cmd.Process.Pid))
		if err != nil {
			t.Fatal(err)
		}
		mount, _ := cgroup2Mount()
		for _, l := range strings.Split(string(b), "\n") {
			if g, ok := strings.CutPrefix(l, "0::"); ok && !strings.HasPrefix(filepath.Join(mount, g)+"/", cg+"/") {
				t.Errorf("systemd-nspawn runs in cgroup %s, want one under %s", g, cg)
			}
		}
		if got := run(t, "cat /proc/1/cgroup | grep '^0::'"); got != "0::/init.scope" {
			t.Errorf("the sandbox's init is in %q, want 0::/init.scope (its own cgroup namespace)", got)
		}
	})

	t.Run("the release and its Redis", func(t *testing.T) {
		if got := run(t, ". /etc/os-release && echo $ID $VERSION_ID"); got != "debian "+r.Version {
			t.Errorf("/etc/os-release: %q, want \"debian %s\"", got, r.Version)
		}
		want := map[string]string{"debian11": "6.0.", "debian12": "7.0.", "debian13": "8.0.", "debian13-valkey": "8.1."}[r.Name]
		if got := run(t, r.Server+"-server --version"); !strings.Contains(got, " v="+want) {
			t.Errorf("%s-server --version = %q, want version %sx", r.Server, got, want)
		}
	})

	t.Run("ntop's package, stock", func(t *testing.T) {
		for script, want := range map[string]string{
			"stat -c '%U:%G %a' " + r.ConfigPath():                                                             r.Server + ":" + r.Server + " 640",
			"getent passwd ntopng | cut -d: -f1,7":                                                             "ntopng:/bin/false",
			"id -gn ntopng":                                                                                    "ntop",
			`ps -o user= -p "$(systemctl show -p MainPID --value ntopng)"`:                                     "ntopng",
			"ntopng --version | grep -o '^GIT rev:.*' | cut -d: -f3":                                           "e21c91d7e1e1d8d8a62943860b6de5f1777b40b8",
			"ntopng --version | grep -o '^Version:.*' | cut -f2":                                               "6.3.261201 [Community build]",
			"readlink -f \"$(systemctl show -p FragmentPath --value ntopng)\"":                                 "/usr/lib/systemd/system/ntopng.service",
			"readlink -f \"$(systemctl show -p FragmentPath --value ntopng@eth0)\"":                            "/usr/lib/systemd/system/ntopng@.service",
			"systemctl is-enabled ntopng":                                                                      "enabled",
			"grep -c '^#-G=' /run/ntopng.conf":                                                                 "1",
			"grep -x -- '-i=eth0' /run/ntopng.conf":                                                            "-i=eth0",
			"ls /etc/ntopng/ntopng.conf.d/*.conf 2>/dev/null | wc -l":                                          "0",
			"stat -c '%U:%G' /etc/ntopng /etc/ntopng/ntopng.conf":                                              "ntopng:ntop\nntopng:ntop",
			"stat -c '%U:%G %a' /var/lib/ntopng":                                                               "ntopng:ntop 700",
			"openssl x509 -noout -subject -nameopt RFC2253 -in /usr/share/ntopng/httpdocs/ssl/ntopng-cert.pem": "subject=CN=ntopng.local",
			r.CLI() + " -p " + strconv.Itoa(h.StockRedisPort) + " ping":                                        "PONG",
		} {
			if got := run(t, script); got != want {
				t.Errorf("%s = %q, want %q", script, got, want)
			}
		}
	})

	t.Run("a machine of its own on the network", func(t *testing.T) {
		// Its only addresses: loopback and eth0's on the link; no route beyond the link.
		if got := run(t, "ip -o -4 addr show | awk '{print $2, $4}'"); got != "lo 127.0.0.1/8\neth0 "+h.Addr+"/29" {
			t.Errorf("the sandbox's IPv4 addresses: %q, want lo and eth0 %s/29 only", got, h.Addr)
		}
		if got := run(t, "ip -4 route show; ip -6 route show | grep -v '^::1 ' || true"); !strings.HasSuffix(got, "dev eth0 proto kernel scope link src "+h.Addr) || strings.Contains(got, "default") || strings.Count(got, "\n") != 0 {
			t.Errorf("the sandbox's routes: %q, want only its link's", got)
		}
		// Its listeners are not on this machine: nothing answers on loopback's port 22 from it.
		if c, err := net.DialTimeout("tcp", net.JoinHostPort(h.Addr, "6379"), 2*time.Second); err == nil {
			c.Close()
			t.Errorf("Redis (127.0.0.1:6379 in the sandbox) answers on %s:6379 from this machine", h.Addr)
		}
		// ntopng keeps CAP_NET_BIND_SERVICE after it drops to its user in one cap_set_proc
		// call with CAP_NET_ADMIN and CAP_NET_RAW: all three must be in its bounding set (the
		// provider's sandbox tests then serve HTTPS on port 443 as user ntopng).
		caps := run(t, `grep CapBnd /proc/"$(systemctl show -p MainPID --value ntopng)"/status`)
		const netBindService, netAdmin, netRaw = 10, 12, 13
		if bnd, err := strconv.ParseUint(strings.TrimSpace(strings.TrimPrefix(caps, "CapBnd:")), 16, 64); err != nil ||
			bnd&(1<<netBindService) == 0 || bnd&(1<<netAdmin) == 0 || bnd&(1<<netRaw) == 0 {
			t.Errorf("ntopng's bounding set %q lacks CAP_NET_BIND_SERVICE, CAP_NET_ADMIN or CAP_NET_RAW", caps)
		}
	})

	t.Run("ntopng serves plain HTTP on the sandbox's address", func(t *testing.T) {
		// While it starts, ntopng answers 403 to everything; then / redirects to the login page.
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		var status, loc string
		err := testhost.Until(testhost.RealClock{}, time.Minute, 250*time.Millisecond, func() error {
			resp, err := client.Get(fmt.Sprintf("http://%s:%d/", h.Addr, h.StockHTTPPort))
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
				return nil
			}
			return errors.New("not the login redirect yet")
		})
		if err == nil {
			return
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
