package redishardening

import (
	"slices"
	"strings"
	"testing"
)

func TestEditRemovesDroppedRenames(t *testing.T) {
	orig := "rename-command FLUSHALL \"\"\nrename-command CONFIG \"\"\nrename-command KEYS \"\"\n"
	d := hardened(map[string]string{"FLUSHALL": "gone"})
	d.PriorRenames = []string{"FLUSHALL", "config"}
	got := string(d.Edit([]byte(orig), "pw"))
	// FLUSHALL rewritten in place, CONFIG (managed before, dropped now) removed, KEYS (never
	// managed) kept.
	if !strings.HasPrefix(got, "rename-command FLUSHALL gone\nrename-command KEYS \"\"\n") {
		t.Errorf("edited file:\n%s", got)
	}
}

func TestEditSetsEveryManagedDirective(t *testing.T) {
	cases := []struct {
		name string
		d    Desired
		want map[string][]string // directive -> arguments of its last line; nil: absent
	}{
		{
			name: "hardened defaults",
			d:    hardened(nil),
			want: map[string][]string{"port": {"0"}, "bind": {"127.0.0.1", "-::1"}, "protected-mode": {"yes"},
				"unixsocket": {DefaultSocket}, "unixsocketperm": {"770"}, "requirepass": {"secret"}},
		},
		{
			name: "no socket, TCP port, protected mode off",
			d:    Desired{Port: 6380, Bind: []string{"127.0.0.1"}, Unixsocketperm: "700", ProtectedMode: false},
			want: map[string][]string{"port": {"6380"}, "bind": {"127.0.0.1"}, "protected-mode": {"no"},
				"unixsocket": nil, "unixsocketperm": {"700"}, "requirepass": {"secret"}},
		},
	}
	orig := "port 6379\nbind * -::*\nunixsocket /tmp/redis.sock\nprotected-mode no\n# keep me\n"
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := c.d.Edit([]byte(orig), "secret")
			if !strings.Contains(string(out), "# keep me\n") {
				t.Errorf("an unmanaged line was lost:\n%s", out)
			}
			cfg := load(t, string(out))
			for name, want := range c.want {
				d, ok := cfg.Last(name)
				switch {
				case want == nil && ok:
					t.Errorf("%s still set: %q", name, d.Args)
				case want != nil && !slices.Equal(d.Args, want):
					t.Errorf("%s = %q, want %q", name, d.Args, want)
				}
			}
		})
	}
}

func TestTargets(t *testing.T) {
	cases := []struct {
		d             Desired
		network, addr string
	}{
		{d: hardened(nil), network: "unix", addr: DefaultSocket},
		{d: Desired{Port: 6380}, network: "tcp", addr: "127.0.0.1:6380"},
	}
	for _, c := range cases {
		tg := c.d.Target("pw")
		if tg.Network != c.network || tg.Addr != c.addr || tg.Password != "pw" || tg.Port != c.d.Port {
			t.Errorf("%+v: target %+v, want %s %s", c.d, tg, c.network, c.addr)
		}
	}
	// A port line that is not a number: probed (and refused) as port 0.
	e := EffectiveOf(load(t, "port x\n"))
	if tg := e.Target(); tg.Network != "tcp" || tg.Addr != "127.0.0.1:0" || tg.Port != 0 {
		t.Errorf("target of an unreadable port: %+v", tg)
	}
}

func ptr[T any](v T) *T { return &v }

func TestValidate(t *testing.T) {
	long := "/" + strings.Repeat("s", MaxUnixSocketPath)
	cases := []struct {
		name string
		in   Input
		want []string // "field[index/key]: summary"
	}{
		{name: "nothing known", in: Input{}},
		{name: "all good", in: Input{ConfigPath: ptr("/etc/redis/redis.conf"), Unixsocket: ptr(DefaultSocket), Port: ptr(int64(0)),
			Bind: []*string{ptr("127.0.0.1"), nil, ptr("-::1")}, Renames: map[string]*string{"FLUSHALL": ptr(""), "CONFIG": nil}}},
		{name: "relative config_path", in: Input{ConfigPath: ptr("redis.conf")}, want: []string{"config_path: Invalid config_path"}},
		{name: "unclean config_path", in: Input{ConfigPath: ptr("/etc/redis/../redis.conf")}, want: []string{"config_path: Invalid config_path"}},
		{name: "relative socket", in: Input{Unixsocket: ptr("run/redis.sock")}, want: []string{"unixsocket: Invalid unixsocket"}},
		{name: "socket too long", in: Input{Unixsocket: ptr(long)}, want: []string{"unixsocket: unixsocket Too Long"}},
		{name: "socket with a NUL", in: Input{Unixsocket: ptr("/run/re\x00dis.sock")}, want: []string{"unixsocket: Invalid unixsocket"}},
		{name: "no socket and port 0", in: Input{Unixsocket: ptr(""), Port: ptr(int64(0))}, want: []string{"unixsocket: Redis Would Be Unreachable"}},
		{name: "no socket, port unknown", in: Input{Unixsocket: ptr("")}},
		{name: "no socket, a port", in: Input{Unixsocket: ptr(""), Port: ptr(int64(6379))}},
		{name: "host name in bind", in: Input{Bind: []*string{ptr("127.0.0.1"), ptr("localhost")}}, want: []string{"bind[1]: Invalid bind Address"}},
		{name: "command renamed twice", in: Input{Renames: map[string]*string{"FLUSHALL": ptr(""), "flushall": ptr("x")}},
			want: []string{"rename_commands[flushall]: Command Renamed Twice"}},
		{name: "new name with a NUL", in: Input{Renames: map[string]*string{"DEBUG": ptr("a\x00b")}},
			want: []string{"rename_commands[DEBUG]: Invalid New Command Name"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, p := range Validate(c.in) {
				s := string(p.Field)
				switch p.Field {
				case FieldBind:
					s += "[" + string(rune('0'+p.Index)) + "]"
				case FieldRenameCommands:
					s += "[" + p.Key + "]"
				}
				if p.Detail == "" {
					t.Errorf("%s: no detail", s)
				}
				got = append(got, s+": "+p.Summary)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("problems %q, want %q", got, c.want)
			}
		})
	}
}

func TestValidateBindAddress(t *testing.T) {
	for _, ok := range []string{"127.0.0.1", "-::1", "*", "-::*", "::", "10.1.2.3"} {
		if err := ValidateBindAddress(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"localhost", "", "-", "127.0.0.1:6379", "10.0.0.0/8"} {
		if err := ValidateBindAddress(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
