// Package livecheck asks the running services on a host what they really do, through the SSH
// connection: which sockets listen (ss, or /proc/net/tcp when ss is absent), whether Redis
// demands a password, and which certificate an HTTPS server presents.
package livecheck

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// Listener is one listening TCP socket.
type Listener struct {
	Protocol string // "tcp" or "tcp6"
	Address  string // IP address as the kernel reports it ("0.0.0.0", "::", "127.0.0.1")
	Port     int
	Process  string // process name, "" when unknown (no ss, or not allowed to see it)
	PID      int
}

// HostPort renders the listener as ADDRESS:PORT, with brackets for IPv6.
func (l Listener) HostPort() string {
	return net.JoinHostPort(l.Address, strconv.Itoa(l.Port))
}

// ListenersScript prints every listening TCP socket: `ss -Htlnp` when ss exists, otherwise the
// raw /proc/net/tcp and tcp6 tables after a marker line. It takes no input and holds no secret.
const ListenersScript = `if command -v ss >/dev/null 2>&1; then echo '@@ss'; ss -Htlnp; else echo '@@proc'; cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; fi`

// Listeners runs ListenersScript on one exec channel and parses its output.
func Listeners(ctx context.Context, c *transport.Conn) ([]Listener, error) {
	res, err := c.RunShell(ctx, ListenersScript, nil)
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("listing listening sockets failed (exit %d): %s", res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	return ParseListenersOutput(string(res.Stdout))
}

// ParseListenersOutput parses what ListenersScript printed.
func ParseListenersOutput(out string) ([]Listener, error) {
	switch {
	case strings.HasPrefix(out, "@@ss\n"):
		return ParseSS(strings.TrimPrefix(out, "@@ss\n")), nil
	case strings.HasPrefix(out, "@@proc\n"):
		return ParseProcNetTCP(strings.TrimPrefix(out, "@@proc\n")), nil
	}
	return nil, fmt.Errorf("unexpected output from the listener check: %.80q", out)
}

// ParseSS parses `ss -Htlnp` lines such as
// `LISTEN 0 511 127.0.0.1:6379 0.0.0.0:* users:(("redis-server",pid=812,fd=6))`.
func ParseSS(out string) []Listener {
	var ls []Listener
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || f[0] != "LISTEN" {
			continue
		}
		local := f[3]
		i := strings.LastIndexByte(local, ':')
		if i < 0 {
			continue
		}
		port, err := strconv.Atoi(local[i+1:])
		if err != nil {
			continue
		}
		addr := strings.Trim(local[:i], "[]")
		if j := strings.IndexByte(addr, '%'); j >= 0 { // 0.0.0.0%lo: bound to a device
			addr = addr[:j]
		}
		if addr == "*" {
			addr = "::"
		}
		l := Listener{Protocol: "tcp", Address: addr, Port: port}
		if strings.Contains(addr, ":") {
			l.Protocol = "tcp6"
		}
		if len(f) > 5 {
			l.Process, l.PID = parseSSUsers(strings.Join(f[5:], " "))
		}
		ls = append(ls, l)
	}
	sortListeners(ls)
	return ls
}

// ntopngMainThread is the name ntopng gives its main thread once it runs.
const ntopngMainThread = "ntopng-main"

// parseSSUsers takes the first process of `users:(("name",pid=1,fd=3),...)`.
func parseSSUsers(s string) (string, int) {
	i := strings.Index(s, `(("`)
	if i < 0 {
		return "", 0
	}
	s = s[i+3:]
	j := strings.IndexByte(s, '"')
	if j < 0 {
		return "", 0
	}
	name := s[:j]
	if name == ntopngMainThread {
		// ntopng renames its main thread a few seconds after it starts (Utils::setThreadName):
		// one name for one program, so that a report does not change with the moment it is read.
		name = "ntopng"
	}
	pid := 0
	if k := strings.Index(s, "pid="); k >= 0 {
		rest := s[k+4:]
		end := strings.IndexAny(rest, ",)")
		if end > 0 {
			pid, _ = strconv.Atoi(rest[:end])
		}
	}
	return name, pid
}

