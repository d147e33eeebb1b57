package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// Each sandbox is a machine of its own on the network: the container runs
// in a network namespace made for it, joined to this machine by one veth
// pair and nothing else. The link's addresses come from 198.18.0.0/15, the
// range RFC 2544 sets aside for test networks, one /29 per sandbox:
//
//	.1  this machine's end (Host.LinkAddr): the address tests connect from
//	.2  the sandbox's eth0 (Host.Addr): sshd, ntopng, its only address
//	.3  this machine's end too (Host.OtherAddr): a second client, for
//	    access lists that must let one client in and keep another out
//
// The namespace has no default route and this machine forwards nothing for
// it (no route is added, no forwarding switched on), so the sandbox reaches
// only this machine's two addresses on the link, and its listeners are seen
// by no other sandbox and not on this machine's own addresses: sandboxes
// run side by side, each with sshd on 22, Redis on 6379 and ntopng on its
// stock ports. IPv6 is off on both ends of the link (the container keeps
// ::1 on its loopback).

// linkName is what newLink names a link; removeLink touches nothing else.
var linkName = regexp.MustCompile(`^ntsb-[0-9a-f]{8}$`)

// testNet is the range the links' addresses come from.
var testNet = netip.MustParsePrefix("198.18.0.0/15")

// linkBits is the prefix length of one sandbox's link.
const linkBits = 29

// netLock serialises the choice of a link's addresses between processes.
const netLock = "/run/ntopng-sandbox-net.lock"

// link is a sandbox's network: its namespace and veth pair.
type link struct {
	name      string       // the namespace (/run/netns/NAME) and this machine's end of the veth pair
	prefix    netip.Prefix // the /29
	host      netip.Addr   // .1, this machine
	other     netip.Addr   // .3, this machine
	guest     netip.Addr   // .2, the sandbox's eth0
	ipTool    string
	nsCreated bool
}

// nsPath is the namespace's file, for systemd-nspawn --network-namespace-path.
func (l *link) nsPath() string { return "/run/netns/" + l.name }

// newLink makes the namespace and the veth pair, with addresses no
// interface of this machine uses yet. Its name is recorded in dir
// (link.name) first, so that sweepStale can remove what a killed test left.
func newLink(ctx context.Context, dir string, progress io.Writer) (*link, error) {
	ipTool, err := lookTool("ip")
	if err != nil {
		return nil, fmt.Errorf("%w; install iproute2", err)
	}
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		return nil, err
	}
	l := &link{name: "ntsb-" + hex.EncodeToString(suffix), ipTool: ipTool}
	if err := os.WriteFile(filepath.Join(dir, "link.name"), []byte(l.name+"\n"), 0o644); err != nil {
		return nil, err
	}
	unlock, err := lockFile(ctx, netLock, "choosing a sandbox's link addresses", progress)
	if err != nil {
		return nil, err
	}
	defer unlock()
	used, err := l.usedAddrs(ctx)
	if err != nil {
		return nil, err
	}
	if l.prefix, err = freeLink(used); err != nil {
		return nil, err
	}
	base := l.prefix.Addr()
	l.host, l.guest = base.Next(), base.Next().Next()
	l.other = l.guest.Next()
	guestIf := "ntsg-" + hex.EncodeToString(suffix)
	bits := fmt.Sprint("/", linkBits)
	steps := [][]string{
		{"netns", "add", l.name},
		{"link", "add", l.name, "type", "veth", "peer", "name", guestIf, "netns", l.name},
		{"-n", l.name, "link", "set", guestIf, "name", "eth0"},
		{"-n", l.name, "addr", "add", l.guest.String() + bits, "dev", "eth0"},
		{"addr", "add", l.host.String() + bits, "dev", l.name},
		{"addr", "add", l.other.String() + bits, "dev", l.name},
	}
	for i, args := range steps {
		if err := l.ip(ctx, args...); err != nil {
			return l, err
		}
		if i == 0 {
			l.nsCreated = true
		}
	}
	// IPv6 off on the link before it comes up: no link-local address, no
	// router or neighbour solicitation leaves either end.
	if err := os.WriteFile("/proc/sys/net/ipv6/conf/"+l.name+"/disable_ipv6", []byte("1"), 0o644); err != nil && !errors.Is(err, os.ErrNotExist) {
		return l, fmt.Errorf("turn IPv6 off on %s: %w", l.name, err)
	}
	for _, args := range [][]string{
		{"netns", "exec", l.name, "sh", "-c", "[ ! -e /proc/sys/net/ipv6/conf/eth0/disable_ipv6 ] || echo 1 > /proc/sys/net/ipv6/conf/eth0/disable_ipv6"},
		{"-n", l.name, "link", "set", "lo", "up"},
		{"-n", l.name, "link", "set", "eth0", "up"},
		{"link", "set", l.name, "up"},
	} {
		if err := l.ip(ctx, args...); err != nil {
			return l, err
		}
	}
	return l, nil
}

