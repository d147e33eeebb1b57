package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// secretInput is a secret an operator gives either write-only (never stored, with a version
// attribute that is bumped to rotate) or as a sensitive attribute (kept in the state). The
// state only holds the SHA-256 of the secret found on the host, so that a plan shows drift
// without keeping the secret.
type secretInput struct {
	writeOnly, version, sensitive string // attribute names
	privateKey                    string // private state key that remembers the hash applied last
}

// secretHash is the lowercase hex SHA-256 of s (the form Redis ACLs use).
func secretHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
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
//   - sensitive attribute: the hash of its value (unknown while the value is unknown);
//   - write-only: unknown when creating, when the version changes, or when the host's hash
//     (stateHash, read back by refresh) differs from the one applied last, since the value
//     written then is the configuration's value of that run (an ephemeral password differs
//     from one run to the next); otherwise the state's hash: nothing to do.
//
// After an import no hash was applied yet: the host's current secret is adopted.
func (s secretInput) plannedHash(ctx context.Context, cfg tfsdk.Config, stateHash types.String, versionChanged bool, p privateGetter) (types.String, diag.Diagnostics) {
	v, set, known, diags := s.value(ctx, cfg)
	if !set {
		return types.StringNull(), diags
	}
	if !s.usesWriteOnly(ctx, cfg) {
		if !known {
			return types.StringUnknown(), diags
		}
		return types.StringValue(secretHash(v)), diags
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