// ParseProcNetTCP parses /proc/net/tcp and /proc/net/tcp6 tables (state 0A = LISTEN).
// Process names are not known from these tables.
func ParseProcNetTCP(out string) []Listener {
	var ls []Listener
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || f[3] != "0A" {
			continue
		}
		hexAddr, hexPort, ok := strings.Cut(f[1], ":")
		if !ok {
			continue
		}
		port, err := strconv.ParseUint(hexPort, 16, 16)
		if err != nil {
			continue
		}
		raw, err := hex.DecodeString(hexAddr)
		if err != nil || (len(raw) != 4 && len(raw) != 16) {
			continue
		}
		// The kernel prints each 32-bit word in host (little-endian) order.
		for w := 0; w < len(raw); w += 4 {
			raw[w], raw[w+1], raw[w+2], raw[w+3] = raw[w+3], raw[w+2], raw[w+1], raw[w]
		}
		ip := net.IP(raw)
		l := Listener{Protocol: "tcp", Address: ip.String(), Port: int(port)}
		if len(raw) == 16 {
			l.Protocol = "tcp6"
		}
		ls = append(ls, l)
	}
	sortListeners(ls)
	return ls
}

func sortListeners(ls []Listener) {
	sort.Slice(ls, func(i, j int) bool {
		if ls[i].Port != ls[j].Port {
			return ls[i].Port < ls[j].Port
		}
		if ls[i].Address != ls[j].Address {
			return ls[i].Address < ls[j].Address
		}
		return ls[i].Process < ls[j].Process
	})
}

