package provider

// ntopng_instance's Redis: how ntopng reaches it (`--redis`, the redis {} block), its
// password (write-only or sensitive, read back as a keyed hash), and whether ntopng really
// gets in (redis_status).

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	tfpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopnghardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
	"github.com/hardenops/terraform-provider-ntopng/internal/validators"
)

type instanceRedisAttrs struct {
	Redis                  types.Object `tfsdk:"redis"`
	RedisPasswordWO        types.String `tfsdk:"redis_password_wo"`
	RedisPasswordWOVersion types.Int64  `tfsdk:"redis_password_wo_version"`
	RedisPassword          types.String `tfsdk:"redis_password"`
	RedisPasswordSHA256    types.String `tfsdk:"redis_password_sha256"`
	RedisStatus            types.String `tfsdk:"redis_status"`
}

// instanceRedisModel is the redis {} block.
type instanceRedisModel struct {
	Socket types.String `tfsdk:"socket"`
	Host   types.String `tfsdk:"host"`
	Port   types.Int64  `tfsdk:"port"`
	DB     types.Int64  `tfsdk:"db"`
}

var redisAttrTypes = map[string]attr.Type{
	"socket": types.StringType,
	"host":   types.StringType,
	"port":   types.Int64Type,
	"db":     types.Int64Type,
}

var instanceRedisPassword = secretInput{
	writeOnly: "redis_password_wo", version: "redis_password_wo_version", sensitive: "redis_password",
	privateKey: "redis_password_sha256",
}

var instanceRedis = instanceFeature{
	attributes: redisAttributes,
	notWritten: []string{"redis_password_wo"}, // write-only: never in the plan or the state; redis_password_wo_version is
	sameConfig: func(a, b instanceModel) bool {
		return a.Redis.Equal(b.Redis) && a.RedisPassword.Equal(b.RedisPassword) && a.RedisPasswordWOVersion.Equal(b.RedisPasswordWOVersion) &&
			a.RedisPasswordSHA256.Equal(b.RedisPasswordSHA256) // the password planned (plannedPasswordHash) against the host's
	},
	configValidators: func() []resource.ConfigValidator {
		return []resource.ConfigValidator{
			validators.AtMostOneOf("give the Redis password in `redis_password_wo` (write-only, never in the state) or, "+
				"before Terraform 1.11, in `redis_password`", "redis_password_wo", "redis_password"),
		}
	},
	desired: func(ctx context.Context, m instanceModel, d *ntopnghardening.Desired) diag.Diagnostics {
		var diags diag.Diagnostics
		if m.Redis.IsNull() || m.Redis.IsUnknown() {
			return nil
		}
		var rm instanceRedisModel
		diags.Append(m.Redis.As(ctx, &rm, objectAsOptions)...)
		if !rm.Socket.IsUnknown() && !rm.Host.IsUnknown() && !rm.Port.IsUnknown() && !rm.DB.IsUnknown() {
			red := ntopngconf.Redis{Socket: rm.Socket.ValueString(), Host: rm.Host.ValueString(), Port: int(rm.Port.ValueInt64()), DB: int(rm.DB.ValueInt64())}
			pd := problemAt(tfpath.Root("redis"), ntopnghardening.CheckRedis(red))
			if diags.Append(pd...); !pd.HasError() {
				d.Redis = &red
			}
		}
		return diags
	},
	validate: redisValidate,
	plan: func(ctx context.Context, r *instanceResource, req resource.ModifyPlanRequest, plan *instanceModel, prior *instanceModel) diag.Diagnostics {
		diags := redisWarning(*plan, prior)
		h, d := r.plannedPasswordHash(ctx, req, *plan, prior)
		plan.RedisPasswordSHA256 = h
		return append(diags, d...)
	},
	drift: func(_, prior instanceModel) []driftReason {
		// The last read found that ntopng cannot reach the Redis its files name.
		if ntopnghardening.RedisDrifted(prior.RedisStatus.ValueString()) {
			return []driftReason{{attr: "redis_status", restart: true}}
		}
		return nil
	},
	readBacks: func(plan *instanceModel, prior *instanceModel) {
		plan.RedisStatus = types.StringUnknown()
		if prior != nil {
			plan.RedisStatus = prior.RedisStatus
		}
	},
	refresh: redisRefresh,
	check: func(ctx context.Context, a *instanceApply) diag.Diagnostics {
		var diags diag.Diagnostics
		a.password, a.hash, diags = applyPassword(ctx, a.cfg, a.c, a.h, a.writeConfigPassword)
		return diags
	},
	change: func(ctx context.Context, a *instanceApply) diag.Diagnostics {
		// Where ntop's unit appends ntopng.conf.d (systemd), --redis leaves the file the updater
		// reads for a drop-in of its own; then the configuration's files are written.
		var diags diag.Diagnostics
		own := ""
		if a.systemd {
			own = ntopnghardening.RedisDropIn(a.plan.ConfigPath.ValueString())
		}
		if err := ntopnghardening.PrepareRedisDropIn(ctx, a.c, own); err != nil {
			diags.AddError("Cannot Prepare ntopng.conf.d", err.Error())
			return diags
		}
		a.edited = editFiles(ctx, a, own)
		return diags
	},
}

