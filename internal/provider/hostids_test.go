package provider

import "testing"

func TestParseIDs(t *testing.T) {
	ids := parseIDs([]byte("root:x:0:0:root:/root:/bin/bash\nntopng:x:998:997::/var/lib/ntopng:/usr/sbin/nologin\nbroken\n"),
		[]byte("root:x:0:\nntop:x:997:\nredis:x:105:ntopng,other\n"))
	if uid, ok := ids.uid("ntopng"); !ok || uid != 998 {
		t.Errorf("uid(ntopng) = %d, %v", uid, ok)
	}
	if gid, ok := ids.gid("redis"); !ok || gid != 105 {
		t.Errorf("gid(redis) = %d, %v", gid, ok)
	}
	if g, _ := ids.primaryGID("ntopng"); g != 997 {
		t.Errorf("primaryGID(ntopng) = %d", g)
	}
	if !ids.inGroup("ntopng", "redis") || !ids.inGroup("ntopng", "ntop") || ids.inGroup("root", "redis") {
		t.Error("inGroup answers wrongly")
	}
	if ids.userName(998) != "ntopng" || ids.groupName(12345) != "12345" {
		t.Error("name lookups answer wrongly")
	}
	if _, ok := ids.uid("broken"); ok {
		t.Error("a malformed line must not give a user")
	}
}