// ip runs the ip tool.
func (l *link) ip(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, l.ipTool, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// usedAddrs lists every IPv4 address on this machine's interfaces.
func (l *link) usedAddrs(ctx context.Context) ([]netip.Addr, error) {
	out, err := exec.CommandContext(ctx, l.ipTool, "-o", "-4", "addr", "show").Output()
	if err != nil {
		return nil, fmt.Errorf("ip -o -4 addr show: %w", err)
	}
	return parseAddrs(string(out)), nil
}

// parseAddrs takes the addresses out of `ip -o -4 addr show`.
func parseAddrs(out string) []netip.Addr {
	var addrs []netip.Addr
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		for i := 0; i+1 < len(f); i++ {
			if f[i] != "inet" {
				continue
			}
			if p, err := netip.ParsePrefix(f[i+1]); err == nil {
				addrs = append(addrs, p.Addr())
			}
		}
	}
	return addrs
}

// freeLink picks, at random, a /29 of testNet that holds none of used (and
// is not the range's first or last).
func freeLink(used []netip.Addr) (netip.Prefix, error) {
	links := uint32(1) << (32 - testNet.Bits() - (32 - linkBits)) // /29s in the /15
	start := binary.BigEndian.Uint32(testNet.Addr().AsSlice())
	var r [4]byte
	for try := 0; try < 100; try++ {
		if _, err := rand.Read(r[:]); err != nil {
			return netip.Prefix{}, err
		}
		i := 1 + binary.BigEndian.Uint32(r[:])%(links-2)
		var a [4]byte
		binary.BigEndian.PutUint32(a[:], start+i<<(32-linkBits))
		p := netip.PrefixFrom(netip.AddrFrom4(a), linkBits)
		free := true
		for _, u := range used {
			if p.Contains(u) {
				free = false
				break
			}
		}
		if free {
			return p, nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("no free /%d left in %s", linkBits, testNet)
}

// remove deletes the namespace (which takes the sandbox's end of the veth
// pair, and so the pair, with it) and this machine's end if it is still
// there.
func (l *link) remove() error {
	if l == nil {
		return nil
	}
	return removeLink(l.name)
}

// removeLink deletes the namespace and veth end called name, ignoring what
// is already gone.
func removeLink(name string) error {
	if !linkName.MatchString(name) {
		return fmt.Errorf("not removing %q: not a sandbox's link name", name)
	}
	ipTool, err := lookTool("ip")
	if err != nil {
		return err
	}
	var errs []error
	if _, err := os.Stat("/run/netns/" + name); err == nil {
		if out, err := exec.Command(ipTool, "netns", "del", name).CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("ip netns del %s: %w: %s", name, err, strings.TrimSpace(string(out))))
		}
	}
	if _, err := os.Stat("/sys/class/net/" + name); err == nil {
		// The kernel removes the pair shortly after its namespace: gone by now is not an error.
		if out, err := exec.Command(ipTool, "link", "del", name).CombinedOutput(); err != nil && !strings.Contains(string(out), "Cannot find device") {
			errs = append(errs, fmt.Errorf("ip link del %s: %w: %s", name, err, strings.TrimSpace(string(out))))
		}
	}
	return errors.Join(errs...)
}