// redisValidate: a password ntopng can use, a --redis line it can hold, and a warning for
// Redis over TCP without a password.
func redisValidate(ctx context.Context, cfg tfsdk.Config, _ instanceModel, d ntopnghardening.Desired) diag.Diagnostics {
	pw, set, known, diags := instanceRedisPassword.value(ctx, cfg)
	if set && known {
		if err := ntopngconf.ValidateRedisPassword(pw); err != nil {
			diags.AddAttributeError(redisPasswordPath(ctx, cfg), "Redis Password Not Usable by ntopng", err.Error())
		} else if d.Redis != nil {
			red := *d.Redis
			red.Password = pw
			if _, err := ntopngconf.RenderRedis(red); err != nil {
				diags.AddAttributeError(tfpath.Root("redis"), "Redis Setting Too Long for ntopng", err.Error())
			}
		}
	}
	if d.Redis != nil && d.Redis.Socket == "" && !set {
		diags.AddAttributeWarning(tfpath.Root("redis"), "Redis over TCP Without a Password",
			"ntopng reaches Redis over TCP and no redis_password_wo or redis_password is set: anyone on the host can read "+
				"and change ntopng's data. Protect Redis with ntopng_redis and pass the same password here, or use the Unix socket.")
	}
	return diags
}

// redisPasswordPath is the password attribute the configuration uses.
func redisPasswordPath(ctx context.Context, cfg tfsdk.Config) tfpath.Path {
	if instanceRedisPassword.usesWriteOnly(ctx, cfg) {
		return tfpath.Root("redis_password_wo")
	}
	return tfpath.Root("redis_password")
}

// redisRefresh: the redis block as the files set it (adopted on an import), the password's
// keyed hash, and whether ntopng gets in.
func redisRefresh(ctx context.Context, rd instanceRead, m *instanceModel) diag.Diagnostics {
	var diags diag.Diagnostics
	eff := rd.h.Effective
	if !m.Redis.IsNull() || (rd.imported && eff.Options["redis"] != "") {
		m.Redis = redisObject(eff, m.Redis)
	}
	m.RedisPasswordSHA256 = types.StringNull()
	if eff.RedisPassword != nil && *eff.RedisPassword != "" {
		hash, err := keyedHash(ctx, rd.c, *eff.RedisPassword)
		if err != nil {
			diags.AddError("Cannot Read ntopng Configuration", err.Error())
			return diags
		}
		m.RedisPasswordSHA256 = types.StringValue(hash)
	}
	m.RedisStatus = types.StringNull()
	if st := ntopnghardening.RedisStatus(rd.h.Redis); st != "" {
		m.RedisStatus = types.StringValue(st)
	}
	return diags
}

