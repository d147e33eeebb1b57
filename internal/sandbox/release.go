package sandbox

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// ReleaseEnv names the environment variable that picks the release of
// the sandbox hosts booted without an explicit one (make demo, make
// sandbox): one of the names in Releases.
const ReleaseEnv = "NTOPNG_SANDBOX_RELEASE"

// DefaultRelease is the release booted when none is asked for: Debian's
// current stable.
const DefaultRelease = "debian13"

// Release is one kind of sandbox host: a Debian release, its own Redis (or
// Valkey) package and the ntopng tarball built on that release.
type Release struct {
	Name    string // "debian12", "debian13-valkey": what tests and NTOPNG_SANDBOX_RELEASE call it
	Dist    string // the folder of its ntopng tarball below the dist folder: "debian12"
	Suite   string // Debian's code name, for debootstrap: "bookworm"
	Version string // VERSION_ID of its /etc/os-release: "12"
	Server  string // the Redis server it runs: "redis" or "valkey"
	// Extra are packages only this release's image gets (tests that need them run on it
	// alone): other releases' images, and their cache keys, stay as they are.
	Extra []string
}

// Releases are the hosts the tests boot: every Debian release operators run
// ntopng on, each with its own redis-server, and Debian 13 once more with
// Valkey instead of Redis.
var Releases = []Release{
	{Name: "debian11", Dist: "debian11", Suite: "bullseye", Version: "11", Server: "redis"}, // Redis 6.0.16
	{Name: "debian12", Dist: "debian12", Suite: "bookworm", Version: "12", Server: "redis"}, // Redis 7.0.15
	// Redis 8.0.2; python3-zmq (pyzmq on Debian's libzmq, with CURVE) is the flow sender of
	// TestSandboxCollectorEncryption.
	{Name: "debian13", Dist: "debian13", Suite: "trixie", Version: "13", Server: "redis", Extra: []string{"python3-zmq"}},
	{Name: "debian13-valkey", Dist: "debian13", Suite: "trixie", Version: "13", Server: "valkey"},
}

// LookupRelease returns the release called name ("" is
// $NTOPNG_SANDBOX_RELEASE, or DefaultRelease).
func LookupRelease(name string) (Release, error) {
	if name == "" {
		name = os.Getenv(ReleaseEnv)
	}
	if name == "" {
		name = DefaultRelease
	}
	i := slices.IndexFunc(Releases, func(r Release) bool { return r.Name == name })
	if i < 0 {
		names := make([]string, len(Releases))
		for j, r := range Releases {
			names[j] = r.Name
		}
		return Release{}, fmt.Errorf("unknown sandbox release %q: one of %s", name, strings.Join(names, ", "))
	}
	return Releases[i], nil
}

// Package is the Debian package of the release's Redis server.
func (r Release) Package() string { return r.Server + "-server" }

// Unit is the systemd unit of the release's Redis server.
func (r Release) Unit() string { return r.Server + "-server" }

// CLI is the release's Redis command-line client: redis-cli, or
// valkey-cli on a Valkey host (which has no redis-cli).
func (r Release) CLI() string { return r.Server + "-cli" }

// ConfigPath is where the release's Redis server reads its configuration.
func (r Release) ConfigPath() string { return "/etc/" + r.Server + "/" + r.Server + ".conf" }

// Socket is the Unix socket Debian's packages suggest for the server.
func (r Release) Socket() string { return "/run/" + r.Server + "/" + r.Server + "-server.sock" }
