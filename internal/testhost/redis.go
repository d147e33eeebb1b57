package testhost

import (
	"bufio"
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
)

// Redis is a redis-server started from a config file in a temporary directory.
type Redis struct {
	// Port and Socket are where Do connects: TCP 127.0.0.1:Port when Port > 0, else the
	// Unix socket. They are read from the initial config; a test that moves the server
	// (port 0, unixsocket) updates them.
	Port   int
	Socket string

	Dir      string // the config's "dir"
	ConfPath string // <Dir>/redis.conf
	PidFile  string // the config's "pidfile"
	LogFile  string // the config's "logfile"
	// RestartScript (<Dir>/restart-redis.sh) stops the server in PidFile, starts
	// redis-server ConfPath and waits up to 5 s until it answers; it exits non-zero with the
	// end of LogFile when Redis does not come up. Use it as the provider's restart_command.
	RestartScript string
}

// ReplyError is an error reply from Redis ("-ERR ...", "-NOAUTH ..."), without the "-".
type ReplyError string

func (e ReplyError) Error() string { return string(e) }

// RedisBaseConf returns the stock insecure state of a Debian Redis, moved into dir: TCP on
// 127.0.0.1:port, protected mode, no password, no persistence (save ""), daemonized with
// its pid file and log in dir. Take dir from TempDir: its path is short enough for a
// unixsocket and the test users reached over SSH can enter it.
func RedisBaseConf(dir string, port int) string {
	return fmt.Sprintf(`# written by internal/testhost: the stock insecure state (TCP, no password)
port %d
bind 127.0.0.1
protected-mode yes
save ""
appendonly no
dir %s
daemonize yes
pidfile %s
logfile %s
`, port, strconv.Quote(dir), strconv.Quote(filepath.Join(dir, "redis.pid")), strconv.Quote(filepath.Join(dir, "redis.log")))
}

// StartRedis writes conf to <dir>/redis.conf (dir is the config's "dir", which must exist)
// and starts redis-server through the RestartScript. conf must set dir, daemonize yes and
// pidfile: start from RedisBaseConf. Every redis-server started from that directory, also
// later through RestartScript, is stopped by PID in t.Cleanup.
func StartRedis(t testing.TB, conf string) *Redis {
	t.Helper()
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("testhost: skipped: %s is not installed (apt-get install redis-server)", bin)
		}
	}
	r := &Redis{
		Dir:     confValue(conf, "dir"),
		PidFile: confValue(conf, "pidfile"),
		LogFile: confValue(conf, "logfile"),
		Socket:  confValue(conf, "unixsocket"),
		Port:    6379,
	}
	if r.Dir == "" || r.PidFile == "" || !strings.EqualFold(confValue(conf, "daemonize"), "yes") {
		t.Fatalf("testhost: the redis config must set dir, pidfile and daemonize yes; start from RedisBaseConf(dir, port)")
	}
	if p := confValue(conf, "port"); p != "" {
		port, err := strconv.Atoi(p)
		if err != nil {
			t.Fatalf("testhost: redis config: port %q is not a number", p)
		}
		r.Port = port
	}
	r.ConfPath = filepath.Join(r.Dir, "redis.conf")
	r.RestartScript = filepath.Join(r.Dir, "restart-redis.sh")
	writeFile(t, r.ConfPath, conf, 0o644)
	writeFile(t, r.RestartScript, r.restartScript(), 0o755)

	t.Cleanup(func() { r.stop(t) })
	if out, err := exec.Command(r.RestartScript).CombinedOutput(); err != nil {
		t.Fatalf("testhost: redis-server did not start (%v):\n%s", err, out)
	}
	return r
}

// PID returns the PID in the pid file, or 0 when there is none.
func (r *Redis) PID() int { return readPIDFile(r.PidFile) }

// stop kills, by PID, the server in the pid file and every redis-server working in Dir.
func (r *Redis) stop(t testing.TB) {
	dir, err := filepath.EvalSymlinks(r.Dir)
	if err != nil {
		dir = r.Dir
	}
	candidates := append([]int{r.PID()}, pids(func(pid int) bool { return isRedis(pid) && cwdOf(pid) == dir })...)
	seen := map[int]bool{}
	for _, pid := range candidates {
		if seen[pid] || !Alive(pid) || !isRedis(pid) {
			continue
		}
		seen[pid] = true
		if !stopPID(pid) {
			t.Errorf("testhost: redis-server (PID %d) survived SIGKILL", pid)
		}
	}
}

// isRedis reports whether pid is a redis-server (so a stale pid file never kills another
// process that reused the PID).
func isRedis(pid int) bool {
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(comm)) == "redis-server"
}

// Do sends one command without authentication and returns the reply: simple strings,
// bulk strings and integers as text, a nil reply as "", arrays as their elements joined by
// newlines. An error reply is returned as a ReplyError.
func (r *Redis) Do(t testing.TB, args ...string) (string, error) {
	t.Helper()
	return r.do("", args)
}

