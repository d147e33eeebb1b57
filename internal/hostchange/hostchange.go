// Package hostchange is the apply cycle shared by the resources: keep the original file once,
// write the new one atomically, restart the service, verify the running service, and put the
// previous file back (and restart again) when the restart or the verification fails, so that a
// failed apply leaves the host as it was.
package hostchange

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// OriginalSuffix names the copy of a file as it was before the provider first changed it.
// The copy keeps the file's owner and mode. When there was no file, an empty marker named
// with AbsentSuffix records that instead.
const (
	OriginalSuffix = ".pre-terraform"
	AbsentSuffix   = ".pre-terraform-absent"
)

// File is the desired content and metadata of one file on the host.
type File struct {
	Path     string
	Data     []byte
	Mode     os.FileMode
	UID, GID int
}

// Change is one apply: the file, what to run after writing it, and how to check the result.
type Change struct {
	File File
	// Restart is a shell command run after the write ("" runs nothing).
	Restart string
	// Verify checks the running service after the restart (nil checks nothing).
	Verify func(ctx context.Context) error
	// ForceRestart restarts (and verifies) even when the file is already as desired, for a
	// running service that drifted from a correct file.
	ForceRestart bool
	// KeepOriginal saves the file as it was before its first change, for a later Restore.
	KeepOriginal bool
}

// Result says what Apply did.
type Result struct {
	Written, Restarted bool
}

// Apply carries out the change. The file is compared with what is on the host first: nothing
// is written and nothing restarted when content, owner and mode already match (unless
// ForceRestart). On a failed restart or verification the previous file is restored, the
// restart runs again, and the error says what failed and how the rollback went.
func Apply(ctx context.Context, c *transport.Conn, ch Change) (Result, error) {
	var res Result
	f := ch.File
	old, info, err := c.ReadFile(ctx, f.Path)
	if err != nil {
		return res, fmt.Errorf("reading %s before writing it: %w", f.Path, err)
	}
	same := info.Exists && bytes.Equal(old, f.Data) && info.Mode.Perm() == f.Mode.Perm() &&
		(f.UID < 0 || info.UID == f.UID) && (f.GID < 0 || info.GID == f.GID)
	if same && !ch.ForceRestart {
		tflog.Debug(ctx, "file already as desired; nothing written or restarted", map[string]any{"path": f.Path})
		return res, nil
	}
	if !same {
		if ch.KeepOriginal {
			if err := keepOriginal(ctx, c, f.Path, old, info); err != nil {
				return res, err
			}
		}
		if err := c.WriteFileAtomic(ctx, f.Path, f.Data, f.Mode, f.UID, f.GID); err != nil {
			return res, fmt.Errorf("writing %s: %w", f.Path, err)
		}
		res.Written = true
	}
	failure := restartAndVerify(ctx, c, ch)
	if failure == nil {
		res.Restarted = ch.Restart != ""
		return res, nil
	}
	if !res.Written {
		return res, failure
	}
	return res, rollback(ctx, c, ch, old, info, failure)
}

func restartAndVerify(ctx context.Context, c *transport.Conn, ch Change) error {
	if ch.Restart != "" {
		if err := run(ctx, c, ch.Restart); err != nil {
			return err
		}
	}
	if ch.Verify != nil {
		if err := ch.Verify(ctx); err != nil {
			return fmt.Errorf("verification after restart failed: %w", err)
		}
	}
	return nil
}

// run runs a restart command and turns a non-zero exit into an error holding its output.
func run(ctx context.Context, c *transport.Conn, command string) error {
	r, err := c.RunShell(ctx, command, nil)
	if err != nil {
		return fmt.Errorf("running %q: %w", command, err)
	}
	if r.ExitCode != 0 {
		out := strings.TrimSpace(string(r.Stderr) + "\n" + string(r.Stdout))
		return fmt.Errorf("%q exited with status %d: %s", command, r.ExitCode, out)
	}
	return nil
}

func rollback(ctx context.Context, c *transport.Conn, ch Change, old []byte, info transport.FileInfo, failure error) error {
	// The rollback must happen even when the apply was interrupted (Ctrl-C cancels ctx).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	f := ch.File
	var rbErr error
	if info.Exists {
		rbErr = c.WriteFileAtomic(ctx, f.Path, old, info.Mode, info.UID, info.GID)
	} else {
		rbErr = c.Remove(ctx, f.Path)
	}
	if rbErr != nil {
		return fmt.Errorf("%w\n\nRestoring the previous %s ALSO failed: %v. The host now has the new file; fix it by hand.", failure, f.Path, rbErr)
	}
	msg := fmt.Sprintf("%v\n\nThe previous %s was put back", failure, f.Path)
	if ch.Restart != "" {
		if err := run(ctx, c, ch.Restart); err != nil {
			msg += fmt.Sprintf(", but restarting with it failed too: %v", err)
		} else {
			msg += " and the service restarted with it"
		}
	}
	return errors.New(msg + ".")
}

func keepOriginal(ctx context.Context, c *transport.Conn, path string, old []byte, info transport.FileInfo) error {
	files, err := c.ReadFiles(ctx, []string{path + OriginalSuffix, path + AbsentSuffix})
	if err != nil {
		return fmt.Errorf("checking for an earlier copy of %s: %w", path, err)
	}
	if files[0].Info.Exists || files[1].Info.Exists {
		return nil // the copy from before the first change stays
	}
	if info.Exists {
		err = c.WriteFileAtomic(ctx, path+OriginalSuffix, old, info.Mode, info.UID, info.GID)
	} else {
		err = c.WriteFileAtomic(ctx, path+AbsentSuffix, nil, 0o600, -1, -1)
	}
	if err != nil {
		return fmt.Errorf("keeping a copy of the original %s: %w", path, err)
	}
	return nil
}

// Restore puts back the file as it was before the provider first changed it (or removes it
// when there was none), removes the copy and runs restart. Without a copy it does nothing
// and says so.
func Restore(ctx context.Context, c *transport.Conn, path, restart string) (restored bool, err error) {
	files, err := c.ReadFiles(ctx, []string{path + OriginalSuffix, path + AbsentSuffix})
	if err != nil {
		return false, err
	}
	orig, absent := files[0], files[1]
	switch {
	case orig.Info.Exists:
		if err := c.WriteFileAtomic(ctx, path, orig.Data, orig.Info.Mode, orig.Info.UID, orig.Info.GID); err != nil {
			return false, fmt.Errorf("restoring %s: %w", path, err)
		}
		if err := c.Remove(ctx, path+OriginalSuffix); err != nil {
			return true, err
		}
	case absent.Info.Exists:
		if err := c.Remove(ctx, path); err != nil {
			return false, fmt.Errorf("removing %s: %w", path, err)
		}
		if err := c.Remove(ctx, path+AbsentSuffix); err != nil {
			return true, err
		}
	default:
		return false, nil
	}
	if restart != "" {
		if err := run(ctx, c, restart); err != nil {
			return true, err
		}
	}
	return true, nil
}
