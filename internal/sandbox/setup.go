package sandbox

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"golang.org/x/crypto/ssh"
)

// hostname is the sandbox's host name.
const hostname = "ntopng-sandbox"

// prepare turns the fresh overlay into the host the tests expect: keys and
// ports chosen for this boot, the stock Redis moved, the stand-in installed
// as ntopng.service, a deploy user with sudo.
func (h *Host) prepare(ctx context.Context) error {
	ports, err := freePorts()
	if err != nil {
		return err
	}
	h.Port, h.StockRedisPort, h.StockHTTPPort = ports[0], ports[1], ports[2]
	hostKey, err := newKey("root@" + hostname)
	if err != nil {
		return err
	}
	rootKey, err := newKey("root-key@sandbox-test")
	if err != nil {
		return err
	}
	deployKey, err := newKey("deploy-key@sandbox-test")
	if err != nil {
		return err
	}
	h.HostKey, h.HostKeyFingerprint = hostKey.public, hostKey.fingerprint
	h.RootKey, h.DeployKey = rootKey.private, deployKey.private

	standin := filepath.Join(h.Dir, "ntopng")
	if err := buildStandin(ctx, standin); err != nil {
		return err
	}
	machineID := make([]byte, 16)
	if _, err := rand.Read(machineID); err != nil {
		return err
	}
	for _, d := range []struct {
		path string
		mode os.FileMode
	}{
		{"/root/.ssh", 0o700},
		{"/etc/ntopng/ntopng.conf.d", 0o755},
		{"/usr/share/ntopng/httpdocs/ssl", 0o755},
		{"/var/lib/ntopng", 0o755},
	} {
		if err := os.MkdirAll(h.path(d.path), d.mode); err != nil {
			return err
		}
		if err := os.Chmod(h.path(d.path), d.mode); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		path string
		mode os.FileMode
		data string
	}{
		{"/etc/hostname", 0o644, hostname + "\n"},
		{"/etc/hosts", 0o644, "127.0.0.1\tlocalhost\n127.0.1.1\t" + hostname + "\n::1\tlocalhost ip6-localhost ip6-loopback\n"},
		{"/etc/machine-id", 0o444, hex.EncodeToString(machineID) + "\n"},
		{"/etc/ssh/ssh_host_ed25519_key", 0o600, hostKey.private},
		{"/etc/ssh/ssh_host_ed25519_key.pub", 0o644, hostKey.authorized + "\n"},
		{"/etc/ssh/sshd_config.d/50-ntopng-sandbox.conf", 0o644, fmt.Sprintf(sshdConfig, h.Addr, h.Port)},
		{"/root/.ssh/authorized_keys", 0o600, rootKey.authorized + "\n"},
		{"/etc/sudoers.d/deploy", 0o440, "deploy ALL=(ALL) NOPASSWD:ALL\n"},
		{"/etc/systemd/system/ntopng.service", 0o644, ntopngUnit},
		{"/etc/ntopng/ntopng.conf", 0o644, fmt.Sprintf(stockNtopngConf, h.StockHTTPPort)},
	} {
		if err := writeFile(h.path(f.path), []byte(f.data), f.mode); err != nil {
			return err
		}
	}
	bin, err := os.ReadFile(standin)
	if err != nil {
		return err
	}
	if err := writeFile(h.path("/usr/bin/ntopng"), bin, 0o755); err != nil {
		return err
	}
	if err := h.moveRedis(); err != nil {
		return err
	}
	script := strings.Join([]string{
		"groupadd --system ntop",
		"useradd --create-home --shell /bin/bash deploy",
		"install -d -m 0700 -o deploy -g deploy /home/deploy/.ssh",
		"echo '" + deployKey.authorized + "' > /home/deploy/.ssh/authorized_keys",
		"chown deploy:deploy /home/deploy/.ssh/authorized_keys",
		"chmod 0600 /home/deploy/.ssh/authorized_keys",
		"systemctl enable ntopng.service",
	}, "\n")
	if out, err := chroot(ctx, h.merged, script); err != nil {
		return fmt.Errorf("set up users and units in the sandbox: %w\n%s", err, out)
	}
	return nil
}

// path maps an absolute path inside the container to the overlay.
func (h *Host) path(p string) string {
	return filepath.Join(h.merged, p)
}

