package provider

// The translation of ntopng_redis's model to and from internal/redishardening's plain structs.

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	tfpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/redisconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/redishardening"
)

// enable returns the model's enable-* attributes by directive name.
func (m *redisModel) enable() map[string]*types.String {
	return map[string]*types.String{
		redishardening.EnableDebugCommand:     &m.EnableDebug,
		redishardening.EnableModuleCommand:    &m.EnableModule,
		redishardening.EnableProtectedConfigs: &m.EnableProtected,
	}
}

// quotedList renders `"a"`, `"b"` for descriptions.
func quotedList(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = "`\"" + v + "\"`"
	}
	return strings.Join(q, ", ")
}

// knownForHost reports whether every value the host checks need is known.
func (m redisModel) knownForHost() bool {
	return !m.Host.IsUnknown() && !m.SSHPort.IsUnknown() && !m.ConfigPath.IsUnknown() && !m.Port.IsUnknown() &&
		!m.Bind.IsUnknown() && !m.Unixsocket.IsUnknown() && !m.Unixsocketperm.IsUnknown() &&
		!m.ProtectedMode.IsUnknown() && !m.RenameCommands.IsUnknown() && !m.EnableDebug.IsUnknown() &&
		!m.EnableModule.IsUnknown() && !m.EnableProtected.IsUnknown()
}

// renameKeys are the rename_commands names, sorted.
func (m redisModel) renameKeys() []string {
	if m.RenameCommands.IsNull() || m.RenameCommands.IsUnknown() {
		return nil
	}
	return sortedKeys(m.RenameCommands.Elements())
}

// validatePassword checks that exactly one password attribute is set and that a known
// value satisfies redisconf.ValidatePassword. The value never reaches a message.
func validatePassword(m redisModel) diag.Diagnostics {
	var diags diag.Diagnostics
	wo, sens := m.RequirepassWO, m.Requirepass
	switch {
	case !wo.IsNull() && !sens.IsNull():
		diags.AddAttributeError(tfpath.Root("requirepass"), "Two Redis Passwords Set",
			"Set either requirepass_wo (write-only, Terraform 1.11 or later) or requirepass (sensitive, kept in the state), not both.")
		return diags
	case wo.IsNull() && sens.IsNull():
		diags.AddAttributeError(tfpath.Root("requirepass_wo"), "Redis Password Missing",
			"ntopng_redis sets a Redis password: set requirepass_wo (write-only, e.g. from ephemeral.random_password) "+
				"with requirepass_wo_version, or requirepass on Terraform before 1.11.")
		return diags
	}
	if !sens.IsNull() && !m.RequirepassWOVersion.IsNull() {
		diags.AddAttributeError(tfpath.Root("requirepass_wo_version"), "requirepass_wo_version Without requirepass_wo",
			"requirepass_wo_version only triggers writing requirepass_wo; with requirepass a change of the value is seen "+
				"directly. Remove requirepass_wo_version.")
	}
	attr, v := tfpath.Root("requirepass_wo"), wo
	if wo.IsNull() {
		attr, v = tfpath.Root("requirepass"), sens
	}
	if v.IsUnknown() {
		return diags
	}
	if err := redisconf.ValidatePassword(v.ValueString()); err != nil {
		diags.AddAttributeError(attr, "Unusable Redis Password", err.Error())
	}
	return diags
}

// desiredRedis is what plan says the file must contain; prior's rename_commands names that
// the plan no longer has are removed from the file.
func desiredRedis(ctx context.Context, plan redisModel, prior *redisModel, server redishardening.Server) redishardening.Desired {
	d := redishardening.Desired{Port: plan.Port.ValueInt64(), Unixsocket: plan.Unixsocket.ValueString(),
		Unixsocketperm: plan.Unixsocketperm.ValueString(), ProtectedMode: plan.ProtectedMode.ValueBool(),
		Caps: redishardening.CapsOf(server), Enable: map[string]string{}}
	for name, v := range plan.enable() {
		d.Enable[name] = v.ValueString()
	}
	plan.Bind.ElementsAs(ctx, &d.Bind, false)
	d.Renames = map[string]string{}
	plan.RenameCommands.ElementsAs(ctx, &d.Renames, false)
	if prior != nil {
		d.PriorRenames = prior.renameKeys()
	}
	return d
}

