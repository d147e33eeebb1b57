package hostids

import (
	"strconv"
	"testing"
)

func TestParse(t *testing.T) {
	ids := Parse([]byte("root:x:0:0:root:/root:/bin/bash\nntopng:x:998:997::/var/lib/ntopng:/usr/sbin/nologin\nbroken\n"),
		[]byte("root:x:0:\nntop:x:997:\nredis:x:105:ntopng,other\n"))
	if uid, ok := ids.UID("ntopng"); !ok || uid != 998 {
		t.Errorf("UID(ntopng) = %d, %v", uid, ok)
	}
	if gid, ok := ids.GID("redis"); !ok || gid != 105 {
		t.Errorf("GID(redis) = %d, %v", gid, ok)
	}
	if g, _ := ids.PrimaryGID("ntopng"); g != 997 {
		t.Errorf("PrimaryGID(ntopng) = %d", g)
	}
	if !ids.InGroup("ntopng", "redis") || !ids.InGroup("ntopng", "ntop") || ids.InGroup("root", "redis") {
		t.Error("InGroup answers wrongly")
	}
	if ids.UserName(998) != "ntopng" || ids.GroupName(12345) != "12345" || ids.KnownUserName(12345) != "" || ids.KnownUserName(0) != "root" {
		t.Error("name lookups answer wrongly")
	}
	if _, ok := ids.UID("broken"); ok {
		t.Error("a malformed line must not give a user")
	}
}

func TestParseFirstLineWins(t *testing.T) {
	for _, tc := range []struct {
		name, passwd, group string
		user                string
		uid                 int
		uidName             string
	}{
		{"duplicate name", "a:x:1:1::/:/bin/sh\na:x:2:2::/:/bin/sh\n", "", "a", 1, "a"},
		{"duplicate id", "a:x:1:1::/:/bin/sh\nb:x:1:1::/:/bin/sh\n", "", "b", 1, "a"},
		{"non-numeric uid skipped", "a:x:one:1::/:/bin/sh\na:x:3:1::/:/bin/sh\n", "", "a", 3, "a"},
		{"no trailing newline", "a:x:4:4::/:/bin/sh", "", "a", 4, "a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ids := Parse([]byte(tc.passwd), []byte(tc.group))
			if uid, ok := ids.UID(tc.user); !ok || uid != tc.uid {
				t.Errorf("UID(%s) = %d, %v, want %d", tc.user, uid, ok, tc.uid)
			}
			if n := ids.UserName(tc.uid); n != tc.uidName {
				t.Errorf("UserName(%d) = %q, want %q", tc.uid, n, tc.uidName)
			}
		})
	}
}

// FuzzParse: any text parses; every user and group found answers its own lookups.
func FuzzParse(f *testing.F) {
	f.Add("root:x:0:0:root:/root:/bin/bash\nntopng:x:998:997::/var/lib/ntopng:/usr/sbin/nologin\n", "root:x:0:\nredis:x:105:ntopng,other\n")
	f.Add("::::\n:x:-1:-1\n", ":x:1:,\n")
	f.Fuzz(func(t *testing.T, passwd, group string) {
		ids := Parse([]byte(passwd), []byte(group))
		for name, u := range ids.users {
			if uid, ok := ids.UID(name); !ok || uid != u.uid {
				t.Fatalf("UID(%q) = %d, %v", name, uid, ok)
			}
			if n := ids.UserName(u.uid); ids.users[n].uid != u.uid {
				t.Fatalf("UserName(%d) = %q, a user with another id", u.uid, n)
			}
		}
		for name, g := range ids.groups {
			if gid, ok := ids.GID(name); !ok || gid != g.gid {
				t.Fatalf("GID(%q) = %d, %v", name, gid, ok)
			}
			for _, m := range g.members {
				if !ids.InGroup(m, name) {
					t.Fatalf("%q is listed in %q but InGroup says no", m, name)
				}
			}
		}
		if _, ok := ids.uidName[-1]; !ok && ids.UserName(-1) != strconv.Itoa(-1) {
			t.Fatal("an unknown id must name itself")
		}
	})
}
