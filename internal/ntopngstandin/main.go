// Command ntopng is a TEST STAND-IN for ntopng, NOT ntopng.
//
// ntopng is not packaged for Debian 12, yet the provider's tests need a
// process that behaves like ntopng's web server as far as the provider can
// observe it over SSH. This program is built under the name "ntopng" and
// started like ntopng, with a configuration file as its first argument:
//
//	ntopng /run/ntopng.conf
//
// It reads -w/--http-port, -W/--https-port, -U/--user,
// -s/--dont-change-user, -1/--httpdocs-dir, -r/--redis, -d/--data-dir and
// -G/--pid with its own small parser, and then:
//   - listens for HTTP where --http-port says (default 3000 on every IPv4
//     address);
//   - listens for HTTPS where --https-port says, only when the port is not 0
//     and <httpdocs>/ssl/ntopng-cert.pem exists (private key, then
//     certificate, then chain, in one file);
//   - with HTTP set to 0 and no HTTPS, falls back to HTTP on an ephemeral
//     port on every IPv4 address, as ntopng does (it fails open);
//   - with --redis, connects, sends AUTH when a password is given and PING,
//     and exits 1 when that fails, as ntopng refuses to start without Redis;
//   - after binding, with --pid, writes its PID and a newline to that file
//     (as ntopng does where no systemd unit comments the option out: an init
//     script or a start by hand);
//   - after binding, when started as root without --dont-change-user, drops
//     to --user (or "nobody" when that user does not exist).
//
// Deviation from ntopng: without --redis the stand-in does not contact
// Redis at all (ntopng would use 127.0.0.1:6379), so host tests need no
// Redis unless they ask for it. It serves a one-line page, "ntopng
// stand-in", and exits cleanly on SIGTERM or SIGINT.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/tlsciphers"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("ntopng stand-in: ")
	if len(os.Args) != 2 || strings.HasPrefix(os.Args[1], "-") {
		log.Fatal("usage: ntopng <config-file> (this is a test stand-in for ntopng)")
	}
	c, err := readConfig(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	if err := run(c); err != nil {
		log.Fatal(err)
	}
}

// run binds, drops privileges and serves until SIGTERM or SIGINT.
func run(c config) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if c.Redis != "" {
		t := parseRedis(c.Redis)
		if err := pingRedis(t); err != nil { // the password stays out of the message
			return fmt.Errorf("cannot use Redis at %s (from --redis): %w", t.Address, err)
		}
	}
	listeners, err := listen(c)
	if err != nil {
		return err
	}
	if c.PIDFile != "" {
		if err := os.WriteFile(c.PIDFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			return fmt.Errorf("cannot write the PID file (--pid): %w", err)
		}
	}
	if os.Geteuid() == 0 && !c.DontChangeUser {
		if err := dropPrivileges(c.User); err != nil {
			return err
		}
	}
	srv := &http.Server{Handler: http.HandlerFunc(page), ReadHeaderTimeout: 10 * time.Second}
	errs := make(chan error, len(listeners))
	for _, l := range listeners {
		go func() { errs <- srv.Serve(l) }()
	}
	select {
	case <-ctx.Done():
		log.Print("stopping")
		return srv.Close()
	case err := <-errs:
		return err
	}
}

