package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// hostIDs maps user and group names to ids on one host, from its /etc/passwd and /etc/group.
type hostIDs struct {
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

// etcFiles are read together with other files in one ReadFiles call.
var etcFiles = []string{"/etc/passwd", "/etc/group"}

// lookupIDs reads /etc/passwd and /etc/group over the shared SFTP channel.
func lookupIDs(ctx context.Context, c *transport.Conn) (*hostIDs, error) {
	files, err := c.ReadFiles(ctx, etcFiles)
	if err != nil {
		return nil, fmt.Errorf("reading /etc/passwd and /etc/group: %w", err)
	}
	return parseIDs(files[0].Data, files[1].Data), nil
}

func parseIDs(passwd, group []byte) *hostIDs {
	ids := &hostIDs{users: map[string]passwdEntry{}, uidName: map[int]string{}, groups: map[string]groupEntry{}, gidName: map[int]string{}}
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

func (h *hostIDs) uid(name string) (int, bool) {
	u, ok := h.users[name]
	return u.uid, ok
}

// primaryGID is the primary group id of user name.
func (h *hostIDs) primaryGID(name string) (int, bool) {
	u, ok := h.users[name]
	return u.gid, ok
}

func (h *hostIDs) gid(name string) (int, bool) {
	g, ok := h.groups[name]
	return g.gid, ok
}

// userName and groupName give the name of an id, or the id itself when it has no name.
func (h *hostIDs) userName(uid int) string {
	if n, ok := h.uidName[uid]; ok {
		return n
	}
	return strconv.Itoa(uid)
}

func (h *hostIDs) groupName(gid int) string {
	if n, ok := h.gidName[gid]; ok {
		return n
	}
	return strconv.Itoa(gid)
}

// inGroup reports whether user belongs to group, as primary or supplementary member.
func (h *hostIDs) inGroup(user, group string) bool {
	g, ok := h.groups[group]
	if !ok {
		return false
	}
	if u, ok := h.users[user]; ok && u.gid == g.gid {
		return true
	}
	for _, m := range g.members {
		if m == user {
			return true
		}
	}
	return false
}