// processListenersScript prints the socket descriptors of a set of processes as
// "/proc/PID/fd socket:[INODE]", then "@@tcp", after which withTables puts the listeners of the
// kernel's TCP tables (read through SFTP, not by a cat: see hostTables). The processes are
// chosen by $1:
//
//   - "unit UNIT BOOTED PIDFILE CONF UID": the processes of a service. Where systemd runs (the
//     directory BOOTED, /run/systemd/system, exists: sd_booted's test; and systemctl is
//     there), the unit's processes the way the service manager knows them: every PID in the
//     unit's control group (cgroup v2, or v1's systemd hierarchy), or, where that cannot be
//     read, the unit's main PID and its descendants. It first prints "@@unit" and the unit's
//     ActiveState, MainPID and ControlGroup as `systemctl show` gives them. A local process
//     that merely calls itself ntopng is in no unit's cgroup, so it neither hides nor fakes
//     the real one. Where systemd does not run (init scripts, containers), it prints
//     "@@pidfile", PIDFile=PIDFILE, Systemd=WHY (why systemd was not asked), and either MainPID=N (the PID in PIDFILE, the --pid of ntopng's
//     configuration, and its descendants; 0 when the file names a process that is gone) or
//     NotChecked=WHY. The file is read as root, so it is not read when it is a symbolic
//     link or not a regular file, never more than 32 bytes, and without blocking (a FIFO
//     swapped in). Its PID is trusted only for a process that is ntopng started with CONF:
//     its program (/proc/PID/exe) is named ntopng, owned by root and writable by nobody
//     else, it runs as root or as UID (the user the configuration makes ntopng drop to),
//     and one of its arguments is CONF. A local user's process, the real binary run by a
//     local user, or another instance's ntopng is NotChecked, never taken for this ntopng.
//     With "-p PROPERTIES" before "unit" (a comma-separated list of `systemctl show`
//     properties), it also prints those properties of the unit and, of its main process,
//     ProcNoNewPrivs= and ProcSeccomp= (from /proc/PID/status: what the running process
//     really has), in the same "@@unit" section.
//   - "name NAME": every process whose /proc/PID/comm is NAME (any local user can pick that
//     name: used only where no unit is known).
//
// Small files (cgroup.procs, /proc/PID/task/TID/children) are read with the shell's own read,
// never a cat: every process started on the host is paid on every plan (see make bench).
// Unlike `ss -p` it looks only at those processes' descriptors, not at every process on the
// host. The descriptors of all of them are read by ONE GNU find (a readlink per descriptor
// cost a process start each: with a busy ntopng that was most of a plan's server-side CPU,
// see make bench); where find has no -printf (busybox) it falls back to readlink per
// descriptor.
//
// With "unit ... unix|tcp ADDRESS [PORT]" (from $7) it then asks that Redis, as a client
// configured like ntopng, whether it answers: it prints "@@redis" and the replies of
// redis-cli to the commands on the script's standard input (AUTH with the password, SELECT,
// PING), or "@@nocli" when the host has neither redis-cli nor valkey-cli (Debian 13's Valkey
// ships only valkey-cli). The password is only ever on standard input. What the Redis answers
// is cut at 4 KiB: the file may name a server another account runs. The Redis question does
// not need ntopng's processes: it is asked on hosts without systemd too.
const processListenersScript = `exec 3<&0 </dev/null
pids= extra=
if [ "$1" = -p ]; then extra=$2; shift 2; fi
case $1 in
unit)
  main=0
  if [ -d "$3" ] && command -v systemctl >/dev/null 2>&1; then
    # One systemctl for the unit's facts and the extra properties; split on lines only, no
    # globbing: a property's value may hold spaces or a "*".
    props=$(systemctl show -p ActiveState -p MainPID -p ControlGroup ${extra:+-p "$extra"} "$2") || exit 3
    echo '@@unit'
    printf '%s\n' "$props"
    cg=
    set -f; ifs=$IFS; IFS='
'
    for kv in $props; do
      case $kv in MainPID=*) main=${kv#*=};; ControlGroup=*) cg=${kv#*=};; esac
    done
    IFS=$ifs; set +f
    if [ -n "$extra" ] && [ "$main" != 0 ] && [ -r "/proc/$main/status" ]; then
      while IFS= read -r l || [ -n "$l" ]; do
        case $l in NoNewPrivs:*|Seccomp:*) v=${l#*:}; v=${v#"${v%%[![:space:]]*}"}; printf 'Proc%s=%s\n' "${l%%:*}" "$v";; esac
      done < "/proc/$main/status"
    fi
    if [ -n "$cg" ]; then
      for f in "/sys/fs/cgroup$cg/cgroup.procs" "/sys/fs/cgroup/unified$cg/cgroup.procs" "/sys/fs/cgroup/systemd$cg/cgroup.procs"; do
        if [ -r "$f" ]; then
          while read -r p || [ -n "$p" ]; do pids="$pids $p"; done < "$f"
          break
        fi
      done
    fi
  else
    echo '@@pidfile'
    f=$4 why= p=
    printf 'PIDFile=%s\n' "$f"
    if [ -z "$f" ]; then why="ntopng's configuration names no PID file (--pid)"
    elif [ -L "$f" ]; then why="the PID file $f is a symbolic link (not followed)"
    elif [ ! -e "$f" ]; then why="the PID file $f does not exist (ntopng is not running, or was started with another PID file)"
    elif [ ! -f "$f" ]; then why="the PID file $f is not a regular file"
    elif ! p=$(dd if="$f" bs=32 count=1 iflag=nonblock 2>/dev/null); then why="the PID file $f cannot be read without blocking (no GNU dd)"
    else
      p=$(printf '%s' "$p" | tr -d '\n')
      case $p in
      ''|0*|*[!0-9]*) why="the PID file $f holds no PID";;
      *)
        if [ ! -d "/proc/$p" ]; then main=0
        else
          exe=$(readlink "/proc/$p/exe" 2>/dev/null) || exe=
          exe=${exe% (deleted)}
          own=$(stat -L -c '%u %a' "/proc/$p/exe" 2>/dev/null) || own=
          perm=${own#* }
          uid=$(awk '/^Uid:/ { print $3; exit }' "/proc/$p/status" 2>/dev/null)
          named=
          if tr '\0' '\n' < "/proc/$p/cmdline" 2>/dev/null | tail -n +2 | grep -qxF -e "$5"; then named=1; fi
          if [ "${exe##*/}" != ntopng ]; then why="process $p (from $f) is not ntopng: its program is ${exe:-unknown}"
          elif [ "${own%% *}" != 0 ] || [ $(( 0$perm & 022 )) != 0 ]; then why="process $p (from $f) runs $exe, which someone other than root may change"
          elif [ "$uid" != 0 ] && [ "$uid" != "$6" ]; then why="process $p (from $f) runs as uid $uid, neither root nor the user ntopng runs as"
          elif [ -z "$named" ]; then why="process $p (from $f) is an ntopng not started with $5"
          else main=$p
          fi
        fi;;
      esac
    fi
    if [ -d "$3" ]; then echo 'Systemd=the host has no systemctl'; else echo "Systemd=systemd is not running ($3 is missing)"; fi
    if [ -n "$why" ]; then printf 'NotChecked=%s\n' "$why"; else echo "MainPID=$main"; fi
  fi
  if [ -z "$pids" ] && [ -n "$main" ] && [ "$main" != 0 ]; then
    pids=$main todo=$main
    while [ -n "$todo" ]; do
      next=
      for p in $todo; do
        for c in /proc/$p/task/*/children; do
          l=
          [ -r "$c" ] && { read -r l < "$c"; } 2>/dev/null
          next="$next $l"
        done
      done
      todo=
      for p in $next; do todo="$todo $p"; done
      pids="$pids$todo"
    done
  fi;;
name)
  for c in $(grep -lxF -e "$2" /proc/[0-9]*/comm 2>/dev/null); do
    c=${c#/proc/}
    pids="$pids ${c%/comm}"
  done;;
*) echo "unknown selector $1" >&2; exit 2;;
esac
fds=
for p in $pids; do fds="$fds /proc/$p/fd"; done
echo '@@sockets'
if [ -n "$fds" ]; then
  if out=$(find $fds -mindepth 1 -maxdepth 1 -lname 'socket:*' -printf '%h %l\n' 2>/dev/null) || [ -n "$out" ]; then
    [ -z "$out" ] || printf '%s\n' "$out"
  else
    for d in $fds; do
      for fd in "$d"/*; do
        l=$(readlink "$fd" 2>/dev/null) || continue
        case $l in socket:*) echo "$d $l";; esac
      done
    done
  fi
fi
echo '@@tcp'
if [ "$1" = unit ] && [ -n "${7-}" ]; then
  echo '@@redis'
  cli=redis-cli
  command -v redis-cli >/dev/null 2>&1 || cli=valkey-cli
  export REDISCLI_HISTFILE=/dev/null VALKEYCLI_HISTFILE=/dev/null
  if ! command -v $cli >/dev/null 2>&1; then echo '@@nocli'
  elif [ "$7" = unix ]; then $cli --no-raw -s "$8" <&3 2>&1 | head -c 4096
  else $cli --no-raw -h "$8" -p "$9" <&3 2>&1 | head -c 4096
  fi
fi
:`

