package livecheck

// The unit check: which processes are ntopng's (its systemd unit, or its PID file where
// systemd does not run), where they listen, whether ntopng's Redis lets it in, and the
// callers' probes, in one command (unitcheck.sh, the probes, redisreach.sh).

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostscript"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// ProcessListeners returns the listening TCP sockets of the processes named one of names
// ("redis-server", "valkey-server"), with one command that reads only those processes'
// descriptors. Any local user can name a process so: prefer UnitListeners where the service
// has a systemd unit.
func ProcessListeners(ctx context.Context, c *transport.Conn, names ...string) ([]Listener, error) {
	name := strings.Join(names, " or ")
	// grep -e takes newline-separated patterns: one per name.
	res, err := c.Run(ctx, unitCheckScript.MustCommand(hostscript.Args{"MODE": "name", "NAMES": strings.Join(names, "\n")}), nil)
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
	// Probes are more questions asked of the host in the same command (no other channel
	// opens): what each prints is Unit.Probes[its name].
	Probes []Probe
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
	// Probes holds what each of Service.Probes printed, by its name.
	Probes map[string]string
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
	return parseUnitCheck(out, s.Unit, redis, s.Probes)
}

// tcpTables are the kernel's TCP tables, IPv4 and IPv6. A host without IPv6 has no tcp6 table,
// which is no error.
var tcpTables = []string{"/proc/net/tcp", "/proc/net/tcp6"}

// hostTables reads a table of the host through the SFTP session the reads already have open
// (no process starts on the host for it), up to the first line past its listeners.
func hostTables(ctx context.Context, c *transport.Conn) func(string) ([]byte, error) {
	return func(p string) ([]byte, error) {
		s := listenerScan{header: true}
		return c.ReadProc(ctx, p, s.past)
	}
}

// pastListeners says whether data, the start of a TCP table, already holds a complete line
// that is not a listener. The kernel lists the listening sockets first (its listening hash,
// then the established hash, which holds no listener, since Linux 4.4): after that line no
// listener follows. Reading on would make the kernel walk its whole established hash, every
// connection of the host; on the bench's machine that walk, in a `cat` of both tables, was
// the biggest single item of a host's share of a plan.
func pastListeners(data []byte) bool {
	s := listenerScan{header: true}
	return s.past(data)
}

// listenerScan is pastListeners for a table read a page at a time: each call looks only at
// the lines completed since the last one, without copying them (a host with a thousand
// listeners made a rescan from the start, line by line, cost more than the read).
type listenerScan struct {
	scanned int  // bytes of data already looked at: complete lines only
	header  bool // the next complete line is the table's header
}

func (s *listenerScan) past(data []byte) bool {
	for {
		i := bytes.IndexByte(data[s.scanned:], '\n')
		if i < 0 {
			return false // a partial line says nothing yet
		}
		line := data[s.scanned : s.scanned+i]
		s.scanned += i + 1
		if s.header {
			s.header = false
			continue
		}
		if st := fieldBytes(line, 3); len(st) > 0 && string(st) != "0A" {
			return true
		}
	}
}

// fieldBytes is nthField for a line of bytes, without a copy.
func fieldBytes(line []byte, n int) []byte {
	for i := 0; ; i++ {
		line = bytes.TrimLeft(line, " \t")
		if len(line) == 0 {
			return nil
		}
		end := bytes.IndexAny(line, " \t")
		if end < 0 {
			end = len(line)
		}
		if i == n {
			return line[:end]
		}
		line = line[end:]
	}
}

// withTables puts, after the "@@tcp" marker of unitcheck.sh's output, the tables
// read returns (their complete lines), when the socket listing found any socket: with none
// there is nothing to look up, and the tables are not read.
func withTables(out string, read func(p string) ([]byte, error)) (string, error) {
	secs := hostscript.Sections(out, "redis")
	i := slices.IndexFunc(secs, func(s hostscript.Section) bool { return s.Name == "sockets" })
	if i < 0 || i+1 == len(secs) || secs[i+1].Name != "tcp" {
		return out, nil // ParseProcessListeners says what is wrong with it
	}
	if strings.TrimSpace(secs[i].Body) == "" {
		return out, nil
	}
	var b strings.Builder
	for _, p := range tcpTables {
		data, err := read(p)
		if err != nil {
			return "", fmt.Errorf("reading the kernel's TCP table %s: %w", p, err)
		}
		if k := bytes.LastIndexByte(data, '\n'); k >= 0 {
			b.Write(data[:k+1]) // a line cut short could name another socket's inode
		}
	}
	secs[i+1].Body = b.String() + secs[i+1].Body
	return hostscript.Join(secs), nil
}

