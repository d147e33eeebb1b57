package transport

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostscript"
)

//go:embed sftp_server.sh
var sftpServerSh string

// sftpServerScript starts the SFTP server with umask 077 (sftp_server.sh).
var sftpServerScript = hostscript.New("sftp_server.sh", sftpServerSh)

// sftpCommand is the command line that starts the SFTP server: always through `sh -c` with
// `umask 077` first (under `sudo -n --` when sudo is on), never the "sftp" subsystem.
//
// pkg/sftp's OpenFile sends no mode, so a server creates a file 0666 minus the umask it
// inherited from sshd, the login shell or sudo: 0644 on most hosts, 0666 under umask 000,
// readable by any local user until a chmod one round trip later, which is long enough for
// a watcher to open it and read what is written next. With umask 077 every file the server
// creates is born 0600 (owner only) for any server and any umask on the host; the subsystem
// request could not set it. A server path that starts with "-" is run as "./-..." (a path
// relative to the login directory), so neither sh nor exec reads it as an option.
func sftpCommand(sudo bool, server string) string {
	if strings.HasPrefix(server, "-") {
		server = "./" + server
	}
	cmd := Join(sftpServerScript.MustCommand(hostscript.Args{"SERVER": server}))
	if sudo {
		cmd = sudoCommand(cmd)
	}
	return cmd
}

// sftpServerName names the SFTP server for logs and messages (the command line is a script).
func sftpServerName(server string) string {
	if server == "" {
		return "the first sftp-server found"
	}
	return server
}

// sudoCommand runs the command line cmd as root through `sudo -n --`: -n so sudo never
// waits for a password on a terminal, -- so nothing in cmd is read as an option of sudo.
func sudoCommand(cmd string) string {
	return "sudo -n -- " + cmd
}

// ErrSudoPassword is matched (errors.Is) by errors returned when `sudo -n`
// refuses to run because it wants a password.
var ErrSudoPassword = errors.New("sudo requires a password")

// SudoPasswordError says that sudo on a host wants a password for the user.
type SudoPasswordError struct {
	Host, User string
	// Stderr is what sudo printed.
	Stderr string
}

func (e *SudoPasswordError) Error() string {
	return fmt.Sprintf("sudo on %s requires a password for %s: allow NOPASSWD for the commands or set sudo = false (sudo said: %s)",
		e.Host, e.User, strings.TrimSpace(e.Stderr))
}

// Unwrap makes errors.Is(err, ErrSudoPassword) true.
func (e *SudoPasswordError) Unwrap() error { return ErrSudoPassword }

// isSudoPasswordMessage recognises sudo's "I need a password" messages.
func isSudoPasswordMessage(stderr string) bool {
	return strings.Contains(stderr, "sudo: a password is required") ||
		strings.Contains(stderr, "sudo: a terminal is required")
}

// limitedBuffer keeps the first max bytes written to it; safe for concurrent use.
type limitedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// ReadFrom: see copySmall.
func (b *limitedBuffer) ReadFrom(r io.Reader) (int64, error) { return copySmall(b, r) }

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// sftpClient returns the connection's shared SFTP client for (sudo, server),
// opening it on first use or after its session ended, and the channel closed when
// that session has ended.
func (c *sshConn) sftpClient(ctx context.Context, sudo bool, server, sudoPassword string) (*sftp.Client, chan struct{}, error) {
	key := fmt.Sprintf("%t|%s", sudo, server)
	c.mu.Lock()
	slot := c.sftps[key]
	if slot == nil {
		slot = &sftpSlot{lock: newCtxMutex()}
		c.sftps[key] = slot
	}
	c.mu.Unlock()

	if err := slot.lock.lock(ctx); err != nil {
		return nil, nil, fmt.Errorf("waiting for the SFTP session on %s: %w", c.addr, err)
	}
	defer slot.lock.unlock()
	if slot.client != nil {
		select {
		case <-slot.dead:
		default:
			return slot.client, slot.dead, nil
		}
	}
	client, dead, err := c.openSFTP(ctx, sudo, server, sudoPassword)
	if err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	slot.client, slot.dead = client, dead
	c.mu.Unlock()
	return client, dead, nil
}

