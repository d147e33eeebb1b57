package redisconf

import (
	"slices"
	"strings"
	"testing"
)

func TestEdit(t *testing.T) {
	tests := []struct {
		name string
		orig string
		set  []Setting
		want string
	}{
		{
			name: "replace first, drop later, keep the rest byte for byte",
			orig: "# top comment \t\n" +
				"bind 127.0.0.1   -::1\r\n" +
				"  requirepass   old  # not a comment\n" +
				"\n" +
				"\tport 6379\n" +
				"REQUIREPASS \"older\"\n" +
				"#requirepass commented\n" +
				"save 900 1",
			set: []Setting{{Name: "requirepass", Args: []string{"new pass"}}, {Name: "bind", Args: []string{"127.0.0.1"}}},
			want: "# top comment \t\n" +
				"bind 127.0.0.1\n" +
				"requirepass \"new pass\"\n" +
				"\n" +
				"\tport 6379\n" +
				"#requirepass commented\n" +
				"save 900 1\n",
		},
		{
			name: "append in one block with the marker",
			orig: "port 6379\n",
			set: []Setting{
				{Name: "unixsocket", Args: []string{"/run/redis/redis-server.sock"}},
				{Name: "unixsocketperm", Args: []string{"770"}},
			},
			want: "port 6379\n\n" + Marker + "\n" +
				"unixsocket /run/redis/redis-server.sock\n" +
				"unixsocketperm 770\n",
		},
		{
			name: "empty file",
			orig: "",
			set:  []Setting{{Name: "save", Args: []string{""}}},
			want: Marker + "\nsave \"\"\n",
		},
		{
			name: "existing marker is reused",
			orig: "port 1\n\n" + Marker + "\nrequirepass x\n",
			set:  []Setting{{Name: "requirepass", Args: []string{"y"}}, {Name: "protected-mode", Args: []string{"yes"}}},
			want: "port 1\n\n" + Marker + "\nrequirepass y\nprotected-mode yes\n",
		},
		{
			name: "remove",
			orig: "masterauth a\nport 1\nMasterAuth b\n",
			set:  []Setting{{Name: "masterauth", Remove: true}, {Name: "aclfile", Remove: true}},
			want: "port 1\n",
		},
		{
			name: "rename-command per command",
			orig: "rename-command FLUSHALL \"\"\n" +
				"rename-command CONFIG \"\"\n" +
				"rename-command flushall something\n" +
				"rename-command KEYS \"\"\n",
			set: []Setting{
				{Name: "rename-command", Args: []string{"FLUSHALL", ""}, Multi: true},
				{Name: "rename-command", Args: []string{"DEBUG", ""}, Multi: true},
				{Name: "rename-command", Args: []string{"keys"}, Multi: true, Remove: true},
			},
			want: "rename-command FLUSHALL \"\"\n" +
				"rename-command CONFIG \"\"\n" +
				"\n" + Marker + "\n" +
				"rename-command DEBUG \"\"\n",
		},
		{
			name: "broken line of a managed directive is replaced",
			orig: "requirepass \"unterminated\nport 1\n",
			set:  []Setting{{Name: "requirepass", Args: []string{"ok"}}},
			want: "requirepass ok\nport 1\n",
		},
		{
			name: "broken line of another directive is kept",
			orig: "masterauth \"unterminated\n",
			set:  []Setting{{Name: "requirepass", Args: []string{"ok"}}},
			want: "masterauth \"unterminated\n\n" + Marker + "\nrequirepass ok\n",
		},
		{
			name: "later setting for the same directive wins",
			orig: "",
			set:  []Setting{{Name: "port", Args: []string{"1"}}, {Name: "PORT", Args: []string{"2"}}},
			want: Marker + "\nPORT 2\n",
		},
		{
			name: "nothing to do keeps the file and adds the final newline",
			orig: "port 1",
			set:  []Setting{{Name: "masterauth", Remove: true}},
			want: "port 1\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(Edit([]byte(tc.orig), tc.set))
			if got != tc.want {
				t.Fatalf("Edit =\n%q\nwant\n%q", got, tc.want)
			}
			if again := string(Edit([]byte(got), tc.set)); again != got {
				t.Fatalf("Edit is not idempotent:\n%q\nthen\n%q", got, again)
			}
		})
	}
}

func TestEditThenLoadReadsExactValues(t *testing.T) {
	tricky := []string{
		"",
		"plain",
		"sp ace",
		`"dq" 'sq' \back \x41 \n`,
		"#hash",
		"tab\tnl\ncr\rvt\vff\f",
		"\xff\xfe non-UTF-8 \x01\x7f",
		"é ü 中",
	}
	orig := "requirepass old\ninclude /etc/redis/conf.d/*.conf\nrename-command CONFIG \"\"\n"
	for _, v := range tricky {
		set := []Setting{
			{Name: "requirepass", Args: []string{v}},
			{Name: "bind", Args: []string{v, "127.0.0.1", v}},
			{Name: "rename-command", Args: []string{"FLUSHALL", v}, Multi: true},
		}
		out := Edit([]byte(orig), set)
		c, err := Load(mapFS{"/etc/redis/redis.conf": string(out)}, "/etc/redis/redis.conf")
		if err != nil {
			t.Fatalf("Load after Edit with %q: %v\n%s", v, err, out)
		}
		for _, s := range set[:2] {
			d, ok := c.Last(s.Name)
			if !ok || !slices.Equal(d.Args, s.Args) {
				t.Fatalf("Last(%s) = %q, want %q", s.Name, d.Args, s.Args)
			}
		}
		rc := c.All("rename-command")
		if len(rc) != 2 || !slices.Equal(rc[1].Args, []string{"FLUSHALL", v}) || !slices.Equal(rc[0].Args, []string{"CONFIG", ""}) {
			t.Fatalf("rename-command = %+v", rc)
		}
		if !strings.HasSuffix(string(out), "\n") {
			t.Fatalf("result does not end with a newline: %q", out)
		}
	}
}
