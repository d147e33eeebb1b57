package provider

// ntopng_instance's flow collector channel: zmq_encryption (CURVE on the collector endpoints),
// the public key nProbe needs read back, and the private key's owner and mode as drift.

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	tfpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostids"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopnghardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

type instanceZMQAttrs struct {
	ZMQEncryption      types.Bool   `tfsdk:"zmq_encryption"`
	ZMQPublicKey       types.String `tfsdk:"zmq_public_key"`
	ZMQPrivateKeyOwner types.String `tfsdk:"zmq_private_key_owner"`
	ZMQPrivateKeyMode  types.String `tfsdk:"zmq_private_key_mode"`
}

var instanceZMQ = instanceFeature{
	attributes: zmqAttributes,
	sameConfig: func(a, b instanceModel) bool { return a.ZMQEncryption.Equal(b.ZMQEncryption) },
	desired:    zmqDesired,
	plan: func(_ context.Context, _ *instanceResource, _ resource.ModifyPlanRequest, plan *instanceModel, prior *instanceModel) diag.Diagnostics {
		return zmqPlanProblems(*plan, prior)
	},
	drift: func(_, prior instanceModel) []driftReason {
		if zmqKeyDrifted(prior) {
			return []driftReason{{attr: "zmq_private_key_mode"}} // repaired after the change (zmqRepair): no restart
		}
		return nil
	},
	readBacks: func(plan *instanceModel, prior *instanceModel) {
		if prior == nil {
			plan.ZMQPublicKey, plan.ZMQPrivateKeyOwner, plan.ZMQPrivateKeyMode = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
			return
		}
		plan.ZMQPublicKey, plan.ZMQPrivateKeyOwner, plan.ZMQPrivateKeyMode = prior.ZMQPublicKey, prior.ZMQPrivateKeyOwner, prior.ZMQPrivateKeyMode
	},
	keepReadBacks: func(plan, prior instanceModel) bool { return !zmqReadBacksChange(plan, prior) },
	refresh: func(ctx context.Context, rd instanceRead, m *instanceModel) diag.Diagnostics {
		return zmqReadBack(ctx, rd.c, m, rd.h, rd.imported)
	},
	after: func(ctx context.Context, a *instanceApply) diag.Diagnostics {
		return zmqRepair(ctx, a.c, a.eff, a.h.IDs, a.desired.User)
	},
}

// zmqDesired: --zmq-encryption, and a collector endpoint beyond loopback only with it (an
// error on that element of interfaces).
func zmqDesired(_ context.Context, m instanceModel, d *ntopnghardening.Desired) diag.Diagnostics {
	var diags diag.Diagnostics
	if !m.ZMQEncryption.IsNull() && !m.ZMQEncryption.IsUnknown() {
		on := m.ZMQEncryption.ValueBool()
		d.ZMQEncryption = &on
	}
	if m.ZMQEncryption.IsUnknown() || m.Interfaces.IsUnknown() {
		return diags
	}
	for i, v := range m.Interfaces.Elements() {
		// A value the base feature refuses (CheckListValue) is reported there only.
		if s, ok := v.(types.String); ok && !s.IsUnknown() && ntopnghardening.CheckListValue("interface", s.ValueString()) == nil {
			diags.Append(problemAt(tfpath.Root("interfaces").AtListIndex(i), ntopnghardening.CheckCollectors(s.ValueString(), m.ZMQEncryption.ValueBool()))...)
		}
	}
	return diags
}

// zmqReadBacksChange: an apply can change what the key pair reads back only when it turns
// encryption on or off, repairs the private key, or, with encryption on, restarts an ntopng
// that has no key pair yet (it creates it at start-up) or changes its interfaces or data
// directory. Otherwise the
// read-backs stay as they are (a host without a collector shows no change to them).
func zmqReadBacksChange(plan, prior instanceModel) bool {
	_, encrypted := prior.EffectiveOptions.Elements()["zmq-encryption"]
	_, keyOption := prior.EffectiveOptions.Elements()["zmq-encryption-key-priv"]
	encryptedAfter := plan.ZMQEncryption.ValueBool() || plan.ZMQEncryption.IsNull() && (encrypted || keyOption)
	return !plan.ZMQEncryption.Equal(prior.ZMQEncryption) || zmqKeyDrifted(prior) ||
		encryptedAfter && (prior.ZMQPublicKey.IsNull() || !plan.Interfaces.Equal(prior.Interfaces) || !plan.DataDir.Equal(prior.DataDir))
}

func zmqAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"zmq_encryption": schema.BoolAttribute{
			MarkdownDescription: "CURVE encryption of ntopng's ZMQ flow channel (`--zmq-encryption`): `true` writes the " +
				"flag, `false` removes it, unset leaves it unmanaged (an import reads `true` when the files set it). With it ntopng's collector endpoints accept only " +
				"senders that have ntopng's public key (`zmq_public_key`, given to nProbe with `--zmq-encryption-key`); " +
				"ntopng creates its key pair in its data directory at start-up. Required (`true`) when `interfaces` has a " +
				"collector endpoint (`tcp://ADDRESS:PORTc`) on anything but 127.0.0.1, ::1 or localhost: such an endpoint " +
				"otherwise takes flows from anyone who reaches it, in clear. (`zmq-encrypt-pwd` is refused in " +
				"`extra_options`: it is an XOR with a shared password, not encryption.) A change restarts ntopng.",
			Optional: true,
		},
		"zmq_public_key": schema.StringAttribute{
			MarkdownDescription: "ntopng's CURVE public key (`zmq-key.pub` in its data directory, 40 Z85 characters), for " +
				"nProbe's `--zmq-encryption-key`. Null when ZMQ encryption is off in ntopng's files or ntopng has not " +
				"created the key pair yet, and when ntopng uses another key (a warning names the files and the fix): " +
				"`--zmq-encryption-key-priv` in its files, or a per-interface key pair that ntopng before 6.0 kept in " +
				"`<data_dir>/<interface id>/key.pub` and `key.priv` (ntopng 6 still prefers it for that interface). " +
				"Public: not sensitive.",
			Computed: true,
		},
		"zmq_private_key_owner": schema.StringAttribute{
			MarkdownDescription: "`USER:GROUP` of ntopng's CURVE private key (`zmq-key.priv` in its data directory); null " +
				"when ZMQ encryption is off or the key is absent. Anyone who holds it can pose as this ntopng to nProbe " +
				"and read the flows sent to it. ntopng creates it as root (before it drops privileges); an owner other " +
				"than root or `user` is drift, and apply gives it back to root.",
			Computed: true,
		},
		"zmq_private_key_mode": schema.StringAttribute{
			MarkdownDescription: "Mode of the CURVE private key, e.g. `0600` (`not a regular file` for a link or anything " +
				"else). Anything but `0600` is drift; apply rewrites the key with mode 0600 (atomically: a link planted in " +
				"the data directory is replaced, never followed; a link or a file that holds no key fails the apply, " +
				"naming it).",
			Computed: true,
		},
	}
}

// zmqKeyDrifted: the last read found the private key with another owner or mode.
func zmqKeyDrifted(st instanceModel) bool {
	return ntopnghardening.PrivateKeyDrifted(st.ZMQPrivateKeyOwner.ValueString(), st.ZMQPrivateKeyMode.ValueString(), st.User.ValueString())
}