// openSFTP starts an SFTP server on a new session holding one channel slot
// until the session ends.
func (c *sshConn) openSFTP(ctx context.Context, sudo bool, server, sudoPassword string) (*sftp.Client, chan struct{}, error) {
	if err := c.acquire(ctx); err != nil {
		return nil, nil, err
	}
	sess, err := c.client.NewSession()
	if err != nil {
		c.release()
		return nil, nil, fmt.Errorf("cannot open an SSH session on %s for SFTP: %w", c.addr, err)
	}
	stats.channels.Add(1)
	stats.sftpSessions.Add(1)
	fail := func(err error) (*sftp.Client, chan struct{}, error) {
		sess.Close()
		c.release()
		return nil, nil, err
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		return fail(err)
	}
	stderr := &limitedBuffer{max: 16 << 10}

	what := sftpCommand(sudo && sudoPassword == "", server)
	// With a sudo password the server is started through sudo's gate (sudo.go): the
	// password line goes first on standard input, the SFTP protocol only once it runs.
	var gate *sudoGate
	var stdin io.WriteCloser
	if sudo && sudoPassword != "" {
		what, gate = newSudoGate(c.host, c.user, sudoPassword).wrap(what)
		pr, pw := io.Pipe()
		stdin = pw
		err = gate.attach(sess, pr, stderr)
	} else {
		sess.Stderr = stderr
		stdin, err = sess.StdinPipe()
	}
	if err != nil {
		return fail(err)
	}
	tflog.Debug(ctx, "ssh sftp open", map[string]any{"ssh_addr": c.addr, "ssh_user": c.user, "sftp_server": sftpServerName(server), "sudo": sudo})
	if err = sess.Start(what); err != nil {
		return fail(fmt.Errorf("cannot start the SFTP server on %s (%s): %w", c.addr, sftpServerName(server), err))
	}
	// The client reads the server's output through a pipe that closing the client breaks
	// at once (see sessionCloser). The version handshake waits for the server: one that
	// never answers is abandoned when ctx ends.
	out := abortableReader(stdout)
	stopWatch := context.AfterFunc(ctx, func() {
		out.CloseWithError(context.Cause(ctx))
		sess.Close()
	})
	client, err := sftp.NewClientPipe(out.r, sessionCloser{stdin, sess, out})
	if !stopWatch() {
		if err == nil {
			client.Close()
		}
		_ = stdin.Close() // ends the sudo gate's copy, if any
		return fail(fmt.Errorf("starting the SFTP server on %s (%s) stopped before it answered: %w", c.addr, what, context.Cause(ctx)))
	}
	if err != nil {
		_ = stdin.Close()                // ends the sudo gate's copy, if any
		waitBounded(sess, 5*time.Second) // let stderr arrive
		if gerr := gate.finish(); gerr != nil {
			return fail(gerr)
		}
		msg := stderr.String()
		if sudo && isSudoPasswordMessage(msg) {
			return fail(&SudoPasswordError{Host: c.host, User: c.user, Stderr: msg})
		}
		hint := ""
		if strings.Contains(msg, "no sftp-server found") {
			hint = "; set the SFTP server path (sftp_server) to where sftp-server is installed"
		}
		return fail(fmt.Errorf("cannot start the SFTP server on %s (%s): %v; stderr: %q%s",
			c.addr, what, err, strings.TrimSpace(msg), hint))
	}
	dead := make(chan struct{})
	go func() {
		_ = client.Wait()
		_ = gate.finish()
		sess.Close()
		c.release()
		close(dead)
	}()
	return client, dead, nil
}

// abortable is the reading end of a pipe fed from a session's stdout by a goroutine.
type abortable struct {
	r *io.PipeReader
	w *io.PipeWriter
}

