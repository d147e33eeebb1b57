package transport

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"sync"

	"github.com/pkg/sftp"
)

// maxLinks bounds the symbolic links one path may go through (Linux's own limit).
const maxLinks = 40

// UntrustedLinkError says that a path goes through a symbolic link that a user other than
// root could have planted, so root refuses to follow it.
type UntrustedLinkError struct {
	Host, Link, Target string
	// LinkUID owns the link; DirUID and DirMode are those of the directory holding it.
	LinkUID, DirUID int
	DirMode         os.FileMode
	// Path is the path being written, removed, read or prepared.
	Path string
}

func (e *UntrustedLinkError) Error() string {
	return fmt.Sprintf("refusing to follow the symbolic link %s -> %q on %s (for %s): the link is owned by uid %d in a directory "+
		"owned by uid %d with mode %04o, so a user other than root could have planted it, and root would then write, "+
		"change the owner of, or read whatever it points to; replace the link with the real path, or make it owned by "+
		"root in a directory only root can write",
		e.Link, e.Target, e.Host, e.Path, e.LinkUID, e.DirUID, e.DirMode)
}

// privileged reports whether file operations on this handle run as root (sudo, or a root
// login): only then can following a planted link hand someone else's rights to its planter.
func (c *Conn) privileged() bool { return c.sudo || c.sc.user == "root" }

// GuardPath checks, when the handle is privileged, that no component of the absolute path
// p (the last one included) is a symbolic link a user other than root could have planted,
// and returns p with the trusted links resolved. A link is trusted only when root owns it
// and the directory holding it is owned by root and writable by nobody else (say
// /var/run -> /run). Components that do not exist end the walk: whatever is created there
// is created inside a directory that was checked. An untrusted link is an
// *UntrustedLinkError naming it and its owner. A handle that is not privileged follows
// links with the login user's own rights, and p is returned unchecked.
func (c *Conn) GuardPath(ctx context.Context, p string) (_ string, err error) {
	if !c.privileged() {
		return p, nil
	}
	fs, done, err := c.fs(ctx)
	if err != nil {
		return "", err
	}
	defer done(&err)
	return c.guard(fs, p)
}

// guard walks p component by component with lstat (see GuardPath).
func (c *Conn) guard(fs *sftp.Client, p string) (string, error) {
	if !path.IsAbs(p) {
		return "", fmt.Errorf("cannot check %q on %s: not an absolute path", p, c.sc.addr)
	}
	// Not path.Clean: "a/link/.." is where the link leads, then up, for the kernel; the
	// walk resolves each ".." from the real directory reached so far, as the kernel does.
	rest := strings.Split(p, "/")
	cur := "/"
	links := 0
	for len(rest) > 0 {
		name := rest[0]
		rest = rest[1:]
		switch name {
		case "", ".":
			continue
		case "..":
			cur = path.Dir(cur)
			continue
		}
		next := path.Join(cur, name)
		fi, err := fs.Lstat(next)
		if errors.Is(err, os.ErrNotExist) {
			return path.Join(append([]string{next}, rest...)...), nil
		}
		if err != nil {
			return "", c.fileErr("lstat", next, err)
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			cur = next
			continue
		}
		if links++; links > maxLinks {
			return "", fmt.Errorf("cannot resolve %s on %s: more than %d symbolic links", p, c.sc.addr, maxLinks)
		}
		target, err := fs.ReadLink(next)
		if err != nil {
			return "", c.fileErr("readlink", next, err)
		}
		dir, err := fs.Lstat(cur)
		if err != nil {
			return "", c.fileErr("lstat", cur, err)
		}
		link, parent := toFileInfo(fi), toFileInfo(dir)
		if link.UID != 0 || parent.UID != 0 || parent.Mode&0o022 != 0 {
			return "", &UntrustedLinkError{Host: c.sc.addr, Link: next, Target: target, Path: p,
				LinkUID: link.UID, DirUID: parent.UID, DirMode: parent.Mode}
		}
		if path.IsAbs(target) {
			cur = "/"
		}
		rest = append(strings.Split(target, "/"), rest...)
	}
	return cur, nil
}

// dirMemo checks each directory once for the reads that share it (readMemo).
type dirMemo struct {
	mu   sync.Mutex
	errs map[string]*dirCheck
}

type dirCheck struct {
	once sync.Once
	err  error
}

func (m *dirMemo) check(dir string, f func(string) error) error {
	m.mu.Lock()
	if m.errs == nil {
		m.errs = map[string]*dirCheck{}
	}
	d := m.errs[dir]
	if d == nil {
		d = &dirCheck{}
		m.errs[dir] = d
	}
	m.mu.Unlock()
	d.once.Do(func() { d.err = f(dir) })
	if d.err != nil {
		// A failure is not kept: the walk's next read checks again (the memo is shared by
		// the walk's reads, see readMemo, and a lost session must not fail them all).
		m.mu.Lock()
		if m.errs[dir] == d {
			delete(m.errs, dir)
		}
		m.mu.Unlock()
	}
	return d.err
}