// redisObject is the redis attribute as the host's files set it. The default port stays
// null, unless prior (the configuration's or the state's) wrote it out: both spellings mean
// the same, and the read-back must keep the operator's.
func redisObject(eff ntopngconf.Effective, prior types.Object) types.Object {
	v := map[string]attr.Value{
		"socket": types.StringNull(), "host": types.StringNull(), "port": types.Int64Null(),
		"db": types.Int64Value(int64(eff.RedisDB)),
	}
	if strings.HasPrefix(eff.RedisHost, "/") {
		v["socket"] = types.StringValue(eff.RedisHost)
	} else {
		v["host"] = types.StringValue(eff.RedisHost)
		priorPort, _ := prior.Attributes()["port"].(types.Int64)
		if eff.RedisPort != ntopngconf.DefaultRedisPort || (!priorPort.IsNull() && !priorPort.IsUnknown()) {
			v["port"] = types.Int64Value(int64(eff.RedisPort))
		}
	}
	return types.ObjectValueMust(redisAttrTypes, v)
}

// applyPassword is the Redis password apply writes (the configuration's, or the one already
// on the host) and its hash, made before any write: a host where it cannot be made is left as
// it was.
func applyPassword(ctx context.Context, cfg tfsdk.Config, c *transport.Conn, h *ntopnghardening.Host, writeConfigPassword bool) (password, hash string, diags diag.Diagnostics) {
	if writeConfigPassword {
		v, set, _, d := instanceRedisPassword.value(ctx, cfg)
		diags.Append(d...)
		if set {
			password = v
		}
	} else if h.Effective.RedisPassword != nil {
		password = *h.Effective.RedisPassword
	}
	if password != "" {
		var err error
		if hash, err = keyedHash(ctx, c, password); err != nil {
			diags.AddError("Cannot Hash the Redis Password", err.Error()+". Nothing was changed.")
		}
	}
	return password, hash, diags
}

// rotatePassword: write the configuration's password (instead of keeping the host's) when
// the version changed, when the host drifted from what was applied, or when there is none.
func (r *instanceResource) rotatePassword(ctx context.Context, plan, prior instanceModel, p privateGetter) bool {
	if !plan.RedisPassword.IsNull() {
		return true
	}
	if !plan.RedisPasswordWOVersion.Equal(prior.RedisPasswordWOVersion) || prior.RedisPasswordSHA256.IsNull() {
		return true
	}
	applied := instanceRedisPassword.applied(ctx, p)
	return applied != "" && applied != prior.RedisPasswordSHA256.ValueString()
}

// plannedPasswordHash is redis_password_sha256 in the plan: the given password's hash (on the
// host), or the state's when no password is given (apply leaves the host's as it is).
func (r *instanceResource) plannedPasswordHash(ctx context.Context, req resource.ModifyPlanRequest, plan instanceModel, prior *instanceModel) (types.String, diag.Diagnostics) {
	h, diags := instanceRedisPassword.plannedHash(ctx, req, plan.RedisPasswordWOVersion, hostHasher(ctx, r.data, plan.Host, plan.SSHPort))
	if _, set, _, _ := instanceRedisPassword.value(ctx, req.Config); !set {
		// No password given: the attribute still reads back the one in the host's files
		// (an unmanaged --redis line, a drop-in), which apply leaves as it is.
		h = types.StringUnknown()
		if prior != nil {
			h = prior.RedisPasswordSHA256
		}
	}
	return h, diags
}

// redisWarning says at plan time that ntopng cannot reach its Redis, and what apply does.
func redisWarning(plan instanceModel, prior *instanceModel) diag.Diagnostics {
	var diags diag.Diagnostics
	if prior != nil && ntopnghardening.RedisDrifted(prior.RedisStatus.ValueString()) {
		diags.AddAttributeWarning(tfpath.Root("redis_status"), "ntopng Cannot Reach Its Redis",
			fmt.Sprintf("On %s, the Redis that %s names does not let ntopng in: %s. A running ntopng keeps its old connection "+
				"until its next restart, then fails. Apply restarts ntopng with the configured password and socket and checks "+
				"again; if the Redis side changed (ntopng_redis, or by hand), make both use the same password.",
				plan.Host.ValueString(), plan.ConfigPath.ValueString(), prior.RedisStatus.ValueString()))
	}
	return diags
}

