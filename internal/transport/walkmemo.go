package transport

import (
	"bytes"
	"context"
	"sync"
)

// readMemo is what the reads of one connection share: the files read (ReadFile, ReadFiles)
// and the directories the link guard checked. A provider process is one Terraform walk and
// holds its connections for that walk only, so nothing here outlives the walk; within it an
// entry is good only until this process changes anything on the host. Every operation that
// can (WriteFileAtomic, Remove, Run, RunShell, taking the host lock) calls changed, before and
// after, which drops everything; Query (a command that changes nothing) does not. So the
// resources of one host that read the same file in a plan (ntopng_instance and ntopng_tls_cert
// both read /etc/passwd and /etc/group) read it once, and each directory on the way to the
// files is checked once, while a read after a write reads the host again.
type readMemo struct {
	mu    sync.Mutex
	files map[string]*memoFile
	dirs  map[string]*dirMemo
}

// memoFile is one file read, shared by the reads that ask for it while it is read.
type memoFile struct {
	done chan struct{}
	data []byte
	info FileInfo
	err  error
}

// changed drops everything read so far: the host may have changed.
func (m *readMemo) changed() {
	m.mu.Lock()
	m.files, m.dirs = nil, nil
	m.mu.Unlock()
}

// dirMemo returns the directory checks shared by the reads of handles of one kind (key).
func (m *readMemo) dirMemo(key string) *dirMemo {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.dirs == nil {
		m.dirs = map[string]*dirMemo{}
	}
	d := m.dirs[key]
	if d == nil {
		d = &dirMemo{}
		m.dirs[key] = d
	}
	return d
}

// read returns the file at key, read by read unless it was read (or is being read) since the
// last change. A failed read is not kept: the next one asks the host again. Each caller gets
// its own copy of the data.
func (m *readMemo) read(ctx context.Context, key string, read func() ([]byte, FileInfo, error)) ([]byte, FileInfo, error) {
	m.mu.Lock()
	if m.files == nil {
		m.files = map[string]*memoFile{}
	}
	e, found := m.files[key]
	if !found {
		e = &memoFile{done: make(chan struct{})}
		m.files[key] = e
	}
	m.mu.Unlock()
	if !found {
		e.data, e.info, e.err = read()
		if e.err != nil {
			m.mu.Lock()
			if m.files[key] == e {
				delete(m.files, key)
			}
			m.mu.Unlock()
		}
		close(e.done)
		return bytes.Clone(e.data), e.info, e.err
	}
	select {
	case <-e.done:
	case <-ctx.Done():
		return nil, FileInfo{}, ctx.Err()
	}
	if e.err != nil {
		return nil, e.info, e.err
	}
	return bytes.Clone(e.data), e.info, nil
}

// memoKey is the kind of handle a read is shared among: the same login, privileges and
// SFTP server read the same files.
func (c *Conn) memoKey() string {
	if c.sudo {
		return "sudo " + c.sftpServer
	}
	return "login " + c.sftpServer
}
