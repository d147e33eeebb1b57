package redishardening

import (
	"fmt"
	"path"
	"strings"
	"testing"
)

func TestOverridesFollowIncludes(t *testing.T) {
	cases := []struct {
		name, main, inc string
		want            []string // "file:line:name" of each override
	}{
		{
			name: "managed line before the include: the include wins",
			main: "bind 10.0.0.1\ninclude $DIR/local.conf\n",
			inc:  "bind 0.0.0.0\n",
			want: []string{"$DIR/local.conf:1:bind"},
		},
		{
			name: "no managed line: the appended block comes after the include and wins",
			main: "include $DIR/local.conf\n",
			inc:  "bind 0.0.0.0\nrequirepass old\n",
		},
		{
			name: "an included rename-command of a managed command",
			main: "include $DIR/local.conf\nrename-command CONFIG \"\"\n",
			inc:  "rename-command flushall x\nrename-command KEYS \"\"\n",
			want: []string{"$DIR/local.conf:1:rename-command"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := hardened(map[string]string{"FLUSHALL": ""})
			edited := d.Edit([]byte(c.main), "x")
			cfg, main, err := loadFiles(t, map[string]string{"redis.conf": string(edited), "local.conf": c.inc})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range Overrides(cfg, main, []string{"FLUSHALL"}) {
				got = append(got, fmt.Sprintf("%s:%d:%s", o.File, o.Line, o.Name))
				if !strings.HasPrefix(o.Message(), fmt.Sprintf("%s line %d sets %s ", o.File, o.Line, o.Name)) {
					t.Errorf("message %q does not name the line", o.Message())
				}
			}
			if strings.Join(got, " ") != strings.ReplaceAll(strings.Join(c.want, " "), "$DIR/", path.Dir(main)+"/") {
				t.Errorf("overrides = %q, want %q\nedited file:\n%s", got, c.want, edited)
			}
		})
	}
}

func TestConflicts(t *testing.T) {
	cases := []struct {
		conf string
		n    int
	}{
		{"requirepass x\n", 0},
		{"aclfile /etc/redis/users.acl\n", 1},
		{"aclfile /etc/redis/users.acl\nuser bob on\n", 2},
		{"user default on nopass\nuser bob on\n", 1},
	}
	for _, c := range cases {
		got := Conflicts(load(t, c.conf))
		if len(got) != c.n {
			t.Errorf("%q: conflicts %q, want %d", c.conf, got, c.n)
		}
		for _, m := range got {
			if !strings.HasSuffix(m, ".") || strings.HasSuffix(m, "..") {
				t.Errorf("%q: message %q is not one sentence", c.conf, m)
			}
		}
	}
}
