package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// freePort returns an address on 127.0.0.1 with a port held for this test (testhost.FreePort).
func freePort(t *testing.T) string {
	t.Helper()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(testhost.FreePort(t)))
}

// writeBundle writes key, then certificate, like ntopng-cert.pem.
func writeBundle(t *testing.T, docs string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	b := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	if err := os.MkdirAll(filepath.Join(docs, "ssl"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(docs, "ssl", "ntopng-cert.pem"), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestListenHTTPSOnlyWhenTheCertificateExists(t *testing.T) {
	docs := t.TempDir()
	c := defaultConfig()
	c.HTTPDocs = docs
	c.HTTPSPort = freePort(t)
	c.HTTPPort = freePort(t)

	ls, err := listen(c)
	if err != nil {
		t.Fatal(err)
	}
	closeAll(ls)
	if len(ls) != 1 || ls[0].Addr().String() != c.HTTPPort {
		t.Fatalf("without a certificate: listeners %v, want only HTTP on %s", addrs(ls), c.HTTPPort)
	}

	writeBundle(t, docs)
	c.HTTPPort = "0"
	ls, err = listen(c)
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll(ls)
	if len(ls) != 1 || ls[0].Addr().String() != c.HTTPSPort {
		t.Fatalf("with a certificate and HTTP 0: listeners %v, want only HTTPS on %s", addrs(ls), c.HTTPSPort)
	}
	go func() { _ = http.Serve(ls[0], http.HandlerFunc(page)) }()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := client.Get("https://" + c.HTTPSPort + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if got := strings.TrimSpace(string(body)); got != "ntopng stand-in" {
		t.Errorf("HTTPS page = %q, want %q", got, "ntopng stand-in")
	}
}

func TestListenRefusesABrokenCertificate(t *testing.T) {
	docs := t.TempDir()
	if err := os.MkdirAll(filepath.Join(docs, "ssl"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(docs, "ssl", "ntopng-cert.pem"), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := defaultConfig()
	c.HTTPDocs, c.HTTPSPort, c.HTTPPort = docs, freePort(t), "0"
	if ls, err := listen(c); err == nil {
		closeAll(ls)
		t.Fatalf("listen with a broken certificate succeeded: %v", addrs(ls))
	}
}

func TestPingRedisSendsAuthThenPing(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan []string, 2)
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			r := bufio.NewReader(conn)
			var lines []string
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					break
				}
				lines = append(lines, strings.TrimSpace(line))
				switch {
				case len(lines) == 5 && lines[2] == "AUTH" && lines[4] == "right":
					_, _ = io.WriteString(conn, "+OK\r\n")
				case len(lines) == 5 && lines[2] == "AUTH":
					_, _ = io.WriteString(conn, "-WRONGPASS invalid password\r\n")
				case len(lines) == 8 && lines[7] == "PING":
					_, _ = io.WriteString(conn, "+PONG\r\n")
				}
			}
			conn.Close()
			got <- lines
		}
	}()

	if err := pingRedis(redisTarget{"tcp", l.Addr().String(), "right"}); err != nil {
		t.Errorf("pingRedis with the right password: %v", err)
	}
	if lines := <-got; strings.Join(lines, " ") != "*2 $4 AUTH $5 right *1 $4 PING" {
		t.Errorf("commands sent = %q", lines)
	}
	if err := pingRedis(redisTarget{"tcp", l.Addr().String(), "wrong"}); err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
		t.Errorf("pingRedis with a wrong password: error %v, want WRONGPASS", err)
	}
}

func closeAll(ls []net.Listener) {
	for _, l := range ls {
		l.Close()
	}
}

func addrs(ls []net.Listener) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Addr().String())
	}
	return out
}
