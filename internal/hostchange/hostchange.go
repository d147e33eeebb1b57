// Package hostchange is the apply cycle shared by the resources: keep the original files
// once, save the current ones on the host (the rollback journal), write the new ones
// atomically, restart the service, verify the running service, and put every file back (and
// restart again) when a write, the restart or the verification fails, so that a failed
// apply leaves the host as it was. Changes to one host run one at a time (Conn.LockHost).
//
// The journal is what makes this survive a dropped connection or a killed provider: it is
// written (0600, by the login that writes the files: root with sudo) before the first file
// changes and removed only after the restart and the verification succeed. Whoever finds
// it later (Recover at the next refresh, Apply at the next apply) knows the change was not
// confirmed and has the files as they were before it.
package hostchange

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// OriginalSuffix names the copy of a file as it was before the provider first changed it.
// The copy keeps the file's owner and mode. When there was no file, an empty marker named
// with AbsentSuffix records that instead. JournalSuffix, after the main file's path, names
// the rollback journal of a change in progress.
const (
	OriginalSuffix = ".pre-terraform"
	AbsentSuffix   = ".pre-terraform-absent"
	JournalSuffix  = ".tf-rollback"
)

// LockWait is how long a change waits for another change on the same host (this run's or
// another terraform's) to finish.
var LockWait = 5 * time.Minute

// rollbackBudget bounds a rollback, which runs even when the apply was cancelled.
const rollbackBudget = 2 * time.Minute

// File is the desired content and metadata of one file on the host.
type File struct {
	Path     string
	Data     []byte
	Mode     os.FileMode
	UID, GID int // -1 leaves the owner as the writing login makes it
	// Remove makes the change delete the file instead (Data, Mode and owner unused).
	Remove bool
}

// Change is one apply: every file it touches, what to run after writing them, and how to
// check the result.
type Change struct {
	// Files are every file of the change; Files[0] is the main file, beside which the
	// journal lives. A file already as desired is not written.
	Files []File
	// Restart is a shell command run after the write ("" runs nothing).
	Restart string
	// Verify checks the running service after the restart (nil checks nothing).
	Verify func(ctx context.Context) error
	// ForceRestart restarts (and verifies) even when the files are already as desired, for
	// a running service that drifted from correct files.
	ForceRestart bool
	// KeepOriginal saves each file as it was before its first change, for a later Restore.
	KeepOriginal bool
	// Explain, when set, is asked after a failed restart for the service's own reason
	// (the end of its journal or log), which the error then quotes. It runs before the
	// rollback restarts the service again; "" adds nothing.
	Explain func(ctx context.Context) string
}

// Result says what Apply did.
type Result struct {
	Written, Restarted bool
	// Resumed is true when a journal of an earlier, unconfirmed change was found (and is
	// now confirmed or rolled back).
	Resumed bool
}

// JournalPath is where the rollback journal of a change whose main file is mainPath lives.
func JournalPath(mainPath string) string { return mainPath + JournalSuffix }

