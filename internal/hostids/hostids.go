// Package hostids maps user and group names to ids on one host, from the text of its
// /etc/passwd and /etc/group. Pure: the callers read the two files (Files) over their own
// connection, usually together with other files in one round trip.
package hostids

import (
	"slices"
	"strconv"
	"strings"
)

// Files are the two files Parse reads, in its argument order.
var Files = []string{"/etc/passwd", "/etc/group"}

// IDs is one host's users and groups. The first line of a name or an id wins, as for getent.
type IDs struct {
	users   map[string]passwdEntry
	uidName map[int]string
	groups  map[string]groupEntry
	gidName map[int]string
}

type passwdEntry struct {
	uid, gid int
}

type groupEntry struct {
	gid     int
	members []string
}

// Parse reads /etc/passwd and /etc/group; malformed lines are skipped.
func Parse(passwd, group []byte) *IDs {
	ids := &IDs{users: map[string]passwdEntry{}, uidName: map[int]string{}, groups: map[string]groupEntry{}, gidName: map[int]string{}}
	for _, line := range strings.Split(string(passwd), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 4 {
			continue
		}
		uid, err1 := strconv.Atoi(f[2])
		gid, err2 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil {
			continue
		}
		if _, dup := ids.users[f[0]]; !dup {
			ids.users[f[0]] = passwdEntry{uid: uid, gid: gid}
		}
		if _, dup := ids.uidName[uid]; !dup {
			ids.uidName[uid] = f[0]
		}
	}
	for _, line := range strings.Split(string(group), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 3 {
			continue
		}
		gid, err := strconv.Atoi(f[2])
		if err != nil {
			continue
		}
		var members []string
		if len(f) > 3 && f[3] != "" {
			members = strings.Split(f[3], ",")
		}
		if _, dup := ids.groups[f[0]]; !dup {
			ids.groups[f[0]] = groupEntry{gid: gid, members: members}
		}
		if _, dup := ids.gidName[gid]; !dup {
			ids.gidName[gid] = f[0]
		}
	}
	return ids
}

// UID is the user id of user name.
func (h *IDs) UID(name string) (int, bool) {
	u, ok := h.users[name]
	return u.uid, ok
}

// PrimaryGID is the primary group id of user name.
func (h *IDs) PrimaryGID(name string) (int, bool) {
	u, ok := h.users[name]
	return u.gid, ok
}

// GID is the group id of group name.
func (h *IDs) GID(name string) (int, bool) {
	g, ok := h.groups[name]
	return g.gid, ok
}

// UserName gives the name of a user id, or the id itself when it has no name.
func (h *IDs) UserName(uid int) string {
	if n, ok := h.uidName[uid]; ok {
		return n
	}
	return strconv.Itoa(uid)
}

// KnownUserName gives the name of a user id, or "" when it has none.
func (h *IDs) KnownUserName(uid int) string {
	return h.uidName[uid]
}

// GroupName gives the name of a group id, or the id itself when it has no name.
func (h *IDs) GroupName(gid int) string {
	if n, ok := h.gidName[gid]; ok {
		return n
	}
	return strconv.Itoa(gid)
}

// InGroup reports whether user belongs to group, as primary or supplementary member.
func (h *IDs) InGroup(user, group string) bool {
	g, ok := h.groups[group]
	if !ok {
		return false
	}
	if u, ok := h.users[user]; ok && u.gid == g.gid {
		return true
	}
	return slices.Contains(g.members, user)
}