// abortableReader copies rd into a pipe: closing the pipe's writer ends a Read at once,
// where a Read on the SSH channel itself would wait for the server, which may never come
// (sshd keeps a channel open while its process lives, and a stopped sftp-server lives). The
// copying goroutine ends when the channel does.
func abortableReader(rd io.Reader) abortable {
	r, w := io.Pipe()
	go func() {
		_, err := copySmall(w, rd) // lives as long as the session: a small buffer
		w.CloseWithError(err)      // nil: io.EOF for the reader
	}()
	return abortable{r: r, w: w}
}

// CloseWithError makes the reader's pending and next Reads fail with err.
func (a abortable) CloseWithError(err error) { a.w.CloseWithError(err) }

// sessionCloser is the SFTP client's writing end: closing it (sftp.Client.Close) also
// breaks the client's reading pipe and closes the session, so the client's receive loop
// ends and every pending request fails now, even when the server has stopped answering.
type sessionCloser struct {
	io.WriteCloser
	sess *ssh.Session
	out  abortable
}

var errSFTPClosed = errors.New("the SFTP session was closed")

func (w sessionCloser) Close() error {
	err := w.WriteCloser.Close()
	w.out.CloseWithError(errSFTPClosed)
	w.sess.Close()
	return err
}

// waitBounded waits for the session to end, at most d.
func waitBounded(sess *ssh.Session, d time.Duration) {
	done := make(chan struct{})
	go func() {
		_ = sess.Wait()
		close(done)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// fs returns the SFTP client for this handle, and done, to call (deferred, with the
// operation's error) when the operation ends. pkg/sftp takes no context, so until done a
// watchdog closes the client when ctx ends: a pending request (a host or an sftp-server
// that stopped answering) then returns at once instead of never, and the next operation
// opens a new session. The client is shared by the connection's operations, which fail
// with it ("the SSH connection was lost; retry"); a cancelled Terraform run stops them all
// anyway. done adds to the error that the operation was stopped, and why.
func (c *Conn) fs(ctx context.Context) (client *sftp.Client, done func(*error), err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("SFTP on %s: %w", c.sc.addr, err)
	}
	client, dead, err := c.sc.sftpClient(ctx, c.sudo, c.sftpServer, c.sudoPassword)
	if err != nil {
		return nil, nil, err
	}
	c.sc.touch()
	stop := context.AfterFunc(ctx, func() { client.Close() })
	return client, func(errp *error) {
		if !stop() {
			// The watchdog closed the client: wait until its session is marked ended,
			// so that the next operation opens a new one instead of getting this one.
			<-dead
		}
		if *errp != nil && ctx.Err() != nil && !errors.Is(*errp, ctx.Err()) {
			*errp = fmt.Errorf("%w (stopped: %w)", *errp, context.Cause(ctx))
		}
	}, nil
}

// FileInfo describes a remote file. Mode holds permission bits only.
type FileInfo struct {
	Exists    bool
	Mode      os.FileMode
	UID, GID  int
	Size      int64
	IsDir     bool
	IsSocket  bool
	IsRegular bool
}

func toFileInfo(fi os.FileInfo) FileInfo {
	out := FileInfo{
		Exists:    true,
		Mode:      fi.Mode().Perm(),
		Size:      fi.Size(),
		IsDir:     fi.IsDir(),
		IsSocket:  fi.Mode()&os.ModeSocket != 0,
		IsRegular: fi.Mode().IsRegular(),
		UID:       -1,
		GID:       -1,
	}
	if st, ok := fi.Sys().(*sftp.FileStat); ok {
		out.UID, out.GID = int(st.UID), int(st.GID)
	}
	return out
}

// Stat describes path (following symlinks). A missing path is
// FileInfo{Exists: false} and no error.
func (c *Conn) Stat(ctx context.Context, p string) (_ FileInfo, err error) {
	fs, done, err := c.fs(ctx)
	if err != nil {
		return FileInfo{}, err
	}
	defer done(&err)
	fi, err := fs.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return FileInfo{}, nil
	}
	if err != nil {
		return FileInfo{}, c.fileErr("stat", p, err)
	}
	return toFileInfo(fi), nil
}

