package provider

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// The key of the keyed password hashes lives on the host only, readable by root only: a
// reader of the state (or of a plan, a CI log) who is not root on the host cannot test
// guesses against the value, as they could against a plain SHA-256 of a password.
const (
	hashKeyDir    = "/etc/terraform-provider-ntopng"
	hashKeyPath   = hashKeyDir + "/hash.key"
	hashKeySize   = 32
	keyedHashForm = "hmac-sha256:"
)

// keyedHashDescription tells, in the attributes' docs, how the value is made and why.
const keyedHashDescription = "The value is `" + keyedHashForm + "` followed by the lower-case hex HMAC-SHA256 of the password, keyed " +
	"with 32 random bytes that the provider keeps on the host in `" + hashKeyPath + "` (made on first use; folder " +
	"0700 and file 0600, both root's). Without that key a reader of the state or of a plan cannot test guesses " +
	"against the value, as they could against a plain SHA-256. Removing the key file makes a new one: the next plan " +
	"then shows the password as changed and writes it again."

// hashKeys caches each host's key for the life of the provider process. The cache key is
// the SSH address and the host key's fingerprint, so that a new host reached at an address
// used before (a reinstalled probe, a test server on a reused port) gets its own key.
var hashKeys struct {
	sync.Mutex
	byHost map[string]*hashKeyEntry
}

type hashKeyEntry struct {
	sync.Mutex
	key []byte
}

// keyedHash is "hmac-sha256:" + hex(HMAC-SHA256(host key, secret)), where the key is the
// host's 32 random bytes in hashKeyPath (dir 0700, file 0600, both root's), made on first
// use. It is what the state keeps of a password: equal passwords on one host give equal
// values (so drift shows), but without the key the value says nothing about the password.
func keyedHash(ctx context.Context, c *transport.Conn, secret string) (string, error) {
	key, err := hostHashKey(ctx, c)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(secret))
	return keyedHashForm + hex.EncodeToString(m.Sum(nil)), nil
}

// hostHashKey returns c's host key, reading it once per provider process, and creating it
// when the host has none.
func hostHashKey(ctx context.Context, c *transport.Conn) ([]byte, error) {
	id := c.Addr() + " " + c.HostKeyFingerprint()
	hashKeys.Lock()
	if hashKeys.byHost == nil {
		hashKeys.byHost = map[string]*hashKeyEntry{}
	}
	e := hashKeys.byHost[id]
	if e == nil {
		e = &hashKeyEntry{}
		hashKeys.byHost[id] = e
	}
	hashKeys.Unlock()

	e.Lock()
	defer e.Unlock()
	if e.key != nil {
		return e.key, nil
	}
	key, err := loadHashKey(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("the key of the password hashes (%s on %s): %w", hashKeyPath, c.Addr(), err)
	}
	e.key = key
	return key, nil
}

// loadHashKey reads the key file, or makes the folder and the key when missing. A folder or
// file that someone other than root could read or change is refused: the key would no
// longer protect the hashes, and a planted key would let its author test guesses.
func loadHashKey(ctx context.Context, c *transport.Conn) ([]byte, error) {
	data, info, err := c.ReadFile(ctx, hashKeyPath)
	if err != nil {
		return nil, err
	}
	if !info.Exists {
		if err := makeHashKeyDir(ctx, c); err != nil {
			return nil, err
		}
		key := make([]byte, hashKeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := c.WriteFileAtomic(ctx, hashKeyPath, key, 0o600, 0, 0); err != nil {
			return nil, err
		}
		// Read back what is there: another provider process may have made it at the same time.
		if data, info, err = c.ReadFile(ctx, hashKeyPath); err != nil {
			return nil, err
		}
	}
	switch {
	case !info.IsRegular:
		return nil, fmt.Errorf("it is not a regular file; remove it (a new key is made, and the next plan shows every password hash of this host as changed)")
	case info.UID != 0 || info.Mode&0o077 != 0:
		return nil, fmt.Errorf("it has owner uid %d and mode %04o, want root and 0600: anyone who can read it can test guesses "+
			"against the password hashes in the state. Run: chown root:root %s && chmod 0600 %s", info.UID, info.Mode, hashKeyPath, hashKeyPath)
	case len(data) != hashKeySize:
		return nil, fmt.Errorf("it holds %d bytes, want %d; remove it (a new key is made, and the next plan shows every password "+
			"hash of this host as changed)", len(data), hashKeySize)
	}
	return data, nil
}

// makeHashKeyDir creates hashKeyDir (0700, root) when missing and checks it.
func makeHashKeyDir(ctx context.Context, c *transport.Conn) error {
	fi, err := c.Stat(ctx, hashKeyDir)
	if err != nil {
		return err
	}
	if !fi.Exists {
		res, err := c.Run(ctx, []string{"mkdir", "-m", "0700", "--", hashKeyDir}, nil)
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("mkdir %s failed (exit %d): %s; the provider needs root on the host (log in as root, or set ssh.sudo = true)",
				hashKeyDir, res.ExitCode, string(res.Stderr))
		}
		if fi, err = c.Stat(ctx, hashKeyDir); err != nil {
			return err
		}
	}
	if !fi.IsDir || fi.UID != 0 || fi.Mode&0o077 != 0 {
		return fmt.Errorf("%s must be a folder owned by root with mode 0700 (it is uid %d, mode %04o): fix it or remove it",
			hashKeyDir, fi.UID, fi.Mode)
	}
	return nil
}