// DoAuth sends AUTH password, then the command, on one connection.
func (r *Redis) DoAuth(t testing.TB, password string, args ...string) (string, error) {
	t.Helper()
	return r.do(password, args)
}

func (r *Redis) do(password string, args []string) (string, error) {
	network, addr := "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(r.Port))
	if r.Port <= 0 {
		network, addr = "unix", r.Socket
	}
	if addr == "" {
		return "", fmt.Errorf("redis has neither a TCP port nor a unix socket: set Redis.Port or Redis.Socket")
	}
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	rd := bufio.NewReader(c)
	if password != "" {
		if _, err := roundTrip(c, rd, []string{"AUTH", password}); err != nil {
			return "", fmt.Errorf("AUTH: %w", err)
		}
	}
	return roundTrip(c, rd, args)
}

// roundTrip writes one RESP command and reads its reply.
func roundTrip(w io.Writer, rd *bufio.Reader, args []string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return "", err
	}
	return readReply(rd)
}

// readReply reads one RESP2 reply.
func readReply(rd *bufio.Reader) (string, error) {
	line, err := rd.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("empty reply line from redis")
	}
	body := line[1:]
	switch line[0] {
	case '+', ':':
		return body, nil
	case '-':
		return "", ReplyError(body)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return "", err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(rd, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return "", err
		}
		parts := make([]string, 0, n)
		for i := 0; i < n; i++ {
			s, err := readReply(rd)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, "\n"), nil
	}
	return "", fmt.Errorf("unexpected reply from redis: %q", line)
}

// confValue returns the value of the last line setting name in a redis config (one
// argument, quotes removed; enough for the harness's own files).
func confValue(conf, name string) string {
	value := ""
	for _, line := range strings.Split(conf, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && strings.EqualFold(f[0], name) {
			v := strings.TrimSpace(strings.TrimSpace(line)[len(f[0]):])
			if u, err := strconv.Unquote(v); err == nil {
				v = u
			}
			value = strings.Trim(v, `'`)
		}
	}
	return value
}

// restartScript renders RestartScript.
func (r *Redis) restartScript() string {
	return fmt.Sprintf(`#!/bin/sh
# Restarts the test redis-server (written by internal/testhost): stops the server in the
# pid file, starts redis-server with the config, waits up to 5 s until it answers. Exits
# non-zero, with the end of the Redis log, when Redis does not come up.
conf=%s
pidfile=%s
logfile=%s

alive() { [ -r "/proc/$1/stat" ] && ! sed 's/.*) //' "/proc/$1/stat" | grep -q '^[ZX]'; }
# setting NAME prints the first argument of the last NAME line of the config, unquoted.
setting() { awk -v k="$1" 'tolower($1) == k { v = $2 } END { print v }' "$conf" | tr -d "\"'"; }
fail() {
	echo "$1" >&2
	if [ -n "$logfile" ]; then echo "--- end of $logfile:" >&2; tail -n 20 "$logfile" >&2; fi
	exit 1
}

pid=$(cat "$pidfile" 2>/dev/null)
if [ -n "$pid" ] && alive "$pid" && [ "$(cat "/proc/$pid/comm")" = redis-server ]; then
	kill "$pid"
	i=0
	while alive "$pid"; do
		i=$((i + 1))
		[ "$i" -lt 100 ] || fail "redis-server (PID $pid) did not stop within 10 s"
		sleep 0.1
	done
fi
rm -f "$pidfile"

out=$(redis-server "$conf" 2>&1) || fail "redis-server $conf failed: $out"

port=$(setting port)
sock=$(setting unixsocket)
host=$(setting bind | sed 's/^-//')
case "$host" in ""|"*"|0.0.0.0) host=127.0.0.1 ;; "::*"|::) host=::1 ;; esac
i=0
while [ "$i" -lt 50 ]; do
	if [ -n "$sock" ]; then
		reply=$(redis-cli -s "$sock" PING 2>&1)
	elif [ "${port:-6379}" != 0 ]; then
		reply=$(redis-cli -h "$host" -p "${port:-6379}" PING 2>&1)
	else
		reply=PONG
		pid=$(cat "$pidfile" 2>/dev/null)
		[ -n "$pid" ] && alive "$pid" || reply=
	fi
	# Any reply from Redis, even -NOAUTH, proves it is up.
	case "$reply" in
	""|*"Could not connect"*|*"Connection refused"*|*"No such file"*|Error:*) ;;
	*) exit 0 ;;
	esac
	i=$((i + 1))
	sleep 0.1
done
fail "redis-server did not answer within 5 s (last try: $reply)"
`, shellQuote(r.ConfPath), shellQuote(r.PidFile), shellQuote(r.LogFile))
}