// Lstat describes path itself: a symbolic link is reported as one (not a regular file),
// never followed. A missing path is FileInfo{Exists: false} and no error.
func (c *Conn) Lstat(ctx context.Context, p string) (_ FileInfo, err error) {
	fs, done, err := c.fs(ctx)
	if err != nil {
		return FileInfo{}, err
	}
	defer done(&err)
	fi, err := fs.Lstat(p)
	if errors.Is(err, os.ErrNotExist) {
		return FileInfo{}, nil
	}
	if err != nil {
		return FileInfo{}, c.fileErr("lstat", p, err)
	}
	return toFileInfo(fi), nil
}

// ReadFile reads a whole file. A missing file is nil data,
// FileInfo{Exists: false} and no error.
func (c *Conn) ReadFile(ctx context.Context, p string) (_ []byte, _ FileInfo, err error) {
	fs, done, err := c.fs(ctx)
	if err != nil {
		return nil, FileInfo{}, err
	}
	defer done(&err)
	return c.memoRead(ctx, fs, p)
}

// memoRead is readFile shared by the reads of the walk (readMemo): p is read once until
// something changes on the host, and each directory on the way is checked once.
func (c *Conn) memoRead(ctx context.Context, fs *sftp.Client, p string) ([]byte, FileInfo, error) {
	key := c.memoKey()
	return c.sc.memo.read(ctx, key+"\x00"+p, func() ([]byte, FileInfo, error) {
		return c.readFile(ctx, fs, p, c.sc.memo.dirMemo(key))
	})
}

// MaxReadSize is the most ReadFile and ReadFiles read of one file: 4 MiB. The files the
// provider reads (ntopng.conf and its drop-ins, redis.conf and its includes, PEM bundles,
// /etc/passwd and /etc/group) are a few KiB; a bigger one is a mistake or an attack (an
// `include /dev/zero`, a drop-in linked to a huge file, planted by a compromised service
// account) that would otherwise run the provider out of memory at every plan.
const MaxReadSize = 4 << 20

func (c *Conn) readFile(ctx context.Context, fs *sftp.Client, p string, dirs *dirMemo) ([]byte, FileInfo, error) {
	// As root, refuse a path through a link someone else could have planted (a drop-in
	// linked to /etc/shadow would leak into diagnostics and the state): its directory is
	// checked once per call, the file itself when it is a link.
	var st os.FileInfo
	var err error
	if c.privileged() && path.IsAbs(p) && path.Clean(p) != p {
		// "..", "." or "//" (an include can hold anything): walk it whole, as the kernel
		// will; path.Dir would check another directory than the one read.
		if _, err := c.guard(fs, p); err != nil {
			return nil, FileInfo{}, err
		}
	} else if c.privileged() && path.IsAbs(p) {
		if err := dirs.check(path.Dir(p), func(d string) error { _, err := c.guard(fs, d); return err }); err != nil {
			return nil, FileInfo{}, err
		}
		if li, lerr := fs.Lstat(p); lerr == nil && li.Mode()&os.ModeSymlink != 0 {
			if _, err := c.guard(fs, p); err != nil {
				return nil, FileInfo{}, err
			}
		} else if lerr == nil {
			st = li // not a link: lstat said all that stat would
		}
	}
	// Stat before opening: opening a FIFO blocks the SFTP server until a writer comes,
	// and a device can be endless (/dev/zero).
	if st == nil {
		st, err = fs.Stat(p)
	}
	if errors.Is(err, os.ErrNotExist) {
		tflog.Debug(ctx, "ssh sftp read", map[string]any{"ssh_addr": c.sc.addr, "path": p, "exists": false})
		return nil, FileInfo{}, nil
	}
	if err != nil {
		return nil, FileInfo{}, c.fileErr("stat", p, err)
	}
	if err := c.checkReadable(p, st); err != nil {
		return nil, toFileInfo(st), err
	}
	f, err := fs.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, FileInfo{}, nil
	}
	if err != nil {
		return nil, FileInfo{}, c.fileErr("open", p, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, FileInfo{}, c.fileErr("stat", p, err)
	}
	info := toFileInfo(fi)
	if err := c.checkReadable(p, fi); err != nil { // swapped since the first stat
		return nil, info, err
	}
	data, err := readAll(f, info)
	if errors.Is(err, errTooBig) {
		return nil, info, c.tooBig(p)
	}
	if err != nil {
		return nil, info, c.fileErr("read", p, err)
	}
	tflog.Debug(ctx, "ssh sftp read", map[string]any{"ssh_addr": c.sc.addr, "path": p, "bytes": len(data)})
	return data, info, nil
}