// Apply carries out the change. The files are compared with what is on the host first:
// nothing is locked, written or restarted when content, owner and mode already match
// (unless ForceRestart, a leftover journal, or leftover temporary files). On a failed
// write, restart or verification every file is put back from the journal (redialling the
// host when the connection dropped), the restart runs again, and the error says what
// failed and how the rollback went.
func Apply(ctx context.Context, c *transport.Conn, ch Change) (Result, error) {
	var res Result
	if len(ch.Files) == 0 {
		return res, errors.New("hostchange: a change without files")
	}
	host, jpath := c.Addr(), JournalPath(ch.Files[0].Path)

	// Look first, without the lock: most applies of an unchanged host stop here.
	st, err := look(ctx, c, ch.Files)
	if err != nil {
		return res, err
	}
	if !st.journalFound && len(st.strays) == 0 && len(st.changed(ch.Files)) == 0 && !ch.ForceRestart {
		tflog.Debug(ctx, "files already as desired; nothing written or restarted", map[string]any{"path": ch.Files[0].Path})
		return res, nil
	}

	lock, err := c.LockHost(ctx, LockWait)
	if err != nil {
		return res, err
	}
	defer func() { lock.Release() }()
	// Under the lock, look again: another change may have finished while this one waited.
	if st, err = look(ctx, c, ch.Files); err != nil {
		return res, err
	}
	for _, p := range st.strays {
		if err := c.Remove(ctx, p); err != nil {
			return res, fmt.Errorf("removing the temporary file %s left by an interrupted write: %w", p, err)
		}
		tflog.Info(ctx, "removed a temporary file left by an interrupted write", map[string]any{"ssh_addr": host, "path": p})
	}
	j := st.journal
	res.Resumed = st.journalFound
	if j == nil {
		j = &journal{Version: 1}
	}
	for i, f := range ch.Files {
		if j.find(f.Path) == nil {
			j.Files = append(j.Files, saved{Path: f.Path, Exists: st.cur[i].Info.Exists, Mode: uint32(st.cur[i].Info.Mode.Perm()),
				UID: st.cur[i].Info.UID, GID: st.cur[i].Info.GID, Data: st.cur[i].Data})
		}
	}
	changed := st.changed(ch.Files)
	if len(changed) == 0 && !ch.ForceRestart && !st.journalFound {
		return res, nil
	}
	if len(changed) > 0 || st.journalFound {
		// The journal is on the host before the first file changes.
		if err := writeJournal(ctx, c, jpath, j); err != nil {
			return res, errors.Join(err, tidy(ctx, c, jpath))
		}
	}
	if ch.KeepOriginal {
		for _, i := range changed {
			if err := keepOriginal(ctx, c, ch.Files[i].Path, st.cur[i]); err != nil {
				return res, rollback(ctx, c, lock, ch, j, err, st.journalFound)
			}
		}
	}
	for _, i := range changed {
		f := ch.Files[i]
		var err error
		if f.Remove {
			err = c.Remove(ctx, f.Path)
		} else {
			err = c.WriteFileAtomic(ctx, f.Path, f.Data, f.Mode, f.UID, f.GID)
		}
		if err != nil {
			// The service has not restarted: it still runs the files of before (or, when a
			// journal was resumed, files nobody confirmed; the rollback restarts then).
			return res, rollback(ctx, c, lock, ch, j, fmt.Errorf("writing %s on %s: %w", f.Path, host, err), st.journalFound)
		}
		res.Written = true
	}
	if failure := restartAndVerify(ctx, c, ch); failure != nil {
		if !res.Written && !st.journalFound {
			return res, failure
		}
		return res, rollback(ctx, c, lock, ch, j, failure, true)
	}
	res.Restarted = ch.Restart != ""
	if res.Written || st.journalFound {
		err := c.Remove(ctx, jpath)
		if err != nil { // the connection may have dropped just now: once more, redialled
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackBudget)
			defer cancel()
			var c2 *transport.Conn
			if c2, err = c.Redial(rctx); err == nil {
				err = c2.Remove(rctx, jpath)
			}
		}
		if err != nil {
			return res, fmt.Errorf("the change on %s is applied and verified, but its rollback journal %s could not be removed: %w. "+
				"Remove it by hand: the next plan would otherwise take the change back", host, jpath, err)
		}
	}
	return res, nil
}

