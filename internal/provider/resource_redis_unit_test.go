package provider

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/redisconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/redishardening"
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

func testRedisPlan(renames map[string]string) redisModel {
	r := map[string]attr.Value{}
	for k, v := range renames {
		r[k] = types.StringValue(v)
	}
	return redisModel{
		Port:           types.Int64Value(0),
		Bind:           stringList([]string{"127.0.0.1", "-::1"}),
		Unixsocket:     types.StringValue("/run/redis/redis-server.sock"),
		Unixsocketperm: types.StringValue("770"),
		ProtectedMode:  types.BoolValue(true),
		RenameCommands: types.MapValueMust(types.StringType, r),
	}
}

// plainHash stands in for keyedHash, which needs a host.
func plainHash(s string) (string, error) { return redisconf.PasswordSHA256(s), nil }

func TestRedisEffectiveDefaultsAndReadBack(t *testing.T) {
	cfg, err := redisconf.Load(redisMapFS{"/r.conf": "# nothing set\n"}, "/r.conf")
	if err != nil {
		t.Fatal(err)
	}
	// Redis's own defaults are read back when the file sets nothing.
	defaults := testRedisPlan(nil)
	if err := defaults.fillFromHost(redishardening.EffectiveOf(cfg), cfg, plainHash); err != nil {
		t.Fatal(err)
	}
	if defaults.Port.ValueInt64() != 6379 || defaults.Bind.String() != `["*","-::*"]` || defaults.Unixsocketperm.ValueString() != "0" ||
		!defaults.ProtectedMode.ValueBool() || defaults.Unixsocket.ValueString() != "" || !defaults.RequirepassSHA256.IsNull() {
		t.Errorf("Redis defaults read back as %+v", defaults)
	}

	conf := "port 0\nbind 127.0.0.1\nunixsocketperm 0770\nprotected-mode NO\nrequirepass \"a#b\"\n" +
		"rename-command FLUSHALL \"\"\nrename-command DEBUG x\nrename-command keys \"\"\n"
	cfg, err = redisconf.Load(redisMapFS{"/r.conf": conf}, "/r.conf")
	if err != nil {
		t.Fatal(err)
	}
	e := redishardening.EffectiveOf(cfg)
	// After an import (rename_commands null) every rename-command line is adopted.
	imported := redisModel{RenameCommands: types.MapNull(types.StringType), Unixsocketperm: types.StringNull()}
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
	if err := m.fillFromHost(redishardening.EffectiveOf(cfg), cfg, plainHash); err != nil {
		t.Fatal(err)
	}
	if !m.RequirepassSHA256.IsNull() {
		t.Errorf("requirepass_sha256 with aclfile = %v, want null (Redis ignores requirepass)", m.RequirepassSHA256)
	}
}