// ProcessListeners returns the listening TCP sockets of the processes named one of names
// ("redis-server", "valkey-server"), with one command that reads only those processes'
// descriptors. Any local user can name a process so: prefer UnitListeners where the service
// has a systemd unit.
func ProcessListeners(ctx context.Context, c *transport.Conn, names ...string) ([]Listener, error) {
	name := strings.Join(names, " or ")
	// grep -e takes newline-separated patterns: one per name.
	res, err := c.Run(ctx, []string{"sh", "-c", processListenersScript, "sh", "name", strings.Join(names, "\n")}, nil)
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("listing the sockets of %s failed (exit %d): %s", name, res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	out, err := withTables(string(res.Stdout), hostTables(ctx, c))
	if err != nil {
		return nil, err
	}
	u, err := ParseProcessListeners(out, name)
	return u.Listeners, err
}

// Service names the processes of one ntopng: its systemd unit and, for hosts where systemd
// does not run, the PID file its configuration names and what the process must be.
type Service struct {
	Unit string // systemd unit; validated by the caller (an argument, never parsed by a shell)
	// PIDFile is the --pid of ntopng's configuration ("" when none), used only where systemd
	// does not run.
	PIDFile string
	// Config is the configuration file ntopng's command line must name (its first argument
	// for an init script or a start by hand) for the PID file's process to be trusted.
	Config string
	// UID is the user ntopng drops to (-1 when unknown); root is accepted as well.
	UID int
	// Also is a shell snippet run at the end of the same command (a constant of the caller,
	// never built from input; its standard input is /dev/null): what it prints is Unit.Also.
	// It lets a read ask one more question of the host without opening another channel.
	Also string
	// Properties are more `systemctl show` properties to report in Unit.Properties (names
	// of letters only; where systemd runs).
	Properties []string
}

// propertyRE is a systemd unit property name.
var propertyRE = regexp.MustCompile(`^[A-Za-z]+$`)

// BootedDir is sd_booted's test: systemd runs when this directory exists.
const BootedDir = "/run/systemd/system"

// Unit is what the service manager says about a systemd unit (or, where systemd does not
// run, what ntopng's PID file says), and where its processes listen.
type Unit struct {
	Name        string
	ActiveState string // "active", "inactive", "failed", "activating", ...; "" without systemd
	MainPID     int    // 0 when not running
	// PIDFile is set when systemd does not run on the host and the processes were looked up
	// through the PID file (MainPID 0: the file names a process that is gone).
	PIDFile string
	// NotChecked says, when not "", why ntopng's processes could not be found: systemd does
	// not run and the PID file is missing or names a process that is not this ntopng.
	// MainPID and Listeners then say nothing.
	NotChecked string
	Listeners  []Listener
	// Redis is set by UnitListenersAndRedis.
	Redis *RedisReach
	// Also is what Service.Also printed.
	Also string
	// Properties are the unit's facts as `systemctl show` printed them (Service.Properties
	// among them, when the service manager knows them), and ProcNoNewPrivs and ProcSeccomp of
	// its main process. Nil where systemd does not run.
	Properties map[string]string
}

// UnitListeners finds s's processes (where systemd runs, the unit's control group, or its
// main PID and their children; elsewhere the PID file's process, checked, and its children)
// and returns their listening TCP sockets, with one command.
func UnitListeners(ctx context.Context, c *transport.Conn, s Service) (Unit, error) {
	return unitCheck(ctx, c, s, nil)
}

// UnitListenersAndRedis is UnitListeners that also asks, in the same command, whether the
// Redis that ntopng's configuration names answers a client configured as ntopng is
// (Unit.Redis): AUTH with its password, SELECT its database, PING. The password travels on
// the command's standard input only.
func UnitListenersAndRedis(ctx context.Context, c *transport.Conn, s Service, redis RedisTarget) (Unit, error) {
	return unitCheck(ctx, c, s, &redis)
}

// unitCheck asks a Redis, when one is given, through an SSH tunnel (reachThroughTunnel), side
// by side with the unit check: no redis-cli (and its head) starts on the host. Only when the
// tunnel gives no complete answer (it cannot be opened: forwarding is off, the socket is the
// sudo user's only, or Redis is not there; or the answer is cut short) is the unit check run
// again with the redis-cli question in it, as before, whose words then say why.
func unitCheck(ctx context.Context, c *transport.Conn, s Service, redis *RedisTarget) (Unit, error) {
	if redis == nil {
		return unitCheckOnce(ctx, c, s, nil)
	}
	var reach RedisReach
	tunnel := make(chan bool, 1)
	go func() {
		var ok bool
		reach, ok = reachThroughTunnel(ctx, c, *redis)
		tunnel <- ok
	}()
	u, err := unitCheckOnce(ctx, c, s, nil)
	if ok := <-tunnel; !ok {
		return unitCheckOnce(ctx, c, s, redis)
	}
	if err != nil {
		return Unit{}, err
	}
	u.Redis = &reach
	return u, nil
}

// unitCheckOnce is one unit check command, with the redis-cli question when redis is given.
func unitCheckOnce(ctx context.Context, c *transport.Conn, s Service, redis *RedisTarget) (Unit, error) {
	argv, stdin, err := unitCheckCommand(s, BootedDir, redis)
	if err != nil {
		return Unit{}, err
	}
	res, err := c.Query(ctx, argv, stdin) // it only reads: what the walk read stays shared
	if err != nil {
		return Unit{}, err
	}
	if res.ExitCode != 0 {
		return Unit{}, fmt.Errorf("asking systemd for the processes of %s failed (exit %d; systemd runs on the host, so ntopng's "+
			"processes are identified by their systemd unit, and `systemctl show` must work): %s", s.Unit, res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	out, err := withTables(string(res.Stdout), hostTables(ctx, c))
	if err != nil {
		return Unit{}, err
	}
	return parseUnitCheck(out, s.Unit, redis, s.Also != "")
}

// tcpTables are the kernel's TCP tables, IPv4 and IPv6. A host without IPv6 has no tcp6 table,
// which is no error.
var tcpTables = []string{"/proc/net/tcp", "/proc/net/tcp6"}

// hostTables reads a table of the host through the SFTP session the reads already have open
// (no process starts on the host for it), up to the first line past its listeners.
func hostTables(ctx context.Context, c *transport.Conn) func(string) ([]byte, error) {
	return func(p string) ([]byte, error) { return c.ReadProc(ctx, p, pastListeners) }
}

// pastListeners says whether data, the start of a TCP table, already holds a complete line
// that is not a listener. The kernel lists the listening sockets first (its listening hash,
// then the established hash, which holds no listener, since Linux 4.4): after that line no
// listener follows. Reading on would make the kernel walk its whole established hash, every
// connection of the host; on the bench's machine that walk, in a `cat` of both tables, was
// the biggest single item of a host's share of a plan.
func pastListeners(data []byte) bool {
	header := true
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return false // a partial line says nothing yet
		}
		line := string(data[:i])
		data = data[i+1:]
		if header {
			header = false
			continue
		}
		if st := nthField(line, 3); st != "" && st != "0A" {
			return true
		}
	}
	return false
}

// withTables puts, after the "@@tcp" marker of processListenersScript's output, the tables
// read returns (their complete lines), when the socket listing found any socket: with none
// there is nothing to look up, and the tables are not read.
func withTables(out string, read func(p string) ([]byte, error)) (string, error) {
	j := strings.Index(out, "@@sockets\n")
	if j < 0 {
		return out, nil // ParseProcessListeners says what is wrong with it
	}
	i := strings.Index(out[j+len("@@sockets"):], "\n@@tcp\n")
	if i < 0 {
		return out, nil
	}
	i += j + len("@@sockets")
	if strings.TrimSpace(out[j+len("@@sockets\n"):i+1]) == "" {
		return out, nil
	}
	var b strings.Builder
	b.WriteString(out[:i+len("\n@@tcp\n")])
	for _, p := range tcpTables {
		data, err := read(p)
		if err != nil {
			return "", fmt.Errorf("reading the kernel's TCP table %s: %w", p, err)
		}
		if k := bytes.LastIndexByte(data, '\n'); k >= 0 {
			b.Write(data[:k+1]) // a line cut short could name another socket's inode
		}
	}
	b.WriteString(out[i+len("\n@@tcp\n"):])
	return b.String(), nil
}

// alsoMarker starts the output of Service.Also.
const alsoMarker = "\n@@also\n"

// parseUnitCheck parses the unit check's output (with the Redis section when redis is given).
func parseUnitCheck(out, unit string, redis *RedisTarget, also bool) (Unit, error) {
	var reach *RedisReach
	var alsoOut string
	if also {
		// The last marker is Also's: what a Redis answered comes before it.
		i := strings.LastIndex(out, alsoMarker)
		if i < 0 {
			return Unit{}, fmt.Errorf("unexpected output from the unit check of %s: no section for the extra question", unit)
		}
		out, alsoOut = out[:i+1], out[i+len(alsoMarker):]
	}
	if redis != nil {
		before, after, found := strings.Cut(out, "\n@@redis\n")
		if !found {
			return Unit{}, fmt.Errorf("unexpected output from the unit check of %s: no Redis section", unit)
		}
		out = before + "\n"
		r := ParseRedisReach(after, *redis)
		reach = &r
	}
	u, err := ParseProcessListeners(out, unit)
	u.Name = unit
	u.Redis = reach
	u.Also = alsoOut
	return u, err
}

// unitCheckCommand is the command line and standard input of the unit check: the Redis
// password (in AUTH) is only on standard input. booted is sd_booted's directory.
func unitCheckCommand(s Service, booted string, redis *RedisTarget) (argv []string, stdin []byte, err error) {
	script := processListenersScript
	if s.Also != "" {
		script += "\nprintf '\\n@@also\\n'\n" + s.Also
	}
	argv = []string{"sh", "-c", script, "sh"}
	if len(s.Properties) > 0 {
		for _, p := range s.Properties {
			if !propertyRE.MatchString(p) {
				return nil, nil, fmt.Errorf("systemd property %q: letters only", p)
			}
		}
		argv = append(argv, "-p", strings.Join(s.Properties, ","))
	}
	argv = append(argv, "unit", s.Unit, booted, s.PIDFile, s.Config, strconv.Itoa(s.UID))
	if redis == nil {
		return argv, nil, nil
	}
	switch redis.Network {
	case "unix":
		argv = append(argv, "unix", redis.Addr)
	case "tcp":
		host, port, err := net.SplitHostPort(redis.Addr)
		if err != nil {
			return nil, nil, fmt.Errorf("Redis address %q: %w", redis.Addr, err)
		}
		argv = append(argv, "tcp", host, port)
	default:
		return nil, nil, fmt.Errorf("unknown Redis network %q", redis.Network)
	}
	var in strings.Builder
	for _, cmd := range append(redis.prelude(), []string{"PING"}) {
		for i, a := range cmd {
			if i > 0 {
				in.WriteByte(' ')
			}
			in.WriteString(cliQuote(a))
		}
		in.WriteByte('\n')
	}
	return argv, []byte(in.String()), nil
}

// RedisReach is whether a client configured as ntopng is reaches its Redis.
type RedisReach struct {
	// Checked is false when the host has no redis-cli to ask with (Detail says so).
	Checked bool
	// OK is true when PING answered PONG after AUTH and SELECT.
	OK bool
	// Detail is Redis's or redis-cli's own words when not OK, with the password masked.
	Detail string
}

// NotChecked starts the Detail of a RedisReach that could not be asked (Checked false).
const NotChecked = "not checked: "

// maxReachDetail bounds Redis's words in RedisReach.Detail (they end up in the state).
const maxReachDetail = 200

// reachThroughTunnel asks t, as a client configured as ntopng is, through an SSH tunnel
// (direct-tcpip or direct-streamlocal: the host connects, as redis-cli on the host does): AUTH
// and SELECT as needed, then PING, in one write. ok is false when the tunnel gave no complete
// answer: it could not be opened (sshd forwards nothing, the socket is not the login's to
// open, nothing listens there: sshd's words for that are poorer than redis-cli's), or the
// answer was cut short or is not Redis's. Each reply is read as redis-cli shows it, so the
// reach is the one ParseRedisReach would have made of redis-cli's words.
func reachThroughTunnel(ctx context.Context, c *transport.Conn, t RedisTarget) (_ RedisReach, ok bool) {
	nc, err := c.Dial(ctx, t.Network, t.Addr)
	if err != nil {
		return RedisReach{}, false
	}
	defer nc.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	} else {
		_ = nc.SetDeadline(time.Now().Add(15 * time.Second))
	}
	var req strings.Builder
	cmds := append(t.prelude(), []string{"PING"})
	for _, cmd := range cmds {
		writeCommand(&req, cmd...)
	}
	if _, err := io.WriteString(nc, req.String()); err != nil {
		return RedisReach{}, false
	}
	r := bufio.NewReader(io.LimitReader(nc, maxReachAnswer))
	why, last := "", RedisReply{}
	for range cmds {
		if last, err = readReply(r); err != nil {
			return RedisReach{}, false
		}
		if last.Err != "" && why == "" {
			why = last.Err
		}
	}
	if last.Err == "" && !last.Nil && last.Str == "PONG" {
		// As ParseRedisReach: PING's answer decides, whatever AUTH and SELECT answered.
		return RedisReach{Checked: true, OK: true}, true
	}
	if why == "" {
		return RedisReach{}, false // no error and no PONG: not Redis, let redis-cli say what it is
	}
	return reachFailed(why, t), true
}

