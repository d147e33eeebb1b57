package redishardening

import (
	"bytes"
	"context"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/redisconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// NewFileMode is the mode of a redis.conf the provider creates (owned by redis:redis).
const NewFileMode = 0o640

// File is data as the new content of the host's existing redis.conf at p. The file holds the
// password: owner and group stay, other users lose their access.
func (hc HostConf) File(p string, data []byte) hostchange.File {
	return hostchange.File{Path: p, Data: data, Mode: hc.Info.Mode &^ 0o007, UID: hc.Info.UID, GID: hc.Info.GID}
}

// Change is one apply of a hardened redis.conf.
type Change struct {
	Before       HostConf // the host's file before the change
	File         hostchange.File
	Restart      string
	KeepOriginal bool
	// Verify is the live check after the restart (nil: none).
	Verify *Target
	// Unit is the systemd unit whose journal a failed restart quotes (UnitOf) when Conf, the
	// new file as Redis loads it, names no logfile that File's owner owns (Explain).
	// Secret (the password written) is dropped from what is quoted.
	Unit   string
	Conf   *redisconf.Config
	Secret string
}

// Apply writes the file, restarts Redis and checks the running server (hostchange.Apply:
// a failed restart or check puts the previous file back). A file already right is not
// written, and Redis is restarted only when the running server fails the check. The error is
// hostchange.Apply's, or a *NotEnforcedError when nothing was written or restarted and the
// running server fails the check.
func Apply(ctx context.Context, c *transport.Conn, ch Change) (Live, hostchange.Result, error) {
	var live Live
	verified, force := false, false
	if ch.Verify != nil && ch.Before.Info.Exists && bytes.Equal(ch.Before.Data, ch.File.Data) {
		// The file is right: restart only when the running server is not.
		if l, err := Check(ctx, c, *ch.Verify); err == nil {
			live, verified = l, true
		} else {
			force = true
		}
	}
	hc := hostchange.Change{
		Files:        []hostchange.File{ch.File},
		Restart:      ch.Restart,
		ForceRestart: force,
		KeepOriginal: ch.KeepOriginal,
		Explain:      func(ctx context.Context) string { return Explain(ctx, c, ch.Unit, ch.Conf, ch.Secret, ch.File.UID) },
	}
	if ch.Verify != nil && !verified {
		hc.Verify = func(ctx context.Context) error {
			l, err := Check(ctx, c, *ch.Verify)
			if err != nil {
				return err
			}
			live, verified = l, true
			return nil
		}
	}
	res, err := hostchange.Apply(ctx, c, hc)
	if err != nil {
		return live, res, err
	}
	if ch.Verify != nil && !verified {
		// Nothing was written or restarted (file and server already right) and no check ran.
		l, err := Check(ctx, c, *ch.Verify)
		if err != nil {
			return live, res, &NotEnforcedError{Err: err}
		}
		live = l
	}
	return live, res, nil
}
