package ntopnghardening

// The flow collector channel: ntopng in collector mode (--interface=tcp://ADDRESS:PORTc)
// binds a ZMQ socket that nProbe connects to. Without --zmq-encryption anyone who reaches it
// feeds flows in clear. With it, ntopng's collector socket is a CURVE server whose key pair
// ntopng keeps in its data directory (ZMQUtils::generateEncryptionKeys in ntopng's
// src/ZMQUtils.cpp): zmq-key.pub and zmq-key.priv, 40 Z85 characters each, created by ntopng
// at start-up (as root, before it drops privileges) with mode 0600 when they are missing.

import (
	"context"
	"fmt"
	"net/netip"
	"path"
	"strings"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostids"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

const (
	// ZMQPublicKeyFile and ZMQPrivateKeyFile are ntopng's CURVE key pair in its data directory.
	ZMQPublicKeyFile  = "zmq-key.pub"
	ZMQPrivateKeyFile = "zmq-key.priv"
	// ZMQPrivateKeyMode is the only mode the private key may have (ntopng's own).
	ZMQPrivateKeyMode = 0o600
	// zmqKeyLen is a Z85-encoded CURVE key's length.
	zmqKeyLen = 40
)

// RemoteCollectors are the collector-mode endpoints ("tcp://ADDRESS:PORTc", also spelled
// "zmq://", several per interface with commas) of ifaces that bind beyond loopback: every
// address ("*", "0.0.0.0", "[::]"), a host's address, or a name. Only 127.0.0.0/8, ::1 and
// "localhost" stay on the host.
func RemoteCollectors(ifaces []string) []string {
	var out []string
	for _, i := range ifaces {
		for _, ep := range strings.Split(i, ",") {
			ep = strings.TrimSpace(ep)
			rest, ok := strings.CutPrefix(ep, "tcp://")
			if !ok {
				rest, ok = strings.CutPrefix(ep, "zmq://")
			}
			if !ok || !strings.HasSuffix(rest, "c") {
				continue
			}
			rest = strings.TrimSuffix(rest, "c")
			host := rest
			if j := strings.LastIndexByte(rest, ':'); j >= 0 {
				host = rest[:j]
			}
			if !loopbackHost(strings.Trim(host, "[]")) {
				out = append(out, ep)
			}
		}
	}
	return out
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.Unmap().IsLoopback()
}

// CheckCollectors refuses a collector endpoint beyond loopback without encryption.
func CheckCollectors(iface string, encryption bool) *Problem {
	remote := RemoteCollectors([]string{iface})
	if len(remote) == 0 || encryption {
		return nil
	}
	return &Problem{"Flow Collector Open Without Encryption", fmt.Sprintf("The collector endpoint %s takes flows from anyone "+
		"who reaches it, in clear. Set zmq_encryption = true (ntopng then requires CURVE encryption and keeps its key pair "+
		"in its data directory) and give nProbe the key that zmq_public_key reads back (--zmq-encryption-key), or bind the "+
		"endpoint to 127.0.0.1 (\"tcp://127.0.0.1:PORTc\").", strings.Join(remote, ", "))}
}

// ZMQEncrypted: the files turn on ntopng's CURVE encryption (the private key option implies it).
func ZMQEncrypted(eff ntopngconf.Effective) bool {
	_, on := eff.Options["zmq-encryption"]
	_, key := eff.Options["zmq-encryption-key-priv"]
	return on || key
}

// ZMQKeys is what the data directory holds of ntopng's key pair.
type ZMQKeys struct {
	// Public is zmq-key.pub ("" when absent or not a key).
	Public string
	// Private is zmq-key.priv as stat'ed (never its content); PrivatePath its path.
	Private     transport.FileInfo
	PrivatePath string
	// Legacy are the folders <data dir>/<interface id> that hold a key pair of their own,
	// key.pub and key.priv: ntopng before 6.0 kept its keys there, and ntopng 6 still uses such
	// a pair, not zmq-key.*, for that interface (ZMQCollectorInterface::
	// findInterfaceEncryptionKeys; seen on the real ntopng: a sender with zmq-key.pub's key is
	// then refused). Which interface has which id is in ntopng's Redis, not in its files.
	Legacy []string
}

// ReadZMQKeys reads the public key and stats the private key in dataDir, through the
// link-guarded reader (a link planted in ntopng's data directory is refused, not followed).
func ReadZMQKeys(ctx context.Context, c *transport.Conn, dataDir string) (ZMQKeys, error) {
	k := ZMQKeys{PrivatePath: path.Join(dataDir, ZMQPrivateKeyFile)}
	pub, fi, err := c.ReadFile(ctx, path.Join(dataDir, ZMQPublicKeyFile))
	if err != nil {
		return k, err
	}
	if fi.Exists && isZ85Key(pub) {
		k.Public = string(pub)
	}
	if k.Private, err = c.Lstat(ctx, k.PrivatePath); err != nil {
		return k, err
	}
	privs, err := c.Glob(ctx, path.Join(dataDir, "[0-9]*", "key.priv"))
	if err != nil {
		return k, err
	}
	for _, p := range privs {
		dir := path.Dir(p)
		if strings.Trim(path.Base(dir), "0123456789") != "" {
			continue
		}
		pub, err := c.Lstat(ctx, path.Join(dir, "key.pub"))
		if err != nil {
			return k, err
		}
		if pub.Exists {
			k.Legacy = append(k.Legacy, dir)
		}
	}
	return k, nil
}

// ZMQKeyOption: the files give ntopng its private key (--zmq-encryption-key-priv); ntopng then
// uses it instead of any key pair in its data directory (ZMQUtils::findEncryptionKeys) and
// creates none.
func ZMQKeyOption(eff ntopngconf.Effective) bool {
	_, ok := eff.Options["zmq-encryption-key-priv"]
	return ok
}

// PrivateKeyOwner is "USER:GROUP" of the private key ("" when absent).
func (k ZMQKeys) PrivateKeyOwner(ids *hostids.IDs) string {
	if !k.Private.Exists {
		return ""
	}
	return ids.UserName(k.Private.UID) + ":" + ids.GroupName(k.Private.GID)
}

// PrivateKeyMode is the private key's mode as "0600", "link" for a symbolic link ("" when absent).
func (k ZMQKeys) PrivateKeyMode() string {
	if !k.Private.Exists {
		return ""
	}
	if !k.Private.IsRegular {
		return "not a regular file"
	}
	return FormatMode(uint32(k.Private.Mode.Perm()))
}

// PrivateKeyDrifted: the private key exists and is not a regular file owned by root or by
// runAs (ntopng writes it as root before dropping privileges; an ntopng started as its user
// writes its own) with mode 0600. owner and mode are as PrivateKeyOwner and PrivateKeyMode
// say them; "" is not read.
func PrivateKeyDrifted(owner, mode, runAs string) bool {
	if owner == "" && mode == "" {
		return false
	}
	u, _, _ := strings.Cut(owner, ":")
	return mode != FormatMode(ZMQPrivateKeyMode) || (u != "root" && u != runAs)
}

// FixPrivateKey gives the private key back mode 0600 and its owner (root, unless runAs
// already owns it), by writing it anew atomically: rename replaces whatever is there, so a
// link or a hard link planted in ntopng's data directory is never followed. Only a file that
// holds a CURVE key (40 Z85 characters) is rewritten, so that no other file's content is
// copied through a hard link.
func FixPrivateKey(ctx context.Context, c *transport.Conn, k ZMQKeys, ids *hostids.IDs, runAs string) error {
	if !k.Private.IsRegular {
		return fmt.Errorf("%s is not a regular file (a link or another kind of file, not ntopng's): remove it; ntopng "+
			"creates a new key pair at its next start, and nProbe then needs the new zmq_public_key", k.PrivatePath)
	}
	data, fi, err := c.ReadFile(ctx, k.PrivatePath)
	if err != nil {
		return err
	}
	if !fi.Exists || !isZ85Key(data) {
		return fmt.Errorf("%s does not hold a CURVE key (40 Z85 characters): remove it; ntopng creates a new key pair at "+
			"its next start, and nProbe then needs the new zmq_public_key", k.PrivatePath)
	}
	uid, gid := 0, 0
	if ruid, ok := ids.UID(runAs); ok && fi.UID == ruid && ruid != 0 {
		uid, gid = ruid, fi.GID
	}
	return c.WriteFileAtomic(ctx, k.PrivatePath, data, ZMQPrivateKeyMode, uid, gid)
}

// isZ85Key: exactly a Z85-encoded 32-byte key (ntopng writes it without a newline).
func isZ85Key(b []byte) bool {
	if len(b) != zmqKeyLen {
		return false
	}
	const z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
	for _, ch := range b {
		if !strings.ContainsRune(z85, rune(ch)) {
			return false
		}
	}
	return true
}