// listen opens the HTTP and HTTPS listeners the configuration asks for.
func listen(c config) ([]net.Listener, error) {
	var out []net.Listener
	httpsAddr, err := parseListen(c.HTTPSPort)
	if err != nil {
		return nil, err
	}
	certFile := filepath.Join(c.HTTPDocs, "ssl", "ntopng-cert.pem")
	if httpsAddr != "" {
		pem, err := os.ReadFile(certFile)
		switch {
		case errors.Is(err, os.ErrNotExist):
			log.Print("HTTPS Disabled: missing TLS certificate ", certFile)
		case err != nil:
			return nil, err
		default:
			pair, err := tls.X509KeyPair(pem, pem)
			if err != nil {
				return nil, fmt.Errorf("invalid TLS certificate %s (want the private key, then the certificate): %w", certFile, err)
			}
			l, err := net.Listen(network(httpsAddr), httpsAddr)
			if err != nil {
				return nil, err
			}
			cfg := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12, CipherSuites: cipherSuites(c.CiphersList)}
			log.Print("HTTPS listening on ", l.Addr())
			out = append(out, tls.NewListener(l, cfg))
		}
	}
	httpAddr, err := parseListen(c.HTTPPort)
	if err != nil {
		return nil, err
	}
	if httpAddr == "" && len(out) == 0 {
		httpAddr = "0.0.0.0:0" // ntopng's fail-open fallback
	}
	if httpAddr != "" {
		l, err := net.Listen(network(httpAddr), httpAddr)
		if err != nil {
			return nil, err
		}
		log.Print("HTTP listening on ", l.Addr())
		out = append(out, l)
	}
	return out, nil
}

// network keeps IPv4 addresses on IPv4 sockets (0.0.0.0 means IPv4 only).
func network(addr string) string {
	if strings.HasPrefix(addr, "[") {
		return "tcp6"
	}
	return "tcp4"
}

// page is the whole web interface of the stand-in.
func page(w http.ResponseWriter, _ *http.Request) {
	fmt.Fprintln(w, "ntopng stand-in")
}

// pingRedis authenticates when asked and expects +PONG.
func pingRedis(t redisTarget) error {
	conn, err := net.DialTimeout(t.Network, t.Address, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(conn)
	if t.Password != "" {
		if err := command(conn, r, "+OK", "AUTH", t.Password); err != nil {
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	return command(conn, r, "+PONG", "PING")
}

// command sends one RESP command and checks the one-line reply.
func command(conn net.Conn, r *bufio.Reader, want string, args ...string) error {
	msg := "*" + strconv.Itoa(len(args)) + "\r\n"
	for _, a := range args {
		msg += "$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n"
	}
	if _, err := conn.Write([]byte(msg)); err != nil {
		return err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if got := strings.TrimSpace(line); got != want {
		return fmt.Errorf("redis replied %q", got)
	}
	return nil
}

// dropPrivileges switches to name, or to nobody when name does not exist,
// with the user's supplementary groups from /etc/group.
func dropPrivileges(name string) error {
	u, err := user.Lookup(name)
	if err != nil {
		log.Printf("user %q not found, running as nobody", name)
		if u, err = user.Lookup("nobody"); err != nil {
			return fmt.Errorf("cannot drop privileges: %w", err)
		}
	}
	ids, err := u.GroupIds()
	if err != nil {
		return fmt.Errorf("cannot list the groups of %s: %w", u.Username, err)
	}
	groups := make([]int, 0, len(ids))
	for _, id := range ids {
		n, err := strconv.Atoi(id)
		if err != nil {
			return fmt.Errorf("group id %q of %s: %w", id, u.Username, err)
		}
		groups = append(groups, n)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := syscall.Setgroups(groups); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setgid(gid); err != nil {
		return fmt.Errorf("setgid: %w", err)
	}
	if err := syscall.Setuid(uid); err != nil {
		return fmt.Errorf("setuid: %w", err)
	}
	log.Printf("running as %s (uid %d, gid %d, groups %v)", u.Username, uid, gid, groups)
	return nil
}

// cipherSuites are the TLS 1.2 suites of a --ciphers-list of OpenSSL cipher names, as far as
// Go's TLS server has them; nil (Go's defaults, which like ntopng's default take CBC ciphers)
// for ntopng's default or OpenSSL cipher-string syntax.
func cipherSuites(list string) []uint16 {
	if list == "" {
		return nil
	}
	var out []uint16
	for _, name := range strings.Split(list, ":") {
		c, ok := tlsciphers.Lookup(name)
		if !ok {
			return nil
		}
		out = append(out, c.ID)
	}
	return out
}