// redisAttributes are the Redis feature's schema attributes.
func redisAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"redis": schema.SingleNestedAttribute{
			MarkdownDescription: "How ntopng reaches Redis (`--redis`): `socket` (a Unix socket path, preferred) or `host` and " +
				"`port`; `db` defaults to 0. Unset: the `--redis` line is not managed. The rendered value (with the password) " +
				"must fit ntopng's 127 characters. A change rewrites the file and restarts ntopng.",
			Optional: true,
			Attributes: map[string]schema.Attribute{
				"socket": schema.StringAttribute{Optional: true, MarkdownDescription: "Absolute path of the Redis Unix socket, e.g. `ntopng_redis.cache.unixsocket`."},
				"host":   schema.StringAttribute{Optional: true, MarkdownDescription: "IPv4 address or name of Redis (IPv6 is not supported by ntopng)."},
				"port":   schema.Int64Attribute{Optional: true, MarkdownDescription: "TCP port of Redis; default 6379. Not with `socket`."},
				"db": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(0),
					MarkdownDescription: "Redis database number, 0 to 255. Default `0`."},
			},
		},
		"redis_password_wo": schema.StringAttribute{
			MarkdownDescription: "Redis password, write-only (Terraform >= 1.11): never stored in the state or plan. Written " +
				"when the resource is created, when `redis_password_wo_version` changes, or to repair drift. 32 to 64 " +
				"characters without white space, quotes, `\\` or backtick (what `--redis` can carry).",
			Optional: true, Sensitive: true, WriteOnly: true,
		},
		"redis_password_wo_version": schema.Int64Attribute{
			MarkdownDescription: "Bump to write a new `redis_password_wo`. Default `1`.",
			Optional:            true, Computed: true,
			Default: int64default.StaticInt64(1),
		},
		"redis_password": schema.StringAttribute{
			MarkdownDescription: "Redis password as a sensitive attribute, for Terraform < 1.11. **Kept in the state** (encrypt " +
				"your state); prefer `redis_password_wo`. At most one of the two.",
			Optional: true, Sensitive: true,
		},
		"redis_password_sha256": schema.StringAttribute{
			MarkdownDescription: "Keyed hash of the Redis password in the file on the host (null when none): drift on the " +
				"password shows without storing it. " + keyedHashDescription + " Sensitive.",
			Computed:  true,
			Sensitive: true,
		},
		"redis_status": schema.StringAttribute{
			MarkdownDescription: "Whether ntopng can reach the Redis its configuration names, asked on every read beside " +
				"`observed_listeners`: the host connects to it, as the SSH login (ntopng connects before it drops privileges), " +
				"through an SSH tunnel to the socket or port, and sends what ntopng sends (`AUTH` with the file's password, " +
				"`SELECT` its database, `PING`), the password inside the tunnel only. When the tunnel cannot be opened (sshd " +
				"forwards nothing, the socket is not the login's to open, nothing is there) `redis-cli` on the host asks the " +
				"same in the same command as `observed_listeners`, the password on its standard input only. `ok`, or Redis's " +
				"own answer and the target, e.g. `WRONGPASS invalid " +
				"username-password pair ... (unix:/run/redis/redis-server.sock)`: anything but `ok` is drift (the password or " +
				"socket changed on one side only, Redis moved), which apply repairs by restarting ntopng and checking again " +
				"(`verify_listeners` = true: an ntopng that still cannot reach Redis fails the apply and the previous file is " +
				"put back). `not checked: ...` when neither the tunnel nor `redis-cli` could ask (not drift). Null when the files set no " +
				"`--redis` (ntopng's default, 127.0.0.1:6379 without a password, is not asked).",
			Computed: true,
		},
	}
}
