package testhost

import (
	"fmt"
	"path/filepath"
	"regexp"
	"testing"
)

// The test sshd runs on a machine without systemd, but the provider finds ntopng's
// processes the way the service manager does: `systemctl show -p ActiveState -p MainPID -p
// ControlGroup UNIT`. So that the provider never has to know it talks to a stand-in, the
// sshd's mount namespace has, in /usr/local/sbin (first on root's and sudo's PATH), this
// TEST-ONLY systemctl, and an empty /run/systemd/system (sd_booted's test: the provider asks
// systemd only where it runs; Options.NoSystemd leaves both out). It knows the units a test registered with ServeUnit and answers
// `show` for them from the stand-in's PID file, with no control group (the provider then
// takes the main PID and its children). Every other command fails loudly.
const fakeSystemctl = `#!/bin/sh
# TEST-ONLY systemctl written by internal/testhost: there is no systemd here. It answers
# "systemctl show ... UNIT" for the units a test registered (SSHD.ServeUnit) from the PID
# file of the ntopng stand-in behind each; nothing else.
[ "$1" = show ] || { echo "testhost systemctl: only 'show' is implemented (got: $*)" >&2; exit 1; }
for unit in "$@"; do :; done
pid=0
f=%s/"$unit"
# The shell's own read, no cat: a real systemctl is one process, and make bench counts them.
if [ -f "$f" ]; then
  pf= pid=
  read -r pf < "$f" || [ -n "$pf" ]
  { read -r pid < "$pf"; } 2>/dev/null || [ -n "$pid" ] || pid=0
fi
case $pid in ''|*[!0-9]*) pid=0;; esac
if [ "$pid" != 0 ] && [ -d "/proc/$pid" ]; then state=active; else state=inactive pid=0; fi
printf 'ActiveState=%%s\nMainPID=%%s\nControlGroup=\n' "$state" "$pid"
`

var unitNameRE = regexp.MustCompile(`^[A-Za-z0-9:_.@-]+\.service$`)

// writeFakeSystemctl installs the test-only systemctl into the namespace's /usr/local/sbin.
func (s *SSHD) writeFakeSystemctl(t testing.TB) {
	t.Helper()
	writeFile(t, filepath.Join(s.Dir, "ns", "sbin", "systemctl"), fmt.Sprintf(fakeSystemctl, shellQuote(filepath.Join(s.Dir, "units"))), 0o755)
}

// ServeUnit makes the sshd's test-only systemctl report the process whose PID is in
// pidFile (an ntopng stand-in's Ntopng.PidFile) as the main PID of unit, "active" while
// that process exists and "inactive" otherwise.
func (s *SSHD) ServeUnit(t testing.TB, unit, pidFile string) {
	t.Helper()
	if !unitNameRE.MatchString(unit) {
		t.Fatalf("testhost: ServeUnit: %q is not a service unit name", unit)
	}
	writeFile(t, filepath.Join(s.Dir, "units", unit), pidFile, 0o644)
}
