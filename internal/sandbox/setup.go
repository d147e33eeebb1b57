package sandbox

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
)

// hostname is the sandbox's host name.
const hostname = "ntopng-sandbox"

// prepare turns the fresh overlay into the host the tests expect: keys and
// ports chosen for this boot, the stock Redis moved, ntop's stock
// ntopng.conf told where this boot's Redis, HTTP port and interface are, a
// deploy user with sudo. ntopng itself (files, postinst, ntop's units) is in
// the image.
func (h *Host) prepare(ctx context.Context) error {
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

	machineID := make([]byte, 16)
	if _, err := rand.Read(machineID); err != nil {
		return err
	}
	for _, d := range []struct {
		path string
		mode os.FileMode
	}{
		{"/root/.ssh", 0o700},
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
		{"/etc/systemd/system/user@.service.d/50-ntopng-sandbox.conf", 0o644, userManagerDropIn},
		{"/etc/systemd/system.conf.d/50-ntopng-sandbox.conf", 0o644, stopTimeoutDropIn},
	} {
		if err := writeFile(h.path(f.path), []byte(f.data), f.mode); err != nil {
			return err
		}
	}
	if err := appendFile(h.path("/etc/ntopng/ntopng.conf"), sandboxNtopngConf); err != nil {
		return fmt.Errorf("point ntopng.conf at the sandbox's interface: %w", err)
	}
	script := strings.Join([]string{
		"useradd --create-home --shell /bin/bash deploy",
		"install -d -m 0700 -o deploy -g deploy /home/deploy/.ssh",
		"echo '" + deployKey.authorized + "' > /home/deploy/.ssh/authorized_keys",
		"chown deploy:deploy /home/deploy/.ssh/authorized_keys",
		"chmod 0600 /home/deploy/.ssh/authorized_keys",
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

// appendFile adds text to the end of an existing file, keeping its owner
// and mode.
func appendFile(name, text string) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
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

// sshdConfig is the sandbox's sshd drop-in: address, port and host key.
const sshdConfig = `# ntopng test sandbox: sshd on the sandbox's address, with a host key and
# client keys generated for this boot.
ListenAddress %s:%d
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
`

// userManagerDropIn works around systemd 257 (Debian 13) under systemd-nspawn: after an SSH
// login as root, a reboot waited the full two minutes of TimeoutStopSec for user@0.service,
// whose processes had all exited (systemctl list-jobs: "user@0.service stop running", ps: no
// process of it left). Not seen on Debian 11 and 12, nor when the login had ended a while
// before the reboot. A test host's quirk, not the provider's: five seconds are enough.
const userManagerDropIn = `# ntopng test sandbox: see userManagerDropIn in internal/sandbox/setup.go.
[Service]
TimeoutStopSec=5s
`

// stopTimeoutDropIn bounds every stop job of the sandbox's systemd at 10 s (the default is
// 90 s): this machine runs the legacy cgroup hierarchy, where systemd 257 (Debian 13) misses
// that a stopped unit's control group became empty and waits for the timeout, at every
// shutdown and reboot.
const stopTimeoutDropIn = `# ntopng test sandbox: see stopTimeoutDropIn in internal/sandbox/setup.go.
[Manager]
DefaultTimeoutStopSec=10s
`

// sandboxNtopngConf is appended to ntop's stock ntopng.conf (which sets
// only -G): ntopng captures on the sandbox's eth0. Everything else is ntop's
// default: Redis on 127.0.0.1:6379 (the stock Redis), plain HTTP on port
// 3000 of every IPv4 address.
const sandboxNtopngConf = `
# ntopng test sandbox: capture on the sandbox's link (ntop's stock file names no interface).
-i=eth0
`
