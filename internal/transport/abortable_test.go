//go:build linux

package transport

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/pkg/sftp"
)

// The SFTP client reads through abortableReader (see openSFTP): with a local sftp-server
// (no network, no sshd) the client works through it, and breaking the pipe ends a request
// pending on a server that stopped answering (SIGSTOP), which a close of the server's
// input alone does not.
func TestAbortableReaderEndsPendingSFTPRequests(t *testing.T) {
	const server = "/usr/lib/openssh/sftp-server"
	if _, err := os.Stat(server); err != nil {
		t.Skipf("%s is not installed", server)
	}
	cmd := exec.Command(server)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	out := abortableReader(stdout)
	client, err := sftp.NewClientPipe(out.r, stdin)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := client.Stat("/"); err != nil || !fi.IsDir() {
		t.Fatalf("Stat(/) through the pipe: %v, %v", fi, err)
	}
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGCONT) }()
	done := make(chan error, 1)
	go func() { _, err := client.Stat("/etc"); done <- err }()
	stop := errors.New("stopped by the test")
	time.AfterFunc(200*time.Millisecond, func() { out.CloseWithError(stop) })
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a request to a stopped server succeeded")
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the pending request had not ended 60 s after the pipe was broken")
	}
	_ = client.Close() // its stdin is closed already: the error says so
}
