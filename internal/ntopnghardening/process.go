package ntopnghardening

import (
	"context"
	_ "embed"
	"strconv"
	"strings"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostids"
	"github.com/hardenops/terraform-provider-ntopng/internal/hostscript"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

//go:embed process_user.sh
var processUserSh string

// processUserScript prints the effective uid of process PID (process_user.sh; the pid is an
// argument, not part of the command text).
var processUserScript = hostscript.New("process_user.sh", processUserSh)

// ProcessUser is the effective user of the unit's main process pid (0: not running), by name
// when the host knows it ("uid N" otherwise).
func ProcessUser(ctx context.Context, c *transport.Conn, ids *hostids.IDs, pid int) (running bool, user string, err error) {
	res, err := c.Run(ctx, processUserScript.MustCommand(hostscript.Args{"PID": strconv.Itoa(pid)}), nil)
	if err != nil {
		return false, "", err
	}
	running, user = processUsers(string(res.Stdout), ids)
	return running, user, nil
}

// processUsers reads the uids the script printed: none is not running; several processes
// (a parent and its children) that differ show as all their users joined by commas.
func processUsers(out string, ids *hostids.IDs) (running bool, user string) {
	var users []string
	for _, l := range strings.Fields(out) {
		uid, err := strconv.Atoi(l)
		if err != nil {
			continue
		}
		u := ids.KnownUserName(uid)
		if u == "" {
			u = "uid " + l
		}
		users = append(users, u)
	}
	if len(users) == 0 {
		return false, ""
	}
	for _, u := range users[1:] {
		if u != users[0] {
			return true, strings.Join(users, ",")
		}
	}
	return true, users[0]
}
