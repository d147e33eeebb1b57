package webusers

import (
	"reflect"
	"strings"
	"testing"
)

func TestWriteCommands(t *testing.T) {
	hash := PasswordHash("correct-horse-battery")
	cases := []struct {
		name string
		u    User
		hash string
		want [][]string
	}{
		{"no password, full name unmanaged", User{Name: "ops", Group: "unprivileged", AllowedNets: []string{"10.0.0.0/8"}}, "",
			[][]string{{"MSET", "ntopng.user.ops.group", "unprivileged", "ntopng.user.ops.allowed_nets", "10.0.0.0/8"}}},
		{"empty networks are all", User{Name: "ops", Group: "administrator", FullName: "Ops", FullNameSet: true}, "",
			[][]string{{"MSET", "ntopng.user.ops.group", "administrator", "ntopng.user.ops.allowed_nets", AllNets, "ntopng.user.ops.full_name", "Ops"}}},
		{"an empty full name is written when set", User{Name: "ops", Group: "administrator", FullNameSet: true}, "",
			[][]string{{"MSET", "ntopng.user.ops.group", "administrator", "ntopng.user.ops.allowed_nets", AllNets, "ntopng.user.ops.full_name", ""}}},
		{"password", User{Name: "ops", Group: "administrator"}, hash,
			[][]string{{"MSET", "ntopng.user.ops.group", "administrator", "ntopng.user.ops.allowed_nets", AllNets, "ntopng.user.ops.password", hash}}},
		{"admin's password closes the temporary one", User{Name: Admin, Group: "administrator"}, hash,
			[][]string{
				{"MSET", "ntopng.user.admin.group", "administrator", "ntopng.user.admin.allowed_nets", AllNets, "ntopng.user.admin.password", hash, AdminPasswordChangedKey, "1"},
				{"DEL", TempAdminPasswordKey}}},
		{"admin without a password write", User{Name: Admin, Group: "administrator"}, "",
			[][]string{{"MSET", "ntopng.user.admin.group", "administrator", "ntopng.user.admin.allowed_nets", AllNets}}},
	}
	for _, c := range cases {
		got, err := WriteCommands(c.u, c.hash)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: WriteCommands = %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	if _, err := WriteCommands(User{Name: "ops", Group: "administrator", AllowedNets: []string{"10.0.0.1/8"}}, ""); err == nil {
		t.Error("WriteCommands accepted a network with host bits set")
	}
}

func TestDeleteCommand(t *testing.T) {
	got := DeleteCommand("ops")
	if got[0] != "DEL" || len(got) != len(Fields)+1 {
		t.Fatalf("DeleteCommand = %q", got)
	}
	for _, k := range got[1:] {
		if !strings.HasPrefix(k, "ntopng.user.ops.") {
			t.Errorf("DeleteCommand deletes %q, not a key of ops", k)
		}
	}
}

func TestParseStored(t *testing.T) {
	hash := PasswordHash("correct-horse-battery")
	stored := func(pw Reply, temp string) []Reply {
		return []Reply{pw, {Str: "administrator"}, {Str: "10.0.0.0/8, 192.168.0.0/16"}, {Str: "Ops"}, {Str: temp}}
	}
	cases := []struct {
		name, user string
		rep        []Reply
		exists     bool
		hash       string
	}{
		{"a user with a password", "ops", stored(Reply{Str: strings.ToUpper(hash)}, "0"), true, hash},
		{"no password key: no user", "ops", stored(Reply{Nil: true}, "0"), false, ""},
		{"a temporary admin password does not matter for others", "ops", stored(Reply{Str: hash}, "1"), true, hash},
		{"admin always exists", Admin, stored(Reply{Nil: true}, "0"), true, ""},
		{"admin on its default password", Admin, stored(Reply{Str: strings.ToUpper(DefaultAdminHash)}, "0"), true, ""},
		{"admin with a temporary password", Admin, stored(Reply{Str: hash}, "1"), true, ""},
		{"admin with its own password", Admin, stored(Reply{Str: hash}, "0"), true, hash},
	}
	for _, c := range cases {
		s, err := ParseStored(c.user, c.rep)
		if err != nil || s.Exists != c.exists || s.Hash != c.hash {
			t.Errorf("%s: ParseStored = %+v, %v; want exists %v, hash %q", c.name, s, err, c.exists, c.hash)
		}
		if s.Group != "administrator" || !reflect.DeepEqual(s.AllowedNets, []string{"10.0.0.0/8", "192.168.0.0/16"}) || s.FullName != "Ops" {
			t.Errorf("%s: ParseStored = %+v", c.name, s)
		}
	}
	if _, err := ParseStored("ops", []Reply{{Str: hash}}); err == nil {
		t.Error("ParseStored accepted too few replies")
	}
}