// maxReachAnswer bounds what the tunnel reads of a Redis's answers (the unit check's cut
// redis-cli's at 4 KiB): the file may name a server another account runs.
const maxReachAnswer = 4096

// reachFailed is the RedisReach of a Redis that said why (or of redis-cli saying why not):
// the password masked, Redis's words cut at maxReachDetail, the target named.
func reachFailed(why string, t RedisTarget) RedisReach {
	where := t.Network + ":" + t.Addr
	if t.Password != "" {
		why = strings.ReplaceAll(why, t.Password, "********")
	}
	if len(why) > maxReachDetail {
		why = strings.ToValidUTF8(why[:maxReachDetail], "") + "..."
	}
	return RedisReach{Checked: true, Detail: why + " (" + where + ")"}
}

// ParseRedisReach reads the Redis section of the unit check: one redis-cli line per command
// of t's prelude and the PING, or the lines redis-cli printed when it could not connect.
func ParseRedisReach(out string, t RedisTarget) RedisReach {
	where := t.Network + ":" + t.Addr
	out = strings.TrimSpace(out)
	if out == "@@nocli" {
		return RedisReach{Detail: NotChecked + "the host has no redis-cli to ask Redis at " + where + " with"}
	}
	lines := strings.Split(out, "\n")
	r := RedisReach{Checked: true}
	if cliFormatted(lines[len(lines)-1]).Str == "PONG" && len(lines) == len(t.prelude())+1 {
		r.OK = true
		return r
	}
	why := ""
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if rep := cliFormatted(l); rep.Err != "" {
			why = rep.Err
			break
		}
		if strings.HasPrefix(l, "Could not connect") {
			why = l
			break
		}
	}
	if why == "" {
		why = fmt.Sprintf("unexpected answer %.120q", out)
	}
	return reachFailed(why, t)
}

