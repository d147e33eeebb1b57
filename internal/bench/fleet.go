// Package bench drives the real terraform CLI and the provider binary against a fleet of
// test hosts on this machine: K real sshd (internal/testhost), each with its own directory
// tree holding an ntopng.conf, a redis.conf (with a redis-server when asked) and a
// certificate. TestBench (`make bench`) times it; the count tests of internal/provider use
// it to count logins and channels. Like testhost, only tests may import it.
//
// One machine has one network namespace, so every host's `ss` sees every ntopng stand-in:
// the fleet therefore runs ONE shared stand-in, and every host's ntopng_instance is
// configured to listen where that stand-in listens (and every ntopng_tls_cert holds the
// certificate it serves). Each host's restart commands append a line to that host's
// restart log (and restart its redis-server, when there is one), so restarts can be counted.
package bench

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
	"github.com/hardenops/terraform-provider-ntopng/internal/tlsciphers"
)

// Options says what StartFleet builds.
type Options struct {
	// Hosts is the number of sshd hosts.
	Hosts int
	// Redis starts one redis-server per host (with `hz 1`, so that idle servers cost no
	// CPU) and sets verify_live = true on ntopng_redis. Without it redis.conf is managed all
	// the same, with verify_live = false and a restart command that only counts.
	Redis bool
}

// Host is one test host: an sshd and the files the three resources manage.
type Host struct {
	SSHD *testhost.SSHD
	// Dir (<SSHD.Dir>/probe) holds everything below.
	Dir        string
	NtopngConf string // ntopng.conf, managed by ntopng_instance
	DataDir    string // ntopng's data directory (made by ntopng_instance)
	CertPath   string // <Dir>/ntopng/httpdocs/ssl/ntopng-cert.pem, written by ntopng_tls_cert
	RedisConf  string // redis.conf, managed by ntopng_redis
	// RedisSocket is the unixsocket ntopng_redis configures.
	RedisSocket string
	// RestartLog gets one line per restart command run on the host ("ntopng" or "redis").
	RestartLog string
}

// Fleet is K hosts, the provider built for dev_overrides, the shared ntopng stand-in and
// two Terraform working directories (the ntopng configuration and the terraform_data
// baseline) under Dir.
type Fleet struct {
	Hosts []*Host
	// Dir holds cli.tfrc, provider/ and noop/ (the dev_overrides directories), rss/, ntopng/,
	// baseline/, floor/ and schemafloor/.
	Dir string
	// WorkDir is the Terraform directory of the ntopng configuration; BaselineDir the one of
	// the terraform_data baseline; FloorDir the one of the no-op plugin provider's resources;
	// SchemaFloorDir the one of the no-op provider's resources with the ntopng schemas;
	// PeerDir the one of the peer (tenstad/remote, only with BENCH_PEER_PROVIDER).
	WorkDir, BaselineDir, FloorDir, SchemaFloorDir, PeerDir string
	// HTTPSListen is where the shared stand-in serves HTTPS ("127.0.0.1:PORT").
	HTTPSListen string
	// RedisPassword is the requirepass every host gets.
	RedisPassword string

	opts     Options
	provider *Provider
	standin  *testhost.Ntopng
	certPEM  string
	keyPEM   string
}

