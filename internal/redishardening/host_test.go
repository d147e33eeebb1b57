package redishardening

import (
	"maps"
	"strconv"
	"strings"
	"testing"
)

func TestEffectiveOf(t *testing.T) {
	cases := []struct {
		name, conf string
		port       string // "nil" or the number
		bind       string
		socket     string
		perm       string
		protected  string // "nil", "true" or "false"
		password   string
	}{
		{name: "Redis defaults", conf: "# nothing set\n", port: "6379", bind: "* -::*", perm: "0", protected: "true"},
		{name: "everything set", conf: "port 0\nbind 127.0.0.1\nunixsocket /run/r.sock\nunixsocketperm 0770\nprotected-mode NO\nrequirepass \"a#b\"\n",
			port: "0", bind: "127.0.0.1", socket: "/run/r.sock", perm: "0770", protected: "false", password: "a#b"},
		{name: "last line wins", conf: "port 1\nport 2\nprotected-mode no\nprotected-mode yes\nrequirepass a\nrequirepass b\n",
			port: "2", bind: "* -::*", perm: "0", protected: "true", password: "b"},
		{name: "unreadable values", conf: "port six\nprotected-mode maybe\n", port: "nil", bind: "* -::*", perm: "0", protected: "nil"},
		{name: "port with two arguments", conf: "port 1 2\n", port: "nil", bind: "* -::*", perm: "0", protected: "true"},
	}
	show := func(p any) string {
		switch v := p.(type) {
		case *int64:
			if v != nil {
				return strconv.FormatInt(*v, 10)
			}
		case *bool:
			if v != nil {
				return strconv.FormatBool(*v)
			}
		}
		return "nil"
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := EffectiveOf(load(t, c.conf))
			if show(e.Port) != c.port || strings.Join(e.Bind, " ") != c.bind || e.Unixsocket != c.socket ||
				e.SocketPerm != c.perm || show(e.ProtectedMode) != c.protected || e.Password != c.password {
				t.Errorf("got port %s bind %q socket %q perm %q protected %s password %q", show(e.Port), e.Bind,
					e.Unixsocket, e.SocketPerm, show(e.ProtectedMode), e.Password)
			}
		})
	}
}

func TestRenamesReadBack(t *testing.T) {
	cfg := load(t, "rename-command FLUSHALL \"\"\nrename-command DEBUG x\nrename-command keys \"\"\n"+
		"rename-command KEYS k2\nrename-command lonely\n")
	// An import adopts every rename-command line; a later line for the same command wins.
	if got, want := AllRenames(cfg), map[string]string{"FLUSHALL": "", "DEBUG": "x", "KEYS": "k2"}; !maps.Equal(got, want) {
		t.Errorf("AllRenames = %q, want %q", got, want)
	}
	// Later reads keep to the managed names, keyed as configured.
	if got, want := ManagedRenames(cfg, []string{"flushall", "CONFIG"}), map[string]string{"flushall": ""}; !maps.Equal(got, want) {
		t.Errorf("ManagedRenames = %q, want %q (CONFIG is not renamed on the host)", got, want)
	}
}

func TestSamePerm(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"770", "0770", true}, {"0", "000", true}, {"770", "700", false}, {"", "0", false}, {"9", "9", false}, {"x", "x", false},
	} {
		if got := SamePerm(c.a, c.b); got != c.same {
			t.Errorf("SamePerm(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

func TestPasswordInEffect(t *testing.T) {
	pw := strings.Repeat("x", 32)
	cases := []struct{ conf, want string }{
		{"requirepass " + pw + "\n", pw},
		{"# none\n", ""},
		// With aclfile or a `user default` line, Redis ignores requirepass.
		{"requirepass " + pw + "\naclfile /etc/redis/users.acl\n", ""},
		{"requirepass " + pw + "\nuser default on nopass ~* +@all\n", ""},
	}
	for _, c := range cases {
		cfg := load(t, c.conf)
		if got := PasswordInEffect(cfg); got != c.want {
			t.Errorf("%q: password in effect %q, want %q", c.conf, got, c.want)
		}
		if got := (HostConf{Cfg: cfg}).Password(); got != EffectiveOf(cfg).Password {
			t.Errorf("%q: HostConf.Password %q", c.conf, got)
		}
	}
	if got := (HostConf{}).Password(); got != "" {
		t.Errorf("no file: password %q", got)
	}
}
