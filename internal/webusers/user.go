package webusers

import (
	"fmt"
	"strings"
)

// User is what a web user's keys in ntopng's Redis must hold.
type User struct {
	Name  string
	Group string
	// FullName is written when FullNameSet; otherwise the key is not managed.
	FullName    string
	FullNameSet bool
	AllowedNets []string
}

// WriteCommands are the Redis commands that make the host hold u: one MSET (atomic) of its
// keys, with the password hash when passwordHash is not empty. A new password for admin also
// marks it changed (as ntopng's own form does) and deletes the temporary admin password, a
// second way in as admin, in a second command whose failure leaves the write in place.
func WriteCommands(u User, passwordHash string) ([][]string, error) {
	nets, err := RenderAllowedNets(u.AllowedNets)
	if err != nil {
		return nil, err
	}
	mset := []string{"MSET", Key(u.Name, FieldGroup), u.Group, Key(u.Name, FieldAllowedNets), nets}
	if u.FullNameSet {
		mset = append(mset, Key(u.Name, FieldFullName), u.FullName)
	}
	if passwordHash == "" {
		return [][]string{mset}, nil
	}
	mset = append(mset, Key(u.Name, FieldPassword), passwordHash)
	if u.Name != Admin {
		return [][]string{mset}, nil
	}
	mset = append(mset, AdminPasswordChangedKey, "1")
	return [][]string{mset, {"DEL", TempAdminPasswordKey}}, nil
}

// DeleteCommand removes every key of user.
func DeleteCommand(user string) []string {
	del := []string{"DEL"}
	for _, f := range Fields {
		del = append(del, Key(user, f))
	}
	return del
}

// ReadCommands read what ParseStored takes, in its order.
func ReadCommands(user string) [][]string {
	var cmds [][]string
	for _, f := range []string{FieldPassword, FieldGroup, FieldAllowedNets, FieldFullName} {
		cmds = append(cmds, []string{"GET", Key(user, f)})
	}
	return append(cmds, []string{"EXISTS", TempAdminPasswordKey})
}

// Reply is one Redis reply to ReadCommands (errors are the caller's to report).
type Reply struct {
	Str string
	Nil bool
}

// Stored is a web user as ntopng's Redis holds it.
type Stored struct {
	// Exists: the user has a password key (ntopng's test for a user); admin always exists,
	// since ntopng recreates it with its default password.
	Exists bool
	// Hash is the lowercase password hash to fingerprint; empty when there is no password to
	// vouch for: none, admin's default one, or a temporary admin password that also opens admin.
	Hash        string
	Group       string
	AllowedNets []string
	FullName    string
}

// ParseStored reads the replies to ReadCommands(user).
func ParseStored(user string, rep []Reply) (Stored, error) {
	if len(rep) != len(ReadCommands(user)) {
		return Stored{}, fmt.Errorf("reading web user %q: %d replies to %d commands", user, len(rep), len(ReadCommands(user)))
	}
	hash := strings.ToLower(rep[0].Str)
	s := Stored{
		Exists: !rep[0].Nil || user == Admin,
		Hash:   hash,
		Group:  rep[1].Str, AllowedNets: ParseAllowedNets(rep[2].Str), FullName: rep[3].Str,
	}
	if rep[0].Nil || IsDefaultAdmin(user, hash) || (user == Admin && rep[4].Str != "0") {
		s.Hash = ""
	}
	return s, nil
}
