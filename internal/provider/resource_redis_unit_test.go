package provider

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/redisconf"
)

// redisMapFS is redisconf.FS over a map, for tests without a host.
type redisMapFS map[string]string

func (m redisMapFS) ReadFile(p string) ([]byte, error) {
	if d, ok := m[p]; ok {
		return []byte(d), nil
	}
	return nil, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
}

func (m redisMapFS) Glob(pattern string) ([]string, error) {
	var out []string
	for p := range m {
		if ok, _ := path.Match(pattern, p); ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

func testRedisPlan(renames map[string]string) redisResourceModel {
	r := map[string]attr.Value{}
	for k, v := range renames {
		r[k] = types.StringValue(v)
	}
	return redisResourceModel{
		Port:           types.Int64Value(0),
		Bind:           stringList([]string{"127.0.0.1", "-::1"}),
		Unixsocket:     types.StringValue("/run/redis/redis-server.sock"),
		Unixsocketperm: types.StringValue("770"),
		ProtectedMode:  types.BoolValue(true),
		RenameCommands: types.MapValueMust(types.StringType, r),
	}
}

func TestRedisOverridesFollowIncludes(t *testing.T) {
	const main = "/etc/redis/redis.conf"
	cases := []struct {
		name, main, inc string
		want            []string // "file:line:name" of each override
	}{
		{
			name: "managed line before the include: the include wins",
			main: "bind 10.0.0.1\ninclude /etc/redis/local.conf\n",
			inc:  "bind 0.0.0.0\n",
			want: []string{"/etc/redis/local.conf:1:bind"},
		},
		{
			name: "no managed line: the appended block comes after the include and wins",
			main: "include /etc/redis/local.conf\n",
			inc:  "bind 0.0.0.0\nrequirepass old\n",
		},
		{
			name: "an included rename-command of a managed command",
			main: "include /etc/redis/local.conf\nrename-command CONFIG \"\"\n",
			inc:  "rename-command flushall x\nrename-command KEYS \"\"\n",
			want: []string{"/etc/redis/local.conf:1:rename-command"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plan := testRedisPlan(map[string]string{"FLUSHALL": ""})
			edited := redisconf.Edit([]byte(c.main), redisSettings(context.Background(), plan, nil, "x"))
			cfg, err := redisconf.Load(redisMapFS{main: string(edited), "/etc/redis/local.conf": c.inc}, main)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range managedOverrides(cfg, main, plan.renameKeys()) {
				got = append(got, fmt.Sprintf("%s:%d:%s", d.File, d.Line, d.Name))
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("overrides = %q, want %q\nedited file:\n%s", got, c.want, edited)
			}
		})
	}
}

func TestRedisSettingsRemoveDroppedRenames(t *testing.T) {
	orig := "rename-command FLUSHALL \"\"\nrename-command CONFIG \"\"\nrename-command KEYS \"\"\n"
	prior := testRedisPlan(map[string]string{"FLUSHALL": "", "config": ""})
	plan := testRedisPlan(map[string]string{"FLUSHALL": "gone"})
	got := string(redisconf.Edit([]byte(orig), redisSettings(context.Background(), plan, &prior, "pw")))
	// FLUSHALL rewritten in place, CONFIG (managed before, dropped now) removed, KEYS (never
	// managed) kept.
	if !strings.HasPrefix(got, "rename-command FLUSHALL gone\nrename-command KEYS \"\"\n") {
		t.Errorf("edited file:\n%s", got)
	}
}

// plainHash stands in for keyedHash, which needs a host.
func plainHash(s string) (string, error) { return redisconf.PasswordSHA256(s), nil }

func TestRedisEffectiveDefaultsAndReadBack(t *testing.T) {
	cfg, err := redisconf.Load(redisMapFS{"/r.conf": "# nothing set\n"}, "/r.conf")
	if err != nil {
		t.Fatal(err)
	}
	e := effectiveRedis(cfg)
	if e.port.ValueInt64() != 6379 || strings.Join(e.bind, " ") != "* -::*" || e.socketPerm != "0" ||
		!e.protectedMode.ValueBool() || e.unixsocket != "" || e.password != "" {
		t.Errorf("Redis defaults: %+v", e)
	}

	conf := "port 0\nbind 127.0.0.1\nunixsocketperm 0770\nprotected-mode NO\nrequirepass \"a#b\"\n" +
		"rename-command FLUSHALL \"\"\nrename-command DEBUG x\nrename-command keys \"\"\n"
	cfg, err = redisconf.Load(redisMapFS{"/r.conf": conf}, "/r.conf")
	if err != nil {
		t.Fatal(err)
	}
	e = effectiveRedis(cfg)
	// After an import (rename_commands null) every rename-command line is adopted.
	imported := redisResourceModel{RenameCommands: types.MapNull(types.StringType), Unixsocketperm: types.StringNull()}
	if err := imported.fillFromHost(e, cfg, plainHash); err != nil {
		t.Fatal(err)
	}
	if got := len(imported.RenameCommands.Elements()); got != 3 {
		t.Errorf("import adopted %d rename-command lines, want 3", got)
	}
	if imported.ProtectedMode.ValueBool() || imported.Port.ValueInt64() != 0 ||
		imported.RequirepassSHA256.ValueString() != redisconf.PasswordSHA256("a#b") || imported.Unixsocketperm.ValueString() != "0770" {
		t.Errorf("read back: %+v", imported)
	}
	// Later reads keep to the managed names, and "770" stays as written in the configuration.
	managed := testRedisPlan(map[string]string{"FLUSHALL": "", "CONFIG": ""})
	if err := managed.fillFromHost(e, cfg, plainHash); err != nil {
		t.Fatal(err)
	}
	if got := managed.RenameCommands.Elements(); len(got) != 1 || got["FLUSHALL"] == nil {
		t.Errorf("managed rename_commands read back as %v, want only FLUSHALL (CONFIG is not renamed on the host)", got)
	}
	if managed.Unixsocketperm.ValueString() != "770" {
		t.Errorf("unixsocketperm 0770 on the host should read back as the configured \"770\", got %q", managed.Unixsocketperm.ValueString())
	}

	// With aclfile, requirepass is ignored: no effective password hash.
	cfg, err = redisconf.Load(redisMapFS{"/r.conf": "requirepass " + strings.Repeat("x", 32) + "\naclfile /etc/redis/users.acl\n"}, "/r.conf")
	if err != nil {
		t.Fatal(err)
	}
	m := testRedisPlan(nil)
	if err := m.fillFromHost(effectiveRedis(cfg), cfg, plainHash); err != nil {
		t.Fatal(err)
	}
	if !m.RequirepassSHA256.IsNull() {
		t.Errorf("requirepass_sha256 with aclfile = %v, want null (Redis ignores requirepass)", m.RequirepassSHA256)
	}
}

func TestRedisValidateBindAddress(t *testing.T) {
	for _, ok := range []string{"127.0.0.1", "-::1", "*", "-::*", "::", "10.1.2.3"} {
		if err := validateBindAddress(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"localhost", "", "-", "127.0.0.1:6379", "10.0.0.0/8"} {
		if err := validateBindAddress(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