// parseUnitCheck parses the unit check's output: the processes' sockets, each probe's
// section, and the Redis section (the last, read raw) when redis is given.
func parseUnitCheck(out, unit string, redis *RedisTarget, probes []Probe) (Unit, error) {
	secs := hostscript.Sections(out, "redis")
	var reach *RedisReach
	if redis != nil {
		sec, found := hostscript.Find(secs, "redis")
		if !found {
			return Unit{}, fmt.Errorf("unexpected output from the unit check of %s: no Redis section", unit)
		}
		r := ParseRedisReach(sec.Body, *redis)
		reach = &r
	}
	var probed map[string]string
	for _, p := range probes {
		body, found := probeOutput(secs, p.Name)
		if !found {
			return Unit{}, fmt.Errorf("unexpected output from the unit check of %s: no section for the probe %s", unit, p.Name)
		}
		if probed == nil {
			probed = map[string]string{}
		}
		probed[p.Name] = body
	}
	u, err := parseProcessSections(secs, unit, out)
	u.Name = unit
	u.Redis = reach
	u.Probes = probed
	return u, err
}

//go:embed unitcheck.sh
var unitCheckSh string

//go:embed redisreach.sh
var redisReachSh string

var (
	// unitCheckScript finds a service's processes and their sockets (unitcheck.sh).
	unitCheckScript = hostscript.New("unitcheck.sh", unitCheckSh)
	// redisReachScript asks a Redis with redis-cli, after the unit check (redisreach.sh).
	redisReachScript = hostscript.New("redisreach.sh", redisReachSh)
)

// unitCheckCommand is the command line and standard input of the unit check: unitcheck.sh,
// then each probe behind its marker, then, when redis is given, redisreach.sh; the Redis
// password (in AUTH) is only on standard input. booted is sd_booted's directory.
func unitCheckCommand(s Service, booted string, redis *RedisTarget) (argv []string, stdin []byte, err error) {
	script := unitCheckScript
	args := hostscript.Args{"MODE": "unit", "UNIT": s.Unit, "BOOTED": booted, "PIDFILE": s.PIDFile, "CONF": s.Config,
		"NTOPNG_UID": strconv.Itoa(s.UID)}
	if len(s.Properties) > 0 {
		for _, p := range s.Properties {
			if !propertyRE.MatchString(p) {
				return nil, nil, fmt.Errorf("systemd property %q: letters only", p)
			}
		}
		args["PROPS"] = strings.Join(s.Properties, ",")
	}
	for _, p := range s.Probes {
		if script, err = p.after(script, args); err != nil {
			return nil, nil, err
		}
	}
	if redis == nil {
		argv, err = script.Command(args)
		return argv, nil, err
	}
	script = script.Then(redisReachScript)
	switch redis.Network {
	case "unix":
		args["REDIS_NET"], args["REDIS_ADDR"] = "unix", redis.Addr
	case "tcp":
		host, port, err := net.SplitHostPort(redis.Addr)
		if err != nil {
			return nil, nil, fmt.Errorf("Redis address %q: %w", redis.Addr, err)
		}
		args["REDIS_NET"], args["REDIS_ADDR"], args["REDIS_PORT"] = "tcp", host, port
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
	argv, err = script.Command(args)
	return argv, []byte(in.String()), err
}

// ParseProcessListeners parses unitcheck.sh's output; name goes into each listener's
// Process. The unit's facts (or the PID file's) are filled when the output has them.
func ParseProcessListeners(out, name string) (Unit, error) {
	return parseProcessSections(hostscript.Sections(out), name, out)
}

// parseProcessSections is ParseProcessListeners on the output's sections (out, the whole
// output, for error messages): "pidfile" or "unit" first when there, then "sockets" and
// "tcp" (what follows is another part's).
func parseProcessSections(secs []hostscript.Section, name, out string) (Unit, error) {
	var u Unit
	bad := fmt.Errorf("unexpected output from the socket listing: %.80q", out)
	if secs[0].Body != "" {
		return u, bad
	}
	secs = secs[1:]
	if len(secs) > 0 && secs[0].Name == "pidfile" {
		props := secs[0].Body
		secs = secs[1:]
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
			return u, bad
		}
	} else if len(secs) > 0 && secs[0].Name == "unit" {
		props := secs[0].Body
		secs = secs[1:]
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
	}
	if len(secs) < 2 || secs[0].Name != "sockets" || secs[1].Name != "tcp" {
		return u, bad
	}
	sockets, tables := secs[0].Body, secs[1].Body
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
