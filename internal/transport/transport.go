// Package transport is the provider's SSH layer: it dials hosts (with retries
// and an optional bastion), verifies host keys, authenticates, keeps one SSH
// connection per host in a per-process Pool, shares one SFTP client per
// connection for file operations (through `sudo -n` when asked), writes files
// atomically and runs commands built from POSIX-quoted argument lists.
//
// It imports nothing from the Terraform plugin framework; it logs through
// tflog at DEBUG level (dials, sessions, file operations with host, path and
// sizes) and never logs file content, passwords or keys.
package transport

import (
	"fmt"
	"net"
	"strconv"
	"sync/atomic"
	"time"
)

// Defaults applied to a Config by the Pool.
const (
	DefaultUser        = "root"
	DefaultPort        = 22
	DefaultTimeout     = 30 * time.Second
	DefaultMaxSessions = 4
)

// Auth holds the credentials for one SSH endpoint. Methods are offered in
// this order: certificate (signed by Certificate, with PrivateKey), private
// key, agent keys, password, keyboard-interactive (answered with Password).
type Auth struct {
	// User is the login name; "" means DefaultUser ("root").
	User string
	// PrivateKey is a PEM or OpenSSH private key (the key's content, not a path).
	PrivateKey string
	// PrivateKeyPassphrase decrypts PrivateKey when it is encrypted.
	PrivateKeyPassphrase string
	// Certificate is an SSH user certificate ("ssh-ed25519-cert-v01@openssh.com AAAA...")
	// for PrivateKey.
	Certificate string
	// Password is used for password and keyboard-interactive authentication.
	Password string
	// Agent offers the keys of the SSH agent at AgentSocket.
	Agent bool
	// AgentSocket is the agent's Unix socket; "" means $SSH_AUTH_SOCK.
	AgentSocket string
}

// HostKeyPolicy says how a host's key is verified. HostKey, when set, is the
// only key accepted; otherwise the host must be in KnownHosts and/or
// KnownHostsFile (plain keys or a matching @cert-authority line). With none of
// them set the connection is refused with the line to pin, unless
// InsecureIgnoreHostKey is true.
type HostKeyPolicy struct {
	// HostKey pins the host's public key, e.g. "ssh-ed25519 AAAA...". It wins
	// over known_hosts.
	HostKey string
	// KnownHosts is known_hosts content.
	KnownHosts string
	// KnownHostsFile is a known_hosts path; a leading "~/" is the user's home.
	KnownHostsFile string
	// InsecureIgnoreHostKey accepts any host key.
	InsecureIgnoreHostKey bool
}

// Endpoint is one SSH server and how to log in to it.
type Endpoint struct {
	// Host is a name or an IP address.
	Host string
	// Port is the SSH port; 0 means DefaultPort (22).
	Port int
	Auth
	HostKeyPolicy
}

// Config is what Pool.Conn needs to reach a target.
//
// Bastion fields left empty default from the target: the user; the whole
// Auth when the bastion sets no method (no key, certificate, password or
// agent); the known_hosts content, file and insecure flag when the bastion
// sets no host-key policy at all. A pinned HostKey is never inherited: a pin
// names one host.
type Config struct {
	// Target is the host to reach.
	Target Endpoint
	// Bastion, when set, is a jump host: the target is reached through a
	// direct-tcpip channel on the bastion's connection.
	Bastion *Endpoint
	// Sudo runs the SFTP server and commands through `sudo -n --`.
	Sudo bool
	// SudoPassword, with Sudo, is sudo's password: sent only on the session's standard
	// input when sudo asks for it (`sudo -S`), never on a command line or in a log.
	SudoPassword string
	// SFTPServer is the sftp-server path; "" searches the usual locations.
	// Either way it is run by `sh -c` under umask 077 (see sftpCommand).
	SFTPServer string
	// Timeout is the dial budget including retries; 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxSessions caps the channels open at once on the connection (the
	// shared SFTP session holds one); 0 means DefaultMaxSessions, values
	// below 2 are raised to 2. Taken from the Config that dials.
	MaxSessions int
}

// withDefaults returns c with defaults applied, including the bastion's
// inherited fields.
func (c Config) withDefaults() Config {
	if c.Target.User == "" {
		c.Target.User = DefaultUser
	}
	if c.Target.Port == 0 {
		c.Target.Port = DefaultPort
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxSessions == 0 {
		c.MaxSessions = DefaultMaxSessions
	}
	if c.MaxSessions < 2 {
		c.MaxSessions = 2
	}
	if c.Bastion != nil {
		b := *c.Bastion
		if b.Port == 0 {
			b.Port = DefaultPort
		}
		if !b.Auth.hasMethod() {
			user := b.User
			b.Auth = c.Target.Auth
			if user != "" {
				b.User = user
			}
		}
		if b.User == "" {
			b.User = c.Target.User
		}
		p := b.HostKeyPolicy
		if p.HostKey == "" && p.KnownHosts == "" && p.KnownHostsFile == "" && !p.InsecureIgnoreHostKey {
			b.HostKeyPolicy = HostKeyPolicy{
				KnownHosts:            c.Target.KnownHosts,
				KnownHostsFile:        c.Target.KnownHostsFile,
				InsecureIgnoreHostKey: c.Target.InsecureIgnoreHostKey,
			}
		}
		c.Bastion = &b
	}
	return c
}

func (a Auth) hasMethod() bool {
	return a.PrivateKey != "" || a.Certificate != "" || a.Password != "" || a.Agent
}

// addr is the endpoint's "host:port".
func (e Endpoint) addr() string {
	return joinHostPort(e.Host, e.Port)
}

func joinHostPort(host string, port int) string {
	if port == 0 {
		port = DefaultPort
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// poolKey identifies one SSH connection: endpoint, user and the bastion
// (host:port:user) it goes through.
func poolKey(e Endpoint, via *Endpoint) string {
	k := fmt.Sprintf("%s|%s", e.addr(), e.User)
	if via != nil {
		k += fmt.Sprintf("|via %s|%s", via.addr(), via.User)
	}
	return k
}

// Stats are process-wide counters of SSH activity.
type Stats struct {
	// Logins counts successful SSH authentications (targets and bastions).
	Logins int64
	// Channels counts every channel opened: sessions, SFTP and tunnels.
	Channels int64
	// SFTPSessions counts SFTP sessions opened.
	SFTPSessions int64
	// Execs counts command sessions (Run, RunShell).
	Execs int64
	// Tunnels counts direct-tcpip / direct-streamlocal channels (Dial, and
	// the target's channel through a bastion).
	Tunnels int64
	// DialRetries counts dial attempts that failed on the network and were
	// retried.
	DialRetries int64
}

var stats struct {
	logins, channels, sftpSessions, execs, tunnels, dialRetries atomic.Int64
}

// GlobalStats returns the process-wide counters.
func GlobalStats() Stats {
	return Stats{
		Logins:       stats.logins.Load(),
		Channels:     stats.channels.Load(),
		SFTPSessions: stats.sftpSessions.Load(),
		Execs:        stats.execs.Load(),
		Tunnels:      stats.tunnels.Load(),
		DialRetries:  stats.dialRetries.Load(),
	}
}
