package testhost

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
)

// FreePort returns a TCP port on 127.0.0.1 that stays this test's until it ends, for a
// server the test starts (sshd, redis-server, the ntopng stand-in, a configuration that
// names the port) or for a port where nothing must listen.
//
// The servers are child processes that bind the port themselves, from their own
// configuration, so a listening socket cannot be handed to them; and a port that was free a
// moment ago (a listener on port 0, closed before returning) can be taken in between by
// anyone, a race under -parallel. So the port is held in two ways until the test ends:
//   - it lies outside the kernel's ephemeral range (net.ipv4.ip_local_port_range), so the
//     kernel never gives it to a bind on port 0 or to an outgoing connection (the SSH and
//     Redis clients of the tests themselves);
//   - a reservation every FreePort honours, in this process and in every other test
//     process of the machine (go test runs packages in parallel): an abstract Unix socket
//     named after the port, which the kernel frees when the test's cleanup closes it or
//     the process dies, so nothing is left behind.
//
// A port some other program holds is skipped (a bind is tried before the port is handed
// out). StartSSHD also retries with another port when sshd reports the address in use.
func FreePort(t testing.TB) int {
	t.Helper()
	lo, hi := reservablePorts()
	n := hi - lo + 1
	start := rand.IntN(n)
	for i := range n {
		port := lo + (start+i)%n
		hold, err := net.Listen("unix", fmt.Sprintf("@terraform-provider-ntopng-testhost-port-%d", port))
		if err != nil {
			continue // reserved by another test
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			hold.Close() // another program has it
			continue
		}
		l.Close()
		t.Cleanup(func() { hold.Close() })
		return port
	}
	t.Fatalf("testhost: no free port in %d-%d on 127.0.0.1", lo, hi)
	return 0
}

// reservablePorts is the range FreePort picks from: below the ephemeral range (above 10000),
// or above it when the ephemeral range starts too low.
func reservablePorts() (lo, hi int) {
	elo, ehi := 32768, 60999 // Linux's default
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if a, err := strconv.Atoi(f[0]); err == nil {
				elo = a
			}
			if a, err := strconv.Atoi(f[1]); err == nil {
				ehi = a
			}
		}
	}
	if elo-1-10000 >= 1000 {
		return 10000, elo - 1
	}
	return ehi + 1, 65535
}
