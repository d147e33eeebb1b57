package redisconf

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestRealRedisLoadsQuotedValues writes configuration files with Edit, starts
// the real redis-server on them, and reads the values back with CONFIG GET:
// what Quote writes is what Redis reads.
func TestRealRedisLoadsQuotedValues(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not on PATH (apt-get install redis-server): cannot check that Redis reads what Edit writes")
	}

	t.Run("tricky values", func(t *testing.T) {
		dir := t.TempDir()
		password := "Ab1!#$%&()*+,-./:;<=>?@[]^_{|}~Zz9"
		if err := ValidatePassword(password); err != nil {
			t.Fatal(err)
		}
		masterauth := "sp ace \"dq\" 'sq' \\back #hash \\x41 tab\tnl\ncr\r\xc3\xa9\x01\x7f\xff"
		sock := filepath.Join(dir, `we ird #'"s.sock`)
		orig := "# a stale password the edit must replace\nrequirepass old-password\nport 1\n"
		srv := startRedis(t, bin, dir, orig, []Setting{
			{Name: "requirepass", Args: []string{password}},
			{Name: "masterauth", Args: []string{masterauth}},
			{Name: "unixsocket", Args: []string{sock}},
			{Name: "unixsocketperm", Args: []string{"700"}},
			{Name: "rename-command", Args: []string{"FLUSHALL", ""}, Multi: true},
			{Name: "rename-command", Args: []string{"ECHO", "my echo"}, Multi: true},
		})

		c := srv.dial(t, "tcp", srv.addr)
		if r := c.do(t, "PING"); !isErr(r, "NOAUTH") {
			t.Fatalf("PING before AUTH = %q, want a NOAUTH error", r)
		}
		if r := c.do(t, "AUTH", password); r != "OK" {
			t.Fatalf("AUTH = %q", r)
		}
		wantConfig(t, c, "requirepass", password)
		wantConfig(t, c, "masterauth", masterauth)
		wantConfig(t, c, "unixsocket", sock)
		wantConfig(t, c, "save", "")
		realDir, err := filepath.EvalSymlinks(dir)
		if err != nil {
			t.Fatal(err)
		}
		wantConfig(t, c, "dir", realDir)
		if r := c.do(t, "FLUSHALL"); !isErr(r, "ERR unknown command") {
			t.Fatalf("FLUSHALL after rename-command FLUSHALL \"\" = %q, want unknown command", r)
		}
		if r := c.do(t, "my echo", "hi"); r != "hi" {
			t.Fatalf("\"my echo\" hi = %q, want hi", r)
		}

		u := srv.dial(t, "unix", sock)
		if r := u.do(t, "AUTH", password); r != "OK" {
			t.Fatalf("AUTH over the unix socket = %q", r)
		}
		if r := u.do(t, "PING"); r != "PONG" {
			t.Fatalf("PING over the unix socket = %q", r)
		}
	})

	// Lines written by hand, not by Quote: Redis must read them as SplitArgs
	// does, and refuse to start where SplitArgs fails.
	rawLines := []string{
		"masterauth a\vb",
		"masterauth ab\"cd ef\"",
		"masterauth \"\\x4\\xZZ\\X41\\x4a\\q\"",
		"masterauth 'it\\'s \\n'",
		"masterauth \"x\"\v",
		"masterauth \\\"a b\"",
		"masterauth \"abc",
		"masterauth 'a'b",
		"masterauth \"a\"\xa0",
	}
	for i, line := range rawLines {
		t.Run(fmt.Sprintf("raw line %d", i), func(t *testing.T) {
			args, splitErr := parseLine(line)
			srv, exitLog := launchRedis(t, bin, t.TempDir(), line+"\n", nil)
			if splitErr != nil {
				if srv != nil || !strings.Contains(exitLog, "Unbalanced quotes") {
					t.Fatalf("SplitArgs rejects %q but redis-server did not refuse it; log:\n%s", line, exitLog)
				}
				return
			}
			if srv == nil {
				t.Fatalf("SplitArgs reads %q as %q but redis-server refused it; log:\n%s", line, args, exitLog)
			}
			if len(args) != 2 {
				t.Fatalf("test line %q must have one argument, SplitArgs reads %q", line, args)
			}
			wantConfig(t, srv.dial(t, "tcp", srv.addr), "masterauth", args[1])
		})
	}

	// Every argument in the FuzzEditRoundTrip seed corpus that ValidateArg
	// accepts must reach Redis unchanged, as requirepass and as masterauth.
	values := seedArgs(t, filepath.Join("testdata", "fuzz", "FuzzEditRoundTrip"))
	if len(values) == 0 {
		t.Fatal("no seed values found in testdata/fuzz/FuzzEditRoundTrip")
	}
	for i, v := range values {
		if ValidateArg(v) != nil {
			continue
		}
		t.Run(fmt.Sprintf("seed value %d", i), func(t *testing.T) {
			dir := t.TempDir()
			srv := startRedis(t, bin, dir, "requirepass old\n", []Setting{
				{Name: "requirepass", Args: []string{v}},
				{Name: "masterauth", Args: []string{v}},
			})
			c := srv.dial(t, "tcp", srv.addr)
			if v != "" {
				if r := c.do(t, "AUTH", v); r != "OK" {
					t.Fatalf("AUTH with %q = %q", v, r)
				}
			}
			wantConfig(t, c, "requirepass", v)
			wantConfig(t, c, "masterauth", v)
		})
	}
}