// moveRedis changes only the "port" line of the stock redis.conf; writing
// in place keeps its owner redis:redis and mode 0640.
func (h *Host) moveRedis() error {
	name := h.path("/etc/redis/redis.conf")
	b, err := os.ReadFile(name)
	if err != nil {
		return fmt.Errorf("read the stock redis.conf: %w", err)
	}
	re := regexp.MustCompile(`(?m)^port 6379$`)
	if n := len(re.FindAll(b, -1)); n != 1 {
		return fmt.Errorf("the stock redis.conf has %d lines \"port 6379\", want exactly 1: has the redis-server package changed?", n)
	}
	b = re.ReplaceAll(b, []byte(fmt.Sprintf("port %d", h.StockRedisPort)))
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeFile creates or replaces a file with exactly mode, creating its
// folder when needed.
func writeFile(name string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(name, data, mode); err != nil {
		return err
	}
	return os.Chmod(name, mode)
}

// freePorts returns three distinct free ports: two on 127.0.0.1 (sshd,
// Redis) and one free on every IPv4 address (the stand-in's HTTP).
func freePorts() ([3]int, error) {
	var ports [3]int
	for i, addr := range []string{"127.0.0.1:0", "127.0.0.1:0", "0.0.0.0:0"} {
		l, err := net.Listen("tcp4", addr)
		if err != nil {
			return ports, fmt.Errorf("find a free port: %w", err)
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports, nil
}

// keyPair is an ed25519 key in the forms the sandbox needs.
type keyPair struct {
	private     string // OpenSSH private key, PEM
	public      string // "ssh-ed25519 AAAA..."
	authorized  string // public plus a comment
	fingerprint string // "SHA256:..."
}

func newKey(comment string) (keyPair, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return keyPair{}, err
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return keyPair{}, err
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return keyPair{}, err
	}
	public := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub)))
	return keyPair{
		private:     string(pem.EncodeToMemory(block)),
		public:      public,
		authorized:  public + " " + comment,
		fingerprint: ssh.FingerprintSHA256(sshPub),
	}, nil
}

// buildStandin compiles internal/ntopngstandin, statically, to out.
func buildStandin(ctx context.Context, out string) error {
	_, file, _, ok := runtime.Caller(0)
	src := filepath.Join(filepath.Dir(file), "..", "ntopngstandin")
	if !ok || !isDir(src) {
		return fmt.Errorf("the ntopng stand-in's source was not found at %s: run from a checkout of the provider", src)
	}
	goTool, err := lookTool("go")
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, goTool, "build", "-trimpath", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build the ntopng stand-in: %w\n%s", err, bytes.TrimSpace(b))
	}
	return nil
}

// sshdConfig is the sandbox's sshd drop-in: address, port and host key.
const sshdConfig = `# ntopng test sandbox: sshd on a free loopback port, with a host key and
# client keys generated for this boot.
ListenAddress %s:%d
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
`

// ntopngUnit mimics the ntopng.service of ntop's packages: the main file
// and the drop-ins are joined into /run/ntopng.conf with the daemon and
// PID-file options commented out, and ntopng reads that file.
const ntopngUnit = `[Unit]
Description=ntopng high-speed web-based traffic monitoring (test sandbox: runs the ntopng STAND-IN)
After=network.target syslog.target redis-server.service

[Service]
Type=simple
ExecStartPre=/bin/sh -c 'for f in /etc/ntopng/ntopng.conf /etc/ntopng/ntopng.conf.d/*.conf; do if [ -f "$$f" ]; then cat "$$f"; fi; done | sed -e "/^[ ]*\\(-e\\|-G\\|--daemon\\|--pid\\)/s/^/#/" > /run/ntopng.conf'
ExecStart=/usr/bin/ntopng /run/ntopng.conf
ExecStopPost=-/bin/rm -f /run/ntopng.conf
Restart=on-abnormal
RestartSec=5

[Install]
WantedBy=multi-user.target
`

// stockNtopngConf has the layout of the ntopng.conf that ntop's packages
// install (options documented in comment blocks, most of them commented
// out, the PID file set, HTTP on every address), reworded, and with HTTP on
// a free port instead of 3000.
const stockNtopngConf = `# ntopng configuration file.
#
# Same options as on the command line, one per line, with "=" between the
# option and its value: -i=eth0 or --interface=eth0. Options without a
# value take a trailing "=", for example -v=.
#
#       -G|--pid-path
#        File that receives the process ID. Not used when systemd runs ntopng.
#
-G=/var/run/ntopng.pid
#
#       -e|--daemon
#        Detach from the terminal and run in the background. Not used when
#        systemd runs ntopng.
#
#-e
#
#       -i|--interface
#        Network interface or collector endpoint to monitor. Repeat the option
#        to monitor several.
#
#-i=eth1
#-i=eth2
#
#       -w|--http-port
#        Port of the embedded web server (HTTP), optionally as address:port.
#
-w=%d
#
#       -W|--https-port
#        Port of the embedded web server (HTTPS). Needs the key and certificate in
#        /usr/share/ntopng/httpdocs/ssl/ntopng-cert.pem.
#
#-W=3001
#
#       -m|--local-networks
#        Networks to treat as local in addition to those of the monitored
#        interfaces, comma separated, CIDR or netmask notation.
#
#-m=10.10.123.0/24,10.10.124.0/24
#
#       -d|--data-dir
#        Data directory; the user running ntopng must be able to write to it.
#
#-d=/var/lib/ntopng
#
#       -q|--disable-autologout
#        Do not log web users out after a period of inactivity.
#
#-q
`
