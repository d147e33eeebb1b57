package ntopnghardening

import (
	"slices"
	"strings"
	"testing"

	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
)

func TestRemoteCollectors(t *testing.T) {
	for _, tc := range []struct {
		ifaces []string
		want   []string
	}{
		{[]string{"tcp://127.0.0.1:5556c"}, nil},
		{[]string{"tcp://127.9.9.9:5556c", "tcp://[::1]:5556c", "tcp://localhost:5556c", "zmq://127.0.0.1:1c"}, nil},
		{[]string{"eth0", "tcp://192.0.2.1:5556"}, nil}, // capture; probe mode (ntopng connects out)
		{[]string{"tcp://*:5556c"}, []string{"tcp://*:5556c"}},
		{[]string{"tcp://0.0.0.0:5556c"}, []string{"tcp://0.0.0.0:5556c"}},
		{[]string{"tcp://[::]:5556c"}, []string{"tcp://[::]:5556c"}},
		{[]string{"tcp://[::ffff:127.0.0.1]:5556c"}, nil},
		{[]string{"tcp://127.0.0.1:1c, zmq://198.18.0.2:2c"}, []string{"zmq://198.18.0.2:2c"}},
		{[]string{"tcp://probe.example:5556c"}, []string{"tcp://probe.example:5556c"}},
		{[]string{"tcp://eth0:5556c"}, []string{"tcp://eth0:5556c"}}, // a ZMQ interface name: every address of eth0
	} {
		if got := RemoteCollectors(tc.ifaces); !slices.Equal(got, tc.want) {
			t.Errorf("RemoteCollectors(%q) = %q, want %q", tc.ifaces, got, tc.want)
		}
	}
}

func TestCheckCollectors(t *testing.T) {
	if p := CheckCollectors("tcp://*:5556c", false); p == nil || !strings.Contains(p.Detail, "tcp://*:5556c") || !strings.Contains(p.Detail, "zmq_encryption = true") {
		t.Errorf("open collector without encryption: %v", p)
	}
	if p := CheckCollectors("tcp://*:5556c", true); p != nil {
		t.Errorf("with encryption: %v", p)
	}
	if p := CheckCollectors("tcp://127.0.0.1:5556c", false); p != nil {
		t.Errorf("loopback: %v", p)
	}
}

func TestZMQEncryptPwdRefused(t *testing.T) {
	p := CheckExtraOption("zmq-encrypt-pwd", "secretsecret")
	if p == nil || !strings.Contains(p.Detail, "XOR") || !strings.Contains(p.Detail, "zmq_encryption") {
		t.Fatalf("zmq-encrypt-pwd: %v", p)
	}
	if p := CheckExtraOption("zmq-encryption", ""); p == nil || !strings.Contains(p.Detail, "zmq_encryption") {
		t.Fatalf("zmq-encryption in extra_options: %v", p)
	}
	if p := CheckExtraOption("zmq-encryption-key-priv", strings.Repeat("a", 40)); p == nil {
		t.Fatal("the private key in extra_options (kept in the state) must be refused")
	}
}

func TestZMQEncryptionSettings(t *testing.T) {
	on, off := true, false
	d := Desired{HTTPListen: "disabled", HTTPSListen: "443", User: "ntopng", ZMQEncryption: &on}
	set, _, _ := d.Settings("")
	if !slices.ContainsFunc(set, func(s ntopngconf.Setting) bool { return s.Name == "zmq-encryption" && s.Flag }) {
		t.Errorf("zmq_encryption = true: %v", set)
	}
	d.ZMQEncryption = &off
	_, remove, _ := d.Settings("")
	if !slices.Contains(remove, "zmq-encryption") {
		t.Errorf("zmq_encryption = false: remove %v", remove)
	}
	d.ZMQEncryption = nil
	set, remove, _ = d.Settings("")
	if slices.Contains(remove, "zmq-encryption") || slices.ContainsFunc(set, func(s ntopngconf.Setting) bool { return s.Name == "zmq-encryption" }) {
		t.Errorf("unset: managed anyway: %v %v", set, remove)
	}
}

func TestPrivateKeyDrifted(t *testing.T) {
	for _, tc := range []struct {
		owner, mode string
		want        bool
	}{
		{"", "", false},
		{"root:root", "0600", false},
		{"ntopng:ntopng", "0600", false},
		{"root:root", "0640", true},
		{"root:root", "0644", true},
		{"www-data:www-data", "0600", true},
		{"root:root", "not a regular file", true},
	} {
		if got := PrivateKeyDrifted(tc.owner, tc.mode, "ntopng"); got != tc.want {
			t.Errorf("PrivateKeyDrifted(%q, %q) = %v, want %v", tc.owner, tc.mode, got, tc.want)
		}
	}
}

func TestIsZ85Key(t *testing.T) {
	if !isZ85Key([]byte("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")) {
		t.Error("a real Z85 key refused")
	}
	for _, bad := range []string{"", "root:x:0:0:root:/root:/bin/bash\nabcdefgh", strings.Repeat("a", 41), strings.Repeat("a", 39) + "\n"} {
		if isZ85Key([]byte(bad)) {
			t.Errorf("%q taken for a key", bad)
		}
	}
}