// seedArgs returns the string arguments after the first (the file) of every
// seed in a Go fuzz corpus folder.
func seedArgs(t *testing.T, folder string) []string {
	t.Helper()
	entries, err := os.ReadDir(folder)
	if err != nil {
		t.Fatalf("read seed corpus: %v", err)
	}
	var out []string
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(folder, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		var strs []string
		for _, line := range strings.Split(string(data), "\n") {
			lit, ok := strings.CutPrefix(line, "string(")
			if !ok {
				continue
			}
			s, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
			if err != nil {
				t.Fatalf("seed %s: %v", e.Name(), err)
			}
			strs = append(strs, s)
		}
		if len(strs) > 1 {
			out = append(out, strs[1:]...)
		}
	}
	return out
}

type redisServer struct {
	addr string
	log  string
	done chan struct{}
}

// startRedis writes orig edited with set, plus the settings a test server
// needs, and starts redis-server on it. The server is killed by PID at the
// end of the test.
func startRedis(t *testing.T, bin, dir, orig string, set []Setting) *redisServer {
	t.Helper()
	srv, exitLog := launchRedis(t, bin, dir, orig, set)
	if srv == nil {
		t.Fatalf("redis-server exited early; log:\n%s", exitLog)
	}
	return srv
}

// launchRedis starts redis-server like startRedis; when it exits instead of
// listening, it returns nil and its log.
func launchRedis(t *testing.T, bin, dir, orig string, set []Setting) (*redisServer, string) {
	t.Helper()
	port := testhost.FreePort(t)
	base := []Setting{
		{Name: "port", Args: []string{strconv.Itoa(port)}},
		{Name: "bind", Args: []string{"127.0.0.1"}},
		{Name: "save", Args: []string{""}},
		{Name: "appendonly", Args: []string{"no"}},
		{Name: "dir", Args: []string{dir}},
		{Name: "daemonize", Args: []string{"no"}},
		{Name: "logfile", Args: []string{""}},
	}
	conf := filepath.Join(dir, "redis.conf")
	if err := os.WriteFile(conf, Edit([]byte(orig), append(base, set...)), 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "redis.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, conf)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	srv := &redisServer{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), log: logPath, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(srv.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-srv.done
	})
	// Wait until it listens or exits; no timing assertion.
	exited := errors.New("exited")
	err = testhost.Until(testhost.RealClock{}, 10*time.Second, 25*time.Millisecond, func() error {
		select {
		case <-srv.done:
			return testhost.Stop(exited)
		default:
		}
		c, err := net.Dial("tcp", srv.addr)
		if err != nil {
			return err
		}
		c.Close()
		return nil
	})
	if err == nil {
		return srv, ""
	}
	out, _ := os.ReadFile(logPath)
	if errors.Is(err, exited) {
		conf, _ := os.ReadFile(conf)
		return nil, fmt.Sprintf("%s\nconfig:\n%s", out, conf)
	}
	t.Fatalf("redis-server neither listens on %s nor exits; log:\n%s", srv.addr, out)
	return nil, ""
}

// respConn is a minimal RESP2 client.
type respConn struct {
	c net.Conn
	r *bufio.Reader
}

// respError is a RESP error reply.
type respError string

func isErr(r any, prefix string) bool {
	e, ok := r.(respError)
	return ok && strings.HasPrefix(string(e), prefix)
}

func (s *redisServer) dial(t *testing.T, network, addr string) *respConn {
	t.Helper()
	c, err := net.Dial(network, addr)
	if err != nil {
		log, _ := os.ReadFile(s.log)
		t.Fatalf("dial %s %s: %v; log:\n%s", network, addr, err, log)
	}
	t.Cleanup(func() { c.Close() })
	return &respConn{c: c, r: bufio.NewReader(c)}
}

// do sends a command and returns the reply: string for simple and bulk
// strings, respError, int64, nil for a null, []any for arrays.
func (c *respConn) do(t *testing.T, args ...string) any {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c.c, b.String()); err != nil {
		t.Fatalf("send %s: %v", args[0], err)
	}
	r, err := c.read()
	if err != nil {
		t.Fatalf("read reply to %s: %v", args[0], err)
	}
	return r
}

func (c *respConn) read() (any, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || !strings.HasSuffix(line, "\r\n") {
		return nil, fmt.Errorf("bad RESP line %q", line)
	}
	kind, rest := line[0], line[1:len(line)-2]
	switch kind {
	case '+':
		return rest, nil
	case '-':
		return respError(rest), nil
	case ':':
		return strconv.ParseInt(rest, 10, 64)
	case '$':
		n, err := strconv.Atoi(rest)
		if err != nil || n < 0 {
			return nil, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(rest)
		if err != nil || n < 0 {
			return nil, err
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = c.read(); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, errors.New("unknown RESP type " + string(kind))
}

func wantConfig(t *testing.T, c *respConn, name, want string) {
	t.Helper()
	r := c.do(t, "CONFIG", "GET", name)
	arr, ok := r.([]any)
	if !ok || len(arr) != 2 || arr[0] != name {
		t.Fatalf("CONFIG GET %s = %q", name, r)
	}
	if arr[1] != want {
		t.Fatalf("CONFIG GET %s = %q, want %q", name, arr[1], want)
	}
}