// validationInput is the part of the configuration redishardening.Validate checks; a value
// that is null or not known yet is left out.
func (m redisModel) validationInput() redishardening.Input {
	var in redishardening.Input
	if !m.ConfigPath.IsNull() && !m.ConfigPath.IsUnknown() {
		in.ConfigPath = m.ConfigPath.ValueStringPointer()
	}
	if !m.Unixsocket.IsNull() && !m.Unixsocket.IsUnknown() {
		in.Unixsocket = m.Unixsocket.ValueStringPointer()
	}
	if !m.Port.IsNull() && !m.Port.IsUnknown() {
		in.Port = m.Port.ValueInt64Pointer()
	}
	if !m.Bind.IsNull() && !m.Bind.IsUnknown() {
		for _, v := range m.Bind.Elements() {
			s, ok := v.(types.String)
			if !ok || s.IsUnknown() {
				in.Bind = append(in.Bind, nil)
				continue
			}
			a := s.ValueString()
			in.Bind = append(in.Bind, &a)
		}
	}
	in.Enable = map[string]*string{}
	for name, v := range m.enable() {
		if !v.IsNull() && !v.IsUnknown() {
			in.Enable[name] = v.ValueStringPointer()
		}
	}
	if !m.RenameCommands.IsNull() && !m.RenameCommands.IsUnknown() {
		in.Renames = map[string]*string{}
		for k, v := range m.RenameCommands.Elements() {
			in.Renames[k] = nil
			if s, ok := v.(types.String); ok && !s.IsUnknown() && !s.IsNull() {
				in.Renames[k] = s.ValueStringPointer()
			}
		}
	}
	return in
}

// fillFromHost sets the managed attributes to what Redis uses on the host. rename_commands
// keeps the names already managed; a null map (import) adopts every rename-command line.
// hash makes requirepass_sha256 from the password (keyedHash).
func (m *redisModel) fillFromHost(e redishardening.Effective, cfg *redisconf.Config, hash func(string) (string, error)) error {
	m.Port = types.Int64PointerValue(e.Port)
	m.Bind = stringList(e.Bind)
	m.Unixsocket = types.StringValue(e.Unixsocket)
	if !redishardening.SamePerm(m.Unixsocketperm.ValueString(), e.SocketPerm) || m.Unixsocketperm.IsNull() {
		m.Unixsocketperm = types.StringValue(e.SocketPerm)
	}
	m.ProtectedMode = types.BoolPointerValue(e.ProtectedMode)
	m.RequirepassSHA256 = types.StringNull()
	if pw := redishardening.PasswordInEffect(cfg); pw != "" { // with a conflict Redis ignores requirepass
		h, err := hash(pw)
		if err != nil {
			return err
		}
		m.RequirepassSHA256 = types.StringValue(h)
	}
	renames := redishardening.AllRenames(cfg)
	if !m.RenameCommands.IsNull() {
		renames = redishardening.ManagedRenames(cfg, m.renameKeys())
	}
	elems := make(map[string]attr.Value, len(renames))
	for k, v := range renames {
		elems[k] = types.StringValue(v)
	}
	m.RenameCommands = types.MapValueMust(types.StringType, elems)
	m.ConfigFiles = stringList(cfg.Files)
	for name, v := range m.enable() {
		*v = types.StringValue(e.Enable[name])
	}
	return nil
}

// planLive plans the live read-backs: what a verified apply leaves.
func (m *redisModel) planLive() {
	switch {
	case m.VerifyLive.IsUnknown():
		m.LiveAuthRequired, m.LiveTCPListening = types.BoolUnknown(), types.BoolUnknown()
	case m.VerifyLive.ValueBool():
		m.LiveAuthRequired = types.BoolValue(true)
		m.LiveTCPListening = types.BoolUnknown()
		if !m.Port.IsUnknown() {
			m.LiveTCPListening = types.BoolValue(m.Port.ValueInt64() != 0)
		}
	default:
		m.LiveAuthRequired, m.LiveTCPListening = types.BoolNull(), types.BoolNull()
	}
}