// StartFleet builds the provider, starts the shared ntopng stand-in and opts.Hosts sshd
// hosts, and lays out each host's files in their stock, insecure state. Everything is
// stopped and removed in t.Cleanup. It skips the test when sshd or terraform cannot run here.
func StartFleet(t testing.TB, opts Options) *Fleet {
	t.Helper()
	if opts.Hosts < 1 {
		t.Fatalf("bench: a fleet needs at least one host, got %d", opts.Hosts)
	}
	tf := testhost.TerraformPath(t)
	f := &Fleet{Dir: testhost.TempDir(t), opts: opts, RedisPassword: randomPassword(t)}
	f.WorkDir = filepath.Join(f.Dir, "ntopng")
	f.BaselineDir = filepath.Join(f.Dir, "baseline")
	f.FloorDir = filepath.Join(f.Dir, "floor")
	f.SchemaFloorDir = filepath.Join(f.Dir, "schemafloor")
	f.PeerDir = filepath.Join(f.Dir, "peer")
	for _, d := range []string{f.WorkDir, f.BaselineDir, f.FloorDir, f.SchemaFloorDir, f.PeerDir} {
		mkdir(t, d)
	}
	f.provider = BuildProvider(t, f.Dir, tf)
	f.certPEM, f.keyPEM = selfSigned(t)

	// The shared stand-in: HTTPS only, with the fleet's certificate and the TLS 1.2 ciphers of
	// the default tls_profile (the hosts' files do not reach it), never dropping root.
	docs := filepath.Join(f.Dir, "standin-httpdocs")
	writeFile(t, filepath.Join(docs, "ssl", "ntopng-cert.pem"), f.keyPEM+f.certPEM, 0o600)
	f.HTTPSListen = net.JoinHostPort("127.0.0.1", strconv.Itoa(testhost.FreePort(t)))
	f.standin = testhost.StartNtopng(t, fmt.Sprintf("--http-port=0\n--https-port=%s\n--httpdocs-dir=%s\n--dont-change-user\n--ciphers-list=%s\n",
		f.HTTPSListen, docs, tlsciphers.CiphersList(tlsciphers.Intermediate, nil)))

	clientKey, authorized := clientKey(t)
	writeFile(t, filepath.Join(f.WorkDir, "id_ed25519"), clientKey, 0o600)
	var knownHosts strings.Builder
	for i := 0; i < opts.Hosts; i++ {
		h := f.startHost(t, authorized)
		f.Hosts = append(f.Hosts, h)
		knownHosts.WriteString(h.SSHD.KnownHostsLine() + "\n")
	}
	writeFile(t, filepath.Join(f.WorkDir, "known_hosts"), knownHosts.String(), 0o644)
	writeFile(t, filepath.Join(f.WorkDir, "cert.pem"), f.certPEM, 0o644)
	writeFile(t, filepath.Join(f.WorkDir, "key.pem"), f.keyPEM, 0o600)
	return f
}

// startHost starts one sshd that also accepts the fleet's client key for root, and writes
// the host's stock files and restart scripts.
func (f *Fleet) startHost(t testing.TB, authorized string) *Host {
	t.Helper()
	s := testhost.StartSSHD(t, testhost.Options{})
	s.ServeUnit(t, "ntopng.service", f.standin.PidFile) // each host's ntopng.service is the shared stand-in
	appendFile(t, filepath.Join(s.Dir, "authorized_keys", "root"), authorized)
	h := &Host{SSHD: s, Dir: filepath.Join(s.Dir, "probe")}
	h.NtopngConf = filepath.Join(h.Dir, "ntopng", "ntopng.conf")
	h.DataDir = filepath.Join(h.Dir, "ntopng", "data")
	h.CertPath = filepath.Join(h.Dir, "ntopng", "httpdocs", "ssl", "ntopng-cert.pem")
	h.RedisConf = filepath.Join(h.Dir, "redis", "redis.conf")
	h.RedisSocket = filepath.Join(h.Dir, "redis", "redis.sock")
	h.RestartLog = filepath.Join(h.Dir, "restarts.log")
	mkdir(t, filepath.Dir(h.CertPath))
	mkdir(t, filepath.Dir(h.RedisConf))
	writeFile(t, h.NtopngConf, stockNtopngConf, 0o644)
	writeFile(t, h.RestartLog, "", 0o644)

	redisDir := filepath.Dir(h.RedisConf)
	// `hz 1`: a hundred idle servers must not eat the CPU the benchmark measures.
	redisConf := testhost.RedisBaseConf(redisDir, testhost.FreePort(t)) + "hz 1\n"
	restartRedis := ""
	if f.opts.Redis {
		r := testhost.StartRedis(t, redisConf)
		restartRedis = "exec " + shellQuote(r.RestartScript) + "\n"
	} else {
		writeFile(t, h.RedisConf, redisConf, 0o644)
	}
	log := shellQuote(h.RestartLog)
	writeFile(t, h.restartScript("ntopng"), "#!/bin/sh\n# The fleet's ntopng is the shared stand-in: only count.\necho ntopng >> "+log+"\n", 0o755)
	writeFile(t, h.restartScript("redis"), "#!/bin/sh\necho redis >> "+log+"\n"+restartRedis, 0o755)
	return h
}

// restartScript is the path of the host's restart script for service ("ntopng" or "redis").
func (h *Host) restartScript(service string) string {
	return filepath.Join(h.Dir, "restart-"+service+".sh")
}