// checkReadable refuses what ReadFile does not read: anything but a regular file, and a
// regular file larger than MaxReadSize.
func (c *Conn) checkReadable(p string, fi os.FileInfo) error {
	m := fi.Mode()
	var kind string
	switch {
	case m.IsRegular():
		if fi.Size() > MaxReadSize {
			return c.tooBig(p)
		}
		return nil
	case m.IsDir():
		kind = "a directory"
	case m&os.ModeNamedPipe != 0:
		kind = "a FIFO (named pipe)"
	case m&os.ModeSocket != 0:
		kind = "a socket"
	case m&os.ModeCharDevice != 0:
		kind = "a character device"
	case m&os.ModeDevice != 0:
		kind = "a block device"
	default:
		kind = "not a regular file"
	}
	return fmt.Errorf("cannot read %s on %s: it is %s; configuration files, includes and certificates must be regular files",
		p, c.sc.addr, kind)
}

func (c *Conn) tooBig(p string) error {
	return fmt.Errorf("cannot read %s on %s: it is larger than %d MiB, the most read of one file (configuration files, includes and certificates are small; is it the file you meant?)",
		p, c.sc.addr, MaxReadSize>>20)
}

var errTooBig = errors.New("file too big")

// readAll reads an open file whose fstat is info. A regular file is read with requests for
// exactly its size: one round trip and one buffer of that size for a configuration file,
// where sftp's WriteTo stats the file again, reads into a 32 KiB buffer and asks once more
// to learn of the end (three round trips and 32 KiB of garbage per file, which a plan over
// hundreds of hosts paid in garbage collection). A file that grows between the fstat and
// the read shows its first info.Size bytes, as if read a moment earlier; one that shrinks
// ends at its new end. Anything else is read to its end, at most MaxReadSize bytes
// (errTooBig past that): an empty file, and pseudo-files such as /proc's, which report
// size 0 and still hold data.
func readAll(f *sftp.File, info FileInfo) ([]byte, error) {
	if info.IsRegular && info.Size > 0 {
		if info.Size > MaxReadSize {
			return nil, errTooBig
		}
		buf := make([]byte, info.Size)
		n, err := f.ReadAt(buf, 0)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		return buf[:n], nil
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxReadSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxReadSize {
		return nil, errTooBig
	}
	return data, nil
}

// ProcPageSize is what ReadProc asks for at a time: about one page of the kernel's output,
// which /proc files produce per read(2).
const ProcPageSize = 4096

// ReadProc reads the /proc file p (the kernel's, made at each read: never shared with the
// walk's other reads) through the SFTP session the reads already have open, instead of a
// `cat` started on the host. /proc files stat with size 0 and still hold data: it reads
// ProcPageSize bytes at a time until the end, MaxReadSize, or until enough, given everything
// read so far, says the rest is not needed (the kernel then never makes the rest). A missing
// file is nil data and no error.
func (c *Conn) ReadProc(ctx context.Context, p string, enough func(data []byte) bool) (_ []byte, err error) {
	if !strings.HasPrefix(p, "/proc/") || path.Clean(p) != p {
		return nil, fmt.Errorf("ReadProc reads files under /proc only, not %q", p)
	}
	fs, done, err := c.fs(ctx)
	if err != nil {
		return nil, err
	}
	defer done(&err)
	f, err := fs.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, c.fileErr("open", p, err)
	}
	defer f.Close()
	var data []byte
	buf := make([]byte, ProcPageSize)
	for {
		n, err := f.Read(buf)
		data = append(data, buf[:n]...)
		if errors.Is(err, io.EOF) || (enough != nil && enough(data)) {
			break
		}
		if err != nil {
			return nil, c.fileErr("read", p, err)
		}
		if len(data) > MaxReadSize {
			return nil, c.tooBig(p)
		}
	}
	tflog.Debug(ctx, "ssh sftp read", map[string]any{"ssh_addr": c.sc.addr, "path": p, "bytes": len(data)})
	return data, nil
}

