package tlsciphers

import (
	"crypto/rand"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

func TestCheck(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"ECDHE-RSA-AES128-GCM-SHA256", ""},
		{"ECDHE-ECDSA-CHACHA20-POLY1305", ""},
		{"DHE-RSA-AES256-GCM-SHA384", ""},
		{"ECDHE-ECDSA-AES128-CCM", ""},
		{"AES128-GCM-SHA256", "no forward secrecy (key exchange RSA"},
		{"ECDHE-RSA-AES128-SHA", "is not AEAD (AES(128) with a SHA1 MAC"},
		{"ECDHE-RSA-AES256-SHA384", "is not AEAD"},
		{"ADH-AES128-GCM-SHA256", "authenticates with None"},
		{"ECDHE-PSK-CHACHA20-POLY1305", "authenticates with PSK"},
		{"TLS_AES_128_GCM_SHA256", "is a TLS 1.3 suite"},
		{"HIGH", "cipher-string syntax"},
		{"ECDHE+AESGCM", "cipher-string syntax"},
		{"!aNULL", "cipher-string syntax"},
		{"ECDHE-RSA-AES128-GCM-SHA512", "no TLS 1.2 cipher OpenSSL knows"},
		{"ecdhe-rsa-aes128-gcm-sha256", "no TLS 1.2 cipher OpenSSL knows"},
	} {
		if got := Check(c.name); c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("Check(%q) = %q, want %q", c.name, got, c.want)
		}
	}
	for _, n := range IntermediateCiphers {
		if why := Check(n); why != "" {
			t.Errorf("the intermediate profile's %s %s", n, why)
		}
	}
}

func TestProfiles(t *testing.T) {
	if CiphersList(Ntopng, nil) != "" || OpenSSLConf(Ntopng) != nil {
		t.Error("the ntopng profile writes something")
	}
	if got := CiphersList(Intermediate, []string{"ECDHE-RSA-AES256-GCM-SHA384"}); got != "ECDHE-RSA-AES256-GCM-SHA384" {
		t.Errorf("CiphersList with tls_ciphers = %q", got)
	}
	if c := string(OpenSSLConf(Modern)); !strings.Contains(c, "MinProtocol = TLSv1.3\n") || !strings.Contains(c, "Options = ServerPreference,NoRenegotiation\n") {
		t.Errorf("modern's OpenSSL configuration:\n%s", c)
	}
	if c := string(OpenSSLConf(Intermediate)); !strings.Contains(c, "MinProtocol = TLSv1.2\n") || !strings.Contains(c, "system_default = ntopng_tls\n") {
		t.Errorf("intermediate's OpenSSL configuration:\n%s", c)
	}
}

// ask sends h to addr and parses the answer, as livecheck does through SSH.
func ask(t *testing.T, addr string, h Hello) Reply {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	random, key := make([]byte, 32), make([]byte, 32)
	_, _ = rand.Read(random)
	_, _ = rand.Read(key)
	if _, err := c.Write(ClientHello(h, random, key)); err != nil {
		t.Fatal(err)
	}
	var buf []byte
	chunk := make([]byte, 4096)
	for {
		n, err := c.Read(chunk)
		buf = append(buf, chunk[:n]...)
		r, perr := ParseReply(buf)
		if !errors.Is(perr, ErrIncomplete) {
			if perr != nil {
				t.Fatal(perr)
			}
			return r
		}
		if err == io.EOF {
			return Reply{}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// The probes against Go's TLS server: one that takes TLS 1.2 with ECDHE-ECDSA and CBC, and TLS
// 1.3 (Go's server follows a client that puts ChaCha20 first: not the server's order); then one
// that refuses TLS 1.2.
func TestProbesAgainstGoServer(t *testing.T) {
	addr := testhost.TLSServer(t, &tls.Config{MinVersion: tls.VersionTLS12, CipherSuites: []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}})
	replies := map[string]Reply{}
	for _, p := range Probes(IntermediateCiphers) {
		replies[p.Name] = ask(t, addr, p.Hello)
	}
	o := Observe(replies)
	if strings.Join(o.Protocols, " ") != "TLSv1.2 TLSv1.3" || o.NoForwardSecrecy != "" || o.NotAEAD != "ECDHE-ECDSA-AES128-SHA" ||
		o.Chosen != "ECDHE-ECDSA-AES128-GCM-SHA256" || o.ServerOrder == nil || *o.ServerOrder {
		t.Errorf("observed %+v (replies %+v)", o, replies)
	}
	if r := replies[ProbeTLS11]; r.Accepted || r.Alert != 70 {
		t.Errorf("TLS 1.1 hello: %+v, want alert 70 (protocol version)", r)
	}
	got := Intermediate.Deviations(o, true)
	if len(got) != 2 || !strings.Contains(got[0], "ECDHE-ECDSA-AES128-SHA, which is not AEAD") || !strings.Contains(got[1], "client's order") {
		t.Errorf("intermediate deviations: %q", got)
	}
	if got := Intermediate.Deviations(o, false); len(got) != 1 {
		t.Errorf("intermediate deviations where the order cannot be set: %q", got)
	}
	if got := Modern.Deviations(o, true); len(got) != 1 || got[0] != "TLS 1.2 accepted" {
		t.Errorf("modern deviations: %q", got)
	}

	only13 := testhost.TLSServer(t, &tls.Config{MinVersion: tls.VersionTLS13})
	replies = map[string]Reply{}
	for _, p := range Probes(IntermediateCiphers) {
		replies[p.Name] = ask(t, only13, p.Hello)
	}
	o = Observe(replies)
	if strings.Join(o.Protocols, " ") != "TLSv1.3" || o.Chosen != "" || o.ServerOrder != nil {
		t.Errorf("TLS 1.3 only: observed %+v", o)
	}
	if got := Modern.Deviations(o, true); len(got) != 0 {
		t.Errorf("modern deviations of a TLS 1.3 server: %q", got)
	}
	if got := Intermediate.Deviations(o, true); len(got) != 1 || got[0] != "TLS 1.2 refused the profile's ciphers" {
		t.Errorf("intermediate deviations of a TLS 1.3 server: %q", got)
	}
}

func TestParseReply(t *testing.T) {
	if _, err := ParseReply([]byte{22, 3, 3, 0}); !errors.Is(err, ErrIncomplete) {
		t.Errorf("a short record: %v", err)
	}
	if r, err := ParseReply([]byte{21, 3, 3, 0, 2, 2, 40}); err != nil || r.Accepted || r.Alert != 40 {
		t.Errorf("an alert: %+v %v", r, err)
	}
	if _, err := ParseReply([]byte("HTTP/1.1 400 Bad Request\r\n")); err == nil || errors.Is(err, ErrIncomplete) {
		t.Errorf("plain HTTP: %v", err)
	}
}

func FuzzParseReply(f *testing.F) {
	f.Add([]byte{21, 3, 3, 0, 2, 2, 40})
	f.Add([]byte{22, 3, 3, 0, 4, 2, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseReply(b)
	})
}