// Recover finds the journal of an interrupted change whose main file is mainPath (a
// dropped connection, a killed provider) and finishes that change's rollback: every file
// is put back as it was before it, restart runs, the journal and the temporary files are
// removed. It returns what it did, for a warning ("" when there was no journal), so that a
// refresh shows the host as it was confirmed and the next apply redoes the change.
func Recover(ctx context.Context, c *transport.Conn, mainPath, restart string) (string, error) {
	jpath := JournalPath(mainPath)
	_, info, err := c.ReadFile(ctx, jpath)
	if err != nil || !info.Exists {
		return "", err
	}
	lock, err := c.LockHost(ctx, LockWait)
	if err != nil {
		return "", err
	}
	defer lock.Release()
	j, found, err := readJournal(ctx, c, jpath)
	if err != nil || !found {
		return "", err // another process finished it while this one waited
	}
	var paths []string
	for _, f := range j.Files {
		paths = append(paths, f.Path)
	}
	if err := cleanStrays(ctx, c, append(paths, jpath)); err != nil {
		return "", err
	}
	if err := restoreJournal(ctx, c, j); err != nil {
		return "", fmt.Errorf("an earlier apply on %s was interrupted; putting back its files from %s failed: %w. "+
			"The journal stays; the next plan tries again", c.Addr(), jpath, err)
	}
	msg := fmt.Sprintf("An earlier apply on %s was interrupted before it was confirmed. %s were put back as they were before it (from %s)",
		c.Addr(), strings.Join(paths, ", "), jpath)
	if err := c.Remove(ctx, jpath); err != nil {
		return "", fmt.Errorf("%s, but removing %s failed: %w", msg, jpath, err)
	}
	if restart != "" {
		if err := run(ctx, c, restart); err != nil {
			return fmt.Sprintf("%s, but restarting the service with them failed: %v. Check the service.", msg, err), nil
		}
		msg += " and the service restarted with them"
	}
	return msg + ". The next apply makes the change again.", nil
}

// state is what look found on the host.
type state struct {
	cur          []transport.File // the change's files, in order
	journal      *journal
	journalFound bool
	strays       []string // temporary files of interrupted writes
}

func look(ctx context.Context, c *transport.Conn, files []File) (*state, error) {
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.Path
	}
	cur, err := c.ReadFiles(ctx, paths)
	if err != nil {
		return nil, fmt.Errorf("reading the files before changing them: %w", err)
	}
	st := &state{cur: cur}
	if st.journal, st.journalFound, err = readJournal(ctx, c, JournalPath(files[0].Path)); err != nil {
		return nil, err
	}
	if st.strays, err = findStrays(ctx, c, append(paths, JournalPath(files[0].Path))); err != nil {
		return nil, err
	}
	return st, nil
}

// changed lists the indexes of the files that differ from what the host has.
func (st *state) changed(files []File) []int {
	var out []int
	for i, f := range files {
		info, data := st.cur[i].Info, st.cur[i].Data
		if f.Remove {
			if info.Exists {
				out = append(out, i)
			}
			continue
		}
		same := info.Exists && bytes.Equal(data, f.Data) && info.Mode.Perm() == f.Mode.Perm() &&
			(f.UID < 0 || info.UID == f.UID) && (f.GID < 0 || info.GID == f.GID)
		if !same {
			out = append(out, i)
		}
	}
	return out
}

// findStrays lists the temporary files (".NAME.tf-*", see transport.WriteFileAtomic) that
// an interrupted write left beside each path.
func findStrays(ctx context.Context, c *transport.Conn, paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		dir, name := path.Split(p)
		m, err := c.Glob(ctx, path.Join(dir, "."+globEscape(name)+".tf-*"))
		if err != nil {
			return nil, fmt.Errorf("looking for temporary files beside %s: %w", p, err)
		}
		out = append(out, m...)
	}
	return out, nil
}