// Restarts counts the restart commands run on the host so far.
func (h *Host) Restarts(t testing.TB) int {
	t.Helper()
	b, err := os.ReadFile(h.RestartLog)
	if err != nil {
		t.Fatalf("bench: %v", err)
	}
	return strings.Count(string(b), "\n")
}

// stockNtopngConf is the host's ntopng.conf before the first apply: ntop's shipped file in
// spirit, plain HTTP on every address.
const stockNtopngConf = `# ntopng.conf as shipped (bench host)
#       -G=/var/run/ntopng.pid
-w=3000
--community
`

// Logins returns the number of successful SSH logins on each host so far, from sshd's logs.
func (f *Fleet) Logins() []int {
	out := make([]int, len(f.Hosts))
	for i, h := range f.Hosts {
		out[i] = h.SSHD.AcceptedLogins()
	}
	return out
}

// Restarts counts the restart commands run on all hosts so far.
func (f *Fleet) Restarts(t testing.TB) int {
	t.Helper()
	n := 0
	for _, h := range f.Hosts {
		n += h.Restarts(t)
	}
	return n
}

// FileStamp identifies one version of a file: any write, even an atomic rename of the same
// bytes, changes the inode or the modification time.
type FileStamp struct {
	Inode   uint64
	Size    int64
	ModTime time.Time
}

// Snapshot stamps every file the provider could write on the hosts: everything under each
// host's Dir (but the restart log and Redis's log, pid file and socket) and the host's
// /etc/passwd and /etc/group.
func (f *Fleet) Snapshot(t testing.TB) map[string]FileStamp {
	t.Helper()
	out := map[string]FileStamp{}
	stamp := func(p string, fi os.FileInfo) {
		st, _ := fi.Sys().(*syscall.Stat_t)
		var ino uint64
		if st != nil {
			ino = st.Ino
		}
		out[p] = FileStamp{Inode: ino, Size: fi.Size(), ModTime: fi.ModTime()}
	}
	for _, h := range f.Hosts {
		err := filepath.Walk(h.Dir, func(p string, fi os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			switch ext := filepath.Ext(p); {
			case fi.IsDir(), p == h.RestartLog, ext == ".log", ext == ".pid", ext == ".sock":
				return nil
			}
			stamp(p, fi)
			return nil
		})
		if err != nil {
			t.Fatalf("bench: %v", err)
		}
		for _, name := range []string{"passwd", "group"} {
			p := filepath.Join(h.SSHD.Dir, "etc", name)
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatalf("bench: %v", err)
			}
			stamp(p, fi)
		}
	}
	return out
}

// Resources is the number of ntopng resources in the configuration (three per host).
func (f *Fleet) Resources() int { return 3 * len(f.Hosts) }

// clientKey returns a fresh ed25519 private key (OpenSSH PEM) and its authorized_keys line.
func clientKey(t testing.TB) (privatePEM, authorizedLine string) {
	t.Helper()
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("bench: %v", err)
	}
	block, err := ssh.MarshalPrivateKey(key, "bench")
	if err != nil {
		t.Fatalf("bench: %v", err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatalf("bench: %v", err)
	}
	return string(pem.EncodeToMemory(block)), string(ssh.MarshalAuthorizedKey(sshPub))
}

// selfSigned returns a fresh ECDSA P-256 certificate for 127.0.0.1, valid for a year, and
// its key, both PEM.
func selfSigned(t testing.TB) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("bench: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "bench ntopng"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(1, 0, 0),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("bench: %v", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("bench: %v", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}))
}

// randomPassword returns 40 random letters and digits: a password both Redis and ntopng's
// --redis option carry.
func randomPassword(t testing.TB) string {
	t.Helper()
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 40)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("bench: %v", err)
	}
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return string(b)
}

func mkdir(t testing.TB, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("bench: %v", err)
	}
}

// writeFile writes data to path with mode perm (not filtered by the umask).
func writeFile(t testing.TB, path, data string, perm os.FileMode) {
	t.Helper()
	mkdir(t, filepath.Dir(path))
	if err := os.WriteFile(path, []byte(data), perm); err != nil {
		t.Fatalf("bench: %v", err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatalf("bench: %v", err)
	}
}

func appendFile(t testing.TB, path, data string) {
	t.Helper()
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatalf("bench: %v", err)
	}
	defer fh.Close()
	if _, err := fh.WriteString(data); err != nil {
		t.Fatalf("bench: %v", err)
	}
}

// shellQuote quotes s for POSIX sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