// zmqReadBack fills the key pair's read-backs from the host (nulls when encryption is off), and
// zmq_encryption when it is managed, or on an import when the files set it (so that adopting an
// ntopng that already encrypts plans no change for it).
func zmqReadBack(ctx context.Context, c *transport.Conn, m *instanceModel, h *ntopnghardening.Host, imported bool) diag.Diagnostics {
	var diags diag.Diagnostics
	_, on := h.Effective.Options["zmq-encryption"]
	if !m.ZMQEncryption.IsNull() || (imported && on) {
		m.ZMQEncryption = types.BoolValue(on)
	}
	m.ZMQPublicKey, m.ZMQPrivateKeyOwner, m.ZMQPrivateKeyMode = types.StringNull(), types.StringNull(), types.StringNull()
	if !ntopnghardening.ZMQEncrypted(h.Effective) {
		return nil
	}
	if ntopnghardening.ZMQKeyOption(h.Effective) {
		diags.AddWarning("ntopng's ZMQ Private Key Is in Its Configuration", "ntopng's files set --zmq-encryption-key-priv: "+
			"ntopng uses that private key, not a key pair in its data directory, so zmq_public_key is null (no file names the "+
			"key nProbe needs) and the private key sits in a configuration file. "+zmqKeyOptionFix)
		return diags
	}
	k, err := ntopnghardening.ReadZMQKeys(ctx, c, h.Effective.DataDir)
	if err != nil {
		diags.AddError("Cannot Read ntopng's ZMQ Keys", err.Error())
		return diags
	}
	if len(k.Legacy) > 0 {
		diags.AddWarning("ntopng Keeps ZMQ Keys per Interface", fmt.Sprintf("%s hold(s) a key pair (key.pub, key.priv) of "+
			"ntopng before 6.0: ntopng 6 uses such a pair instead of zmq-key.pub for the interface with that id, so "+
			"zmq_public_key is null (it may not be the key nProbe needs). Remove key.pub and key.priv there (ntopng then uses "+
			"zmq-key.pub and zmq-key.priv, and nProbe needs zmq_public_key), or, to keep nProbe's key, move them over "+
			"zmq-key.pub and zmq-key.priv in the data directory; then restart ntopng.", strings.Join(k.Legacy, ", ")))
	} else if k.Public != "" {
		m.ZMQPublicKey = types.StringValue(k.Public)
	}
	if k.Private.Exists {
		m.ZMQPrivateKeyOwner = types.StringValue(k.PrivateKeyOwner(h.IDs))
		m.ZMQPrivateKeyMode = types.StringValue(k.PrivateKeyMode())
	}
	return diags
}

// zmqRepair, after a successful apply (ntopng restarted and created its keys as needed):
// the private key back to mode 0600 and root (or ntopng's user, when it owns it).
func zmqRepair(ctx context.Context, c *transport.Conn, eff ntopngconf.Effective, ids *hostids.IDs, user string) diag.Diagnostics {
	var diags diag.Diagnostics
	if !ntopnghardening.ZMQEncrypted(eff) {
		return nil
	}
	k, err := ntopnghardening.ReadZMQKeys(ctx, c, eff.DataDir)
	if err == nil && k.Private.Exists && ntopnghardening.PrivateKeyDrifted(k.PrivateKeyOwner(ids), k.PrivateKeyMode(), user) {
		err = ntopnghardening.FixPrivateKey(ctx, c, k, ids, user)
	}
	if err != nil {
		diags.AddWarning("Cannot Protect ntopng's ZMQ Private Key", fmt.Sprintf("ntopng.conf was applied, but the private key was left as it is (the next plan shows it as drift): %v", err))
	}
	return diags
}

// zmqKeyOptionFix is how to give ntopng its key pair back in its data directory.
const zmqKeyOptionFix = "Remove the --zmq-encryption-key-priv line (config_path or a drop-in beside it) and keep " +
	"zmq_encryption = true: ntopng then creates its key pair in data_dir at its next start, and zmq_public_key reads " +
	"the key to give nProbe."

// zmqPlanProblems: zmq_encryption = true while the files give ntopng its private key (the
// last read saw --zmq-encryption-key-priv): the key pair the attribute manages would not be
// the one ntopng uses.
func zmqPlanProblems(plan instanceModel, prior *instanceModel) diag.Diagnostics {
	var diags diag.Diagnostics
	if prior == nil || !plan.ZMQEncryption.ValueBool() {
		return nil
	}
	if _, ok := prior.EffectiveOptions.Elements()["zmq-encryption-key-priv"]; ok {
		diags.AddAttributeError(tfpath.Root("zmq_encryption"), "ZMQ Private Key in ntopng's Configuration",
			"ntopng's files set --zmq-encryption-key-priv: ntopng would use that private key, not the key pair in its data "+
				"directory that zmq_encryption manages and zmq_public_key reads, and the private key sits in a configuration "+
				"file. "+zmqKeyOptionFix)
	}
	return diags
}