func cleanStrays(ctx context.Context, c *transport.Conn, paths []string) error {
	strays, err := findStrays(ctx, c, paths)
	if err != nil {
		return err
	}
	for _, p := range strays {
		if err := c.Remove(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

func globEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`).Replace(s)
}

func restartAndVerify(ctx context.Context, c *transport.Conn, ch Change) error {
	if ch.Restart != "" {
		if err := run(ctx, c, ch.Restart); err != nil {
			if ch.Explain != nil {
				if why := ch.Explain(ctx); why != "" {
					return fmt.Errorf("%w\n\n%s", err, why)
				}
			}
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

// rollback puts every file of the journal back, restarts when the service may have seen
// the new files, and removes the journal. It reaches the host again when the connection
// dropped; whatever it cannot do, the journal on the host still can.
func rollback(ctx context.Context, c *transport.Conn, lock *transport.HostLock, ch Change, j *journal, failure error, restart bool) error {
	// The rollback must happen even when the apply was interrupted (Ctrl-C cancels ctx).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackBudget)
	defer cancel()
	host, jpath := c.Addr(), JournalPath(ch.Files[0].Path)
	keep := fmt.Sprintf("The files as they were before this apply are kept on %s in %s (root-only); the next plan or apply "+
		"puts them back and restarts the service. Do not remove it by hand unless you restore the files yourself", host, jpath)
	c2, err := c.Redial(ctx)
	if err == nil && !c2.SameConnection(c) {
		tflog.Info(ctx, "connection lost during the apply; redialled for the rollback", map[string]any{"ssh_addr": host})
		err = lock.Reattach(ctx, c2)
	}
	if err != nil {
		return fmt.Errorf("%w\n\nThe rollback could not reach %s: %v. %s.", failure, host, err, keep)
	}
	var paths []string
	for _, f := range j.Files {
		paths = append(paths, f.Path)
	}
	if err := errors.Join(restoreJournal(ctx, c2, j), cleanStrays(ctx, c2, append(paths, jpath))); err != nil {
		return fmt.Errorf("%w\n\nPutting the previous files back ALSO failed: %v. %s.", failure, err, keep)
	}
	names := paths
	were, them := "were", "them"
	if len(names) == 1 {
		were, them = "was", "it"
	}
	msg := fmt.Sprintf("%v\n\nOn %s, the previous %s %s put back", failure, host, strings.Join(names, ", "), were)
	// The files are as before: the journal has done its work, whatever the restart says.
	if err := c2.Remove(ctx, jpath); err != nil {
		msg += fmt.Sprintf(" (removing %s failed: %v; remove it by hand)", jpath, err)
	}
	if restart && ch.Restart != "" {
		if err := run(ctx, c2, ch.Restart); err != nil {
			return fmt.Errorf("%s, but restarting with them failed too: %v. Check the service on %s", msg, err, host)
		}
		msg += " and the service restarted with " + them
	}
	return errors.New(msg + ".")
}

// tidy removes the temporary file of a journal write that failed (the connection may have
// dropped: it redials). Nothing else changed yet.
func tidy(ctx context.Context, c *transport.Conn, jpath string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackBudget)
	defer cancel()
	c2, err := c.Redial(ctx)
	if err == nil {
		err = cleanStrays(ctx, c2, []string{jpath})
	}
	if err != nil {
		return fmt.Errorf("the temporary file of the journal could not be removed (%v); the next apply removes it", err)
	}
	return nil
}

func keepOriginal(ctx context.Context, c *transport.Conn, p string, cur transport.File) error {
	files, err := c.ReadFiles(ctx, []string{p + OriginalSuffix, p + AbsentSuffix})
	if err != nil {
		return fmt.Errorf("checking for an earlier copy of %s: %w", p, err)
	}
	if files[0].Info.Exists || files[1].Info.Exists {
		return nil // the copy from before the first change stays
	}
	if cur.Info.Exists {
		err = c.WriteFileAtomic(ctx, p+OriginalSuffix, cur.Data, cur.Info.Mode, cur.Info.UID, cur.Info.GID)
	} else {
		err = c.WriteFileAtomic(ctx, p+AbsentSuffix, nil, 0o600, -1, -1)
	}
	if err != nil {
		return fmt.Errorf("keeping a copy of the original %s: %w", p, err)
	}
	return nil
}

// Restore puts back the files as they were before the provider first changed them (or
// removes those that did not exist), all in one change (journal, restart, rollback on a
// failed restart), then removes the copies. paths[0] is the main file; paths without a
// copy are left alone. Without any copy it does nothing and says so.
func Restore(ctx context.Context, c *transport.Conn, paths []string, restart string) (restored bool, err error) {
	var names []string
	for _, p := range paths {
		names = append(names, p+OriginalSuffix, p+AbsentSuffix)
	}
	copies, err := c.ReadFiles(ctx, names)
	if err != nil {
		return false, err
	}
	var files []File
	var done []string
	for i, p := range paths {
		orig, absent := copies[2*i], copies[2*i+1]
		switch {
		case orig.Info.Exists:
			files = append(files, File{Path: p, Data: orig.Data, Mode: orig.Info.Mode, UID: orig.Info.UID, GID: orig.Info.GID})
			done = append(done, orig.Path)
		case absent.Info.Exists:
			files = append(files, File{Path: p, Remove: true})
			done = append(done, absent.Path)
		}
	}
	if len(files) == 0 {
		return false, nil
	}
	if files[0].Path != paths[0] {
		// Only drop-ins have copies: the main file joins the change unchanged, because the
		// journal lives beside it.
		cur, info, err := c.ReadFile(ctx, paths[0])
		if err != nil {
			return false, err
		}
		main := File{Path: paths[0], Remove: true}
		if info.Exists {
			main = File{Path: paths[0], Data: cur, Mode: info.Mode, UID: info.UID, GID: info.GID}
		}
		files = slices.Insert(files, 0, main)
	}
	if _, err := Apply(ctx, c, Change{Files: files, Restart: restart, ForceRestart: true}); err != nil {
		return false, err
	}
	for _, p := range done {
		if err := c.Remove(ctx, p); err != nil {
			return true, err
		}
	}
	return true, nil
}

// journal is the rollback journal: every file of a change as it was before the change.
type journal struct {
	Version int     `json:"version"`
	Files   []saved `json:"files"`
}

type saved struct {
	Path   string `json:"path"`
	Exists bool   `json:"exists"`
	Mode   uint32 `json:"mode"`
	UID    int    `json:"uid"`
	GID    int    `json:"gid"`
	Data   []byte `json:"data"`
}

func (j *journal) find(p string) *saved {
	for i := range j.Files {
		if j.Files[i].Path == p {
			return &j.Files[i]
		}
	}
	return nil
}

// journalOwner is the owner the journal is written with and must have when read back:
// root when the login can be root, else the login's own (-1).
func journalOwner(c *transport.Conn) int {
	if c.Sudo() || c.User() == "root" {
		return 0
	}
	return -1
}

func writeJournal(ctx context.Context, c *transport.Conn, jpath string, j *journal) error {
	data, err := json.Marshal(j)
	if err != nil {
		return err
	}
	o := journalOwner(c)
	if err := c.WriteFileAtomic(ctx, jpath, data, 0o600, o, o); err != nil {
		return fmt.Errorf("saving the files as they are before changing them (%s): %w", jpath, err)
	}
	return nil
}

// readJournal reads and checks a journal. One that root did not write (another owner, a
// wider mode) or that does not parse is refused, never restored from: a service account
// that can write the directory must not get its own content written back as root.
func readJournal(ctx context.Context, c *transport.Conn, jpath string) (*journal, bool, error) {
	data, info, err := c.ReadFile(ctx, jpath)
	if err != nil {
		return nil, false, fmt.Errorf("reading the rollback journal %s: %w", jpath, err)
	}
	if !info.Exists {
		return nil, false, nil
	}
	bad := func(why string) (*journal, bool, error) {
		return nil, true, fmt.Errorf("%s on %s looks like the rollback journal of an interrupted apply, but %s: nothing was changed. "+
			"Check it, restore the files it names by hand if needed, and remove it", jpath, c.Addr(), why)
	}
	if !info.IsRegular {
		return bad("it is not a regular file")
	}
	if o := journalOwner(c); info.Mode.Perm() != 0o600 || (o >= 0 && info.UID != o) {
		return bad(fmt.Sprintf("its mode is %04o and owner uid %d (the provider writes 0600, uid 0)", info.Mode.Perm(), info.UID))
	}
	var j journal
	if err := json.Unmarshal(data, &j); err != nil || j.Version != 1 || len(j.Files) == 0 {
		return bad("it does not parse")
	}
	for _, f := range j.Files {
		if !path.IsAbs(f.Path) || path.Clean(f.Path) != f.Path {
			return bad(fmt.Sprintf("it names %q", f.Path))
		}
	}
	return &j, true, nil
}

// restoreJournal puts every file of j back: content, mode and owner, or removes it when it
// did not exist.
func restoreJournal(ctx context.Context, c *transport.Conn, j *journal) error {
	var errs []error
	for _, f := range j.Files {
		var err error
		if f.Exists {
			err = c.WriteFileAtomic(ctx, f.Path, f.Data, os.FileMode(f.Mode), f.UID, f.GID)
		} else {
			err = c.Remove(ctx, f.Path)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