// File is one result of ReadFiles.
type File struct {
	Path string
	Data []byte
	Info FileInfo
}

// ReadFiles reads paths concurrently over the shared SFTP client and
// returns them in the same order. Missing files have Info.Exists false.
func (c *Conn) ReadFiles(ctx context.Context, paths []string) (_ []File, err error) {
	fs, done, err := c.fs(ctx)
	if err != nil {
		return nil, err
	}
	defer done(&err)
	out := make([]File, len(paths))
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	limit := make(chan struct{}, 16)
	for i, p := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			limit <- struct{}{}
			defer func() { <-limit }()
			data, info, err := c.memoRead(ctx, fs, p)
			out[i] = File{Path: p, Data: data, Info: info}
			errs[i] = err
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// Glob returns the paths matching pattern (path.Match syntax), sorted.
func (c *Conn) Glob(ctx context.Context, pattern string) (_ []string, err error) {
	fs, done, err := c.fs(ctx)
	if err != nil {
		return nil, err
	}
	defer done(&err)
	m, err := fs.Glob(pattern)
	if errors.Is(err, path.ErrBadPattern) {
		return nil, fmt.Errorf("bad glob pattern %q: %w", pattern, err)
	}
	if err != nil {
		return nil, c.fileErr("list", pattern, err)
	}
	sort.Strings(m)
	return m, nil
}

// WriteFileAtomic replaces path with data: it creates a temporary file
// ".<name>.tf-<random>" in the same directory (O_EXCL; born 0600 because the
// SFTP server runs under umask 077, and checked to be so before anything is
// written), sets its owner when uid or gid is >= 0, then its mode, writes and
// fsyncs it, then renames it onto path (posix-rename). A reader sees the old file or the new one,
// never a part. On any failure the temporary file is removed. The directory
// must exist. A symlink at path is replaced by the file, not followed; as
// root, a directory on the way that goes through a link someone other than
// root could have planted is refused (GuardPath). pkg/sftp has no openat, so
// a link swapped in during the few round trips of the write is not caught.
func (c *Conn) WriteFileAtomic(ctx context.Context, p string, data []byte, mode os.FileMode, uid, gid int) (err error) {
	c.sc.memo.changed()
	defer c.sc.memo.changed()
	fs, done, err := c.fs(ctx)
	if err != nil {
		return err
	}
	defer done(&err)
	dir, name := path.Split(p)
	if name == "" || name == "." || name == ".." {
		return fmt.Errorf("cannot write %q on %s: not a file path", p, c.sc.addr)
	}
	dir, dst := path.Clean(dir), p
	if c.privileged() {
		// Checked as given (see guard on ".."); the temporary file and the rename then use
		// the real directory, so no link is followed again.
		real, err := c.guard(fs, p[:len(p)-len(name)])
		if err != nil {
			return err
		}
		dir, dst = real, path.Join(real, name)
	}
	if di, err := fs.Stat(dir); err != nil || !di.IsDir() {
		if err == nil || errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("cannot write %s on %s: directory %s does not exist", p, c.sc.addr, dir)
		}
		return c.fileErr("stat", dir, err)
	}
	for _, ext := range []string{"fsync@openssh.com", "posix-rename@openssh.com"} {
		if _, ok := fs.HasExtension(ext); !ok {
			return fmt.Errorf("cannot write %s on %s atomically: the SFTP server lacks the %s extension (OpenSSH's sftp-server has it)",
				p, c.sc.addr, ext)
		}
	}
	tmp := path.Join(dir, "."+name+".tf-"+randomSuffix())
	f, err := fs.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return c.fileErr("create", tmp, err)
	}
	defer func() {
		if f != nil {
			f.Close()
		}
		if err != nil {
			if rmErr := fs.Remove(tmp); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
				err = fmt.Errorf("%w (and the temporary file %s could not be removed: %v)", err, tmp, rmErr)
			}
		}
	}()
	// The temporary file is born 0600 (the server runs under umask 077, see sftpCommand).
	// Check that before anything is written: a server started some other way (a wrapper
	// that resets the umask) fails here instead of exposing the content.
	fi, err := f.Stat()
	if err != nil {
		return c.fileErr("stat", tmp, err)
	}
	born := toFileInfo(fi)
	if born.Mode&0o077 != 0 || (c.sudo && born.UID != 0) {
		err = fmt.Errorf("refusing to write %s on %s: the SFTP server created the temporary file %s with mode %04o owned by uid %d, "+
			"where 0600 owned by the login user (root with sudo) was expected; start the SFTP server under umask 077 (sftp_server)",
			p, c.sc.addr, tmp, born.Mode, born.UID)
		return err
	}
	// Owner first, then mode: the final mode is never applied while the login user's group
	// owns the file, and the content comes last.
	if uid >= 0 || gid >= 0 {
		if uid < 0 {
			uid = born.UID
		}
		if gid < 0 {
			gid = born.GID
		}
		if err = f.Chown(uid, gid); err != nil {
			return fmt.Errorf("cannot set the owner of %s on %s to %d:%d: %w (writing a file owned by another user needs sudo = true)",
				p, c.sc.addr, uid, gid, err)
		}
	}
	if err = f.Chmod(mode); err != nil {
		return c.fileErr("chmod", tmp, err)
	}
	if _, err = f.Write(data); err != nil {
		return c.fileErr("write", tmp, err)
	}
	if err = f.Sync(); err != nil {
		return c.fileErr("fsync", tmp, err)
	}
	err = f.Close()
	f = nil
	if err != nil {
		return c.fileErr("close", tmp, err)
	}
	if err = fs.PosixRename(tmp, dst); err != nil {
		return fmt.Errorf("cannot rename %s onto %s on %s: %w", tmp, p, c.sc.addr, err)
	}
	tflog.Debug(ctx, "ssh sftp write", map[string]any{
		"ssh_addr": c.sc.addr, "path": p, "bytes": len(data), "mode": fmt.Sprintf("%04o", mode.Perm()), "uid": uid, "gid": gid,
	})
	return nil
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Remove deletes path (a file or an empty directory; a link itself, not what it
// points to). A missing path is not an error. As root, a directory on the way
// that goes through an untrusted link is refused (GuardPath).
func (c *Conn) Remove(ctx context.Context, p string) (err error) {
	c.sc.memo.changed()
	defer c.sc.memo.changed()
	fs, done, err := c.fs(ctx)
	if err != nil {
		return err
	}
	defer done(&err)
	if c.privileged() {
		if dir, _ := path.Split(p); dir != "" {
			if _, err := c.guard(fs, dir); err != nil { // dir as given: see guard on ".."
				return err
			}
		}
	}
	err = fs.Remove(p)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return c.fileErr("remove", p, err)
	}
	tflog.Debug(ctx, "ssh sftp remove", map[string]any{"ssh_addr": c.sc.addr, "path": p, "existed": err == nil})
	return nil
}

// fileErr wraps a file operation error with the host and a hint for
// permission problems.
func (c *Conn) fileErr(op, p string, err error) error {
	hint := ""
	if errors.Is(err, os.ErrPermission) && !c.sudo {
		hint = fmt.Sprintf(" (user %s lacks permission; set sudo = true to elevate file operations)", c.sc.user)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, sftp.ErrSSHFxConnectionLost) {
		hint = " (the SSH connection was lost; retry)"
	}
	return fmt.Errorf("cannot %s %s on %s: %w%s", op, p, c.sc.addr, err, hint)
}