// ParseProcessListeners parses processListenersScript's output; name goes into each
// listener's Process. The unit's facts (or the PID file's) are filled when the output has
// them.
func ParseProcessListeners(out, name string) (Unit, error) {
	var u Unit
	if rest, ok := strings.CutPrefix(out, "@@pidfile\n"); ok {
		props, after, found := strings.Cut(rest, "@@sockets\n")
		if !found {
			return u, fmt.Errorf("unexpected output from the socket listing: %.80q", out)
		}
		var systemd, notChecked string
		mainSeen := false
		for _, line := range strings.Split(props, "\n") {
			k, v, _ := strings.Cut(line, "=")
			switch k {
			case "Systemd":
				systemd = v
			case "NotChecked":
				notChecked = v
			case "PIDFile":
				u.PIDFile = v
			case "MainPID":
				u.MainPID, _ = strconv.Atoi(v)
				mainSeen = true
			}
		}
		switch {
		case notChecked != "":
			u.NotChecked = NotChecked + systemd + ", and " + notChecked
		case !mainSeen:
			return u, fmt.Errorf("unexpected output from the socket listing: %.80q", out)
		}
		out = "@@sockets\n" + after
	} else if rest, ok := strings.CutPrefix(out, "@@unit\n"); ok {
		props, after, found := strings.Cut(rest, "@@sockets\n")
		if !found {
			return u, fmt.Errorf("unexpected output from the socket listing: %.80q", out)
		}
		u.Properties = map[string]string{}
		for _, line := range strings.Split(props, "\n") {
			k, v, ok := strings.Cut(line, "=")
			if ok {
				u.Properties[k] = v
			}
			switch k {
			case "ActiveState":
				u.ActiveState = v
			case "MainPID":
				u.MainPID, _ = strconv.Atoi(v)
			}
		}
		out = "@@sockets\n" + after
	}
	sockets, tables, ok := strings.Cut(strings.TrimPrefix(out, "@@sockets\n"), "@@tcp\n")
	if !ok || !strings.HasPrefix(out, "@@sockets\n") {
		return u, fmt.Errorf("unexpected output from the socket listing: %.80q", out)
	}
	owner := map[string]int{}
	for _, line := range strings.Split(sockets, "\n") {
		// "/proc/812/fd socket:[4242]"
		dir, link, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		pid, ok := strings.CutSuffix(strings.TrimPrefix(dir, "/proc/"), "/fd")
		inode, ok2 := strings.CutPrefix(link, "socket:[")
		inode, ok3 := strings.CutSuffix(inode, "]")
		if !ok || !ok2 || !ok3 {
			continue
		}
		if p, err := strconv.Atoi(pid); err == nil {
			owner[inode] = p
		}
	}
	if len(owner) == 0 {
		return u, nil
	}
	// The tables hold every socket of the host (thousands on a busy one): look at a line's
	// state and inode in place and parse only the listeners of the processes asked for.
	for rest := tables; rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		if nthField(line, 3) != "0A" {
			continue
		}
		pid, mine := owner[nthField(line, 9)]
		if !mine {
			continue
		}
		for _, l := range ParseProcNetTCP(line) {
			l.Process, l.PID = name, pid
			u.Listeners = append(u.Listeners, l)
		}
	}
	sortListeners(u.Listeners)
	return u, nil
}

// nthField returns the n-th (from 0) space-separated field of line without allocating.
func nthField(line string, n int) string {
	for i := 0; ; i++ {
		line = strings.TrimLeft(line, " \t")
		if line == "" {
			return ""
		}
		end := strings.IndexAny(line, " \t")
		if end < 0 {
			end = len(line)
		}
		if i == n {
			return line[:end]
		}
		line = line[end:]
	}
}