// hostHasher returns keyedHash on host for plan time, or nil when the host or the
// provider's SSH settings are not known yet. It connects only when called.
func hostHasher(ctx context.Context, d *providerData, host types.String, port types.Int64) func(string) (string, error) {
	if d == nil || d.unknown || host.IsUnknown() || host.IsNull() || port.IsUnknown() {
		return nil
	}
	return func(secret string) (string, error) {
		c, err := d.conn(ctx, host.ValueString(), port)
		if err != nil {
			return "", err
		}
		return keyedHash(ctx, c, secret)
	}
}

// secretInput is a secret an operator gives either write-only (never stored, with a version
// attribute that is bumped to rotate) or as a sensitive attribute (kept in the state). The
// state only holds the keyed hash of the secret found on the host (keyedHash), so that a
// plan shows drift without keeping the secret or anything a guess can be tested against.
type secretInput struct {
	writeOnly, version, sensitive string // attribute names
	// privateKey names the computed attribute holding the keyed hash, and the private state
	// key that remembers the hash applied last.
	privateKey string
}

// value returns the secret from the configuration: set is false when neither attribute is
// set, known is false while it is not known yet.
func (s secretInput) value(ctx context.Context, cfg tfsdk.Config) (v string, set, known bool, diags diag.Diagnostics) {
	for _, name := range []string{s.writeOnly, s.sensitive} {
		var a types.String
		diags.Append(cfg.GetAttribute(ctx, path.Root(name), &a)...)
		if a.IsUnknown() {
			return "", true, false, diags
		}
		if !a.IsNull() {
			return a.ValueString(), true, true, diags
		}
	}
	return "", false, true, diags
}

// usesWriteOnly reports whether the write-only attribute is the one set.
func (s secretInput) usesWriteOnly(ctx context.Context, cfg tfsdk.Config) bool {
	var a types.String
	cfg.GetAttribute(ctx, path.Root(s.writeOnly), &a)
	return !a.IsNull()
}

type privateGetter interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

type privateSetter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// applied returns the hash remembered by the last apply ("" when none, e.g. after import).
func (s secretInput) applied(ctx context.Context, p privateGetter) string {
	if p == nil {
		return ""
	}
	b, _ := p.GetKey(ctx, s.privateKey)
	var h string
	if len(b) > 0 && json.Unmarshal(b, &h) == nil {
		return h
	}
	return ""
}

// remember stores the hash of what was applied in the private state.
func (s secretInput) remember(ctx context.Context, p privateSetter, hash string) diag.Diagnostics {
	b, _ := json.Marshal(hash)
	return p.SetKey(ctx, s.privateKey, b)
}

// plannedHash is the hash the plan promises for the host:
//   - sensitive attribute: the keyed hash of its value (unknown while the value is unknown,
//     or when hash is nil: the host cannot be reached at plan time);
//   - write-only: unknown when creating, when the version changes (planVersion against the
//     prior state's), or when the host's hash (the prior state's, read back by refresh) differs from the one applied last, since the value
//     written then is the configuration's value of that run (an ephemeral password differs
//     from one run to the next); otherwise the state's hash: nothing to do.
//
// After an import no hash was applied yet: the host's current secret is adopted.
func (s secretInput) plannedHash(ctx context.Context, req resource.ModifyPlanRequest, planVersion types.Int64, hash func(string) (string, error)) (types.String, diag.Diagnostics) {
	cfg, p := req.Config, req.Private
	v, set, known, diags := s.value(ctx, cfg)
	stateHash, versionChanged := types.StringNull(), false
	if !req.State.Raw.IsNull() {
		var priorVersion types.Int64
		diags.Append(req.State.GetAttribute(ctx, path.Root(s.privateKey), &stateHash)...)
		diags.Append(req.State.GetAttribute(ctx, path.Root(s.version), &priorVersion)...)
		versionChanged = !priorVersion.Equal(planVersion)
	}
	if !set {
		return types.StringNull(), diags
	}
	if !s.usesWriteOnly(ctx, cfg) {
		if !known || hash == nil {
			return types.StringUnknown(), diags
		}
		h, err := hash(v)
		if err != nil {
			diags.AddAttributeError(path.Root(s.sensitive), "Cannot Hash the Password", err.Error())
			return types.StringUnknown(), diags
		}
		return types.StringValue(h), diags
	}
	if stateHash.IsNull() || stateHash.IsUnknown() || versionChanged {
		return types.StringUnknown(), diags
	}
	want := s.applied(ctx, p)
	if want == "" {
		want = stateHash.ValueString()
	}
	if want != stateHash.ValueString() {
		return types.StringUnknown(), diags
	}
	return stateHash, diags
}
