package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// TestSandboxCollectorEncryption: a collector endpoint on the sandbox's own address (nProbe
// would connect from elsewhere) is refused at plan time without zmq_encryption; with it, the
// real ntopng creates its CURVE key pair in its data directory, the state holds the public key
// that is in zmq-key.pub, and the private key is 0600; a flow sender on the real libzmq, the
// way nProbe exports, gets no flow into ntopng without that key (in clear, or CURVE with
// another server key) and gets every flow in with it; a per-interface key pair of ntopng before
// 6.0 takes precedence (zmq-key.pub's key refused, zmq_public_key null); a private key opened to
// others is drift that apply repairs, keeping the key (nProbe's key stays valid).
func TestSandboxCollectorEncryption(t *testing.T) {
	onSandboxes(t, oneRelease, testCollectorEncryption)
}

func testCollectorEncryption(t *testing.T, f *sandboxFixture) {
	const https, zmqPort = 8443, 5556
	dir := "/var/lib/ntopng/c"
	// admin's password counts as changed (ntopng reads its prefs from Redis at start only), so
	// that the REST API answers admin's Basic authentication on loopback instead of sending it to
	// the password change page: checkSenders reads ntopng's counters through it.
	f.mustExec(t, fmt.Sprintf("%[4]s -p %[1]d -n %[2]d set ntopng.prefs.admin_password_changed 1 && install -d -o ntopng -g ntop -m 0700 %[3]s && "+
		"printf -- '-G=/var/run/ntopng-c.pid\\n-i=lo\\n-r=127.0.0.1:%[1]d@%[2]d\\n-d=%[3]s\\n-w=0\\n' > /etc/ntopng/ntopng-c.conf && "+
		"systemctl disable --now ntopng && systemctl start ntopng@c", f.h.StockRedisPort, 3, dir, f.r.CLI()))
	// The flow sender and counter reader (zmqSenderPy), in a file of its own on the sandbox.
	script := f.mustExec(t, "f=$(mktemp /tmp/zmq-sender.XXXXXX) && cat > $f <<'EOF'\n"+zmqSenderPy+"EOF\necho $f")
	t.Cleanup(func() { f.exec("rm -f " + script) })
	zmqAddr := fmt.Sprintf("%s:%d", f.h.Addr, zmqPort)
	var legacyDir string // <data dir>/<the collector's interface id>
	restart := func() {
		f.mustExec(t, "systemctl restart ntopng@c")
		f.waitListener(t, "ntopng", zmqAddr)
	}
	cfg := func(encryption string) string {
		return f.rootProvider() + fmt.Sprintf(`
resource "ntopng_instance" "c" {
  host         = %[1]q
  config_path  = "/etc/ntopng/ntopng-c.conf"
  https_listen = "127.0.0.1:%[2]d"
  interfaces   = ["tcp://%[1]s:%[3]dc"]
  %[4]s
}
`, f.h.Addr, https, zmqPort, encryption)
	}
	const addr = "ntopng_instance.c"
	var privSum string
	keyOnHost := func(s *terraform.State) error {
		pub, err := f.exec("cat " + dir + "/zmq-key.pub")
		if err != nil {
			return err
		}
		if got := s.RootModule().Resources[addr].Primary.Attributes["zmq_public_key"]; len(pub) != 40 || got != pub {
			return fmt.Errorf("zmq_public_key = %q, zmq-key.pub on the host = %q", got, pub)
		}
		st, err := f.exec("stat -c '%U:%G %a' " + dir + "/zmq-key.priv && sha256sum < " + dir + "/zmq-key.priv")
		if err != nil {
			return err
		}
		meta, sum, _ := strings.Cut(st, "\n")
		t.Logf("zmq-key.priv: %s (state: %s %s)", meta, s.RootModule().Resources[addr].Primary.Attributes["zmq_private_key_owner"],
			s.RootModule().Resources[addr].Primary.Attributes["zmq_private_key_mode"])
		if u, _, _ := strings.Cut(meta, ":"); !strings.HasSuffix(meta, " 600") || (u != "root" && u != "ntopng") {
			return fmt.Errorf("zmq-key.priv is %q, want root's or ntopng's with mode 600", meta)
		}
		if privSum == "" {
			privSum = sum
		} else if sum != privSum {
			return fmt.Errorf("the private key changed (nProbe's copy of the public key would be stale)")
		}
		ss, err := f.exec("ss -H -tlnp")
		if err != nil {
			return err
		}
		if want := fmt.Sprintf("%s:%d", f.h.Addr, zmqPort); !strings.Contains(strings.Join(listenersOf(ss, "ntopng"), " "), want) {
			return fmt.Errorf("ntopng does not listen on %s:\n%s", want, ss)
		}
		return nil
	}
	checks := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("zmq_encryption"), knownvalue.Bool(true)),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("zmq_private_key_mode"), knownvalue.StringExact("0600")),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("zmq_private_key_owner"), knownvalue.StringRegexp(regexp.MustCompile(`^(root|ntopng):`))),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("effective_options").AtMapKey("zmq-encryption"), knownvalue.StringExact("")),
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{Config: cfg(""), ExpectError: regexp.MustCompile(`Flow Collector Open Without Encryption`)},
			{Config: cfg("zmq_encryption = true"), ConfigStateChecks: checks,
				Check: resource.ComposeAggregateTestCheckFunc(keyOnHost, func(s *terraform.State) error {
					pub := s.RootModule().Resources[addr].Primary.Attributes["zmq_public_key"]
					return f.checkSenders(t, script, https, zmqPort, []senderCase{
						{"no CURVE", "none", false}, {"another key pair's public key", "wrong", false},
						{"zmq_public_key " + pub, pub, true},
					})
				})},
			{ // a per-interface key pair of ntopng before 6.0 in <data dir>/<interface id>/: the real
				// ntopng uses it instead of zmq-key.*, so zmq-key.pub's key is refused and
				// zmq_public_key is null; removed again, zmq-key.pub's key is back in use.
				Config: cfg("zmq_encryption = true"),
				PreConfig: func() {
					var st collectorStats
					if err := json.Unmarshal([]byte(f.mustExec(t, fmt.Sprintf("python3 %s stats %d", script, https))), &st); err != nil {
						t.Fatal(err)
					}
					legacyDir = fmt.Sprintf("%s/%d", dir, st.Ifid)
					f.mustExec(t, "python3 "+script+" keypair "+legacyDir)
					restart()
				},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(addr, tfjsonpath.New("zmq_public_key"), knownvalue.Null())},
				Check: func(*terraform.State) error {
					pub, legacy := f.mustExec(t, "cat "+dir+"/zmq-key.pub"), f.mustExec(t, "cat "+legacyDir+"/key.pub")
					err := f.checkSenders(t, script, https, zmqPort, []senderCase{
						{"zmq-key.pub's key " + pub, pub, false}, {legacyDir + "/key.pub's key " + legacy, legacy, true},
					})
					f.mustExec(t, "rm "+legacyDir+"/key.pub "+legacyDir+"/key.priv")
					restart()
					return err
				},
			},
			{ // the private key opened to others by hand: drift, repaired without a new key
				Config: cfg("zmq_encryption = true"), Check: keyOnHost, ConfigStateChecks: checks,
				PreConfig: func() { f.mustExec(t, "chmod 0644 "+dir+"/zmq-key.priv") },
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
			},
			{ // ntopng's account (it owns the data directory) puts a link in the key's place: apply
				// neither follows it (chmod/chown of /etc/shadow, or its content copied into the data
				// directory) nor hides it: it stays drift.
				Config: cfg("zmq_encryption = true"),
				PreConfig: func() {
					f.mustExec(t, "stat -c '%U:%G %a' /etc/shadow > /root/shadow.before && runuser -u ntopng -- ln -sf /etc/shadow "+dir+"/zmq-key.priv.new && mv -f "+dir+"/zmq-key.priv.new "+dir+"/zmq-key.priv")
				},
				Check: func(*terraform.State) error {
					if out, err := f.exec("stat -c '%U:%G %a' /etc/shadow | cmp - /root/shadow.before && test -L " + dir + "/zmq-key.priv"); err != nil {
						return fmt.Errorf("the link in the key's place was followed or replaced: %v %s", err, out)
					}
					return nil
				},
				ConfigStateChecks:  []statecheck.StateCheck{statecheck.ExpectKnownValue(addr, tfjsonpath.New("zmq_private_key_mode"), knownvalue.StringExact("not a regular file"))},
				ExpectNonEmptyPlan: true,
			},
		},
	})
}

// senderCase is one sender of checkSenders: the server key it uses ("none": no CURVE,
// "wrong": another key pair's public key), and whether ntopng must take its flows.
type senderCase struct {
	label, key string
	accepted   bool
}

// checkSenders is the proof that the collector channel is closed to senders without the key:
// each case's sender runs Debian's libzmq (python3-zmq, in the Debian 13 image only), connects
// to ntopng's collector endpoint on the sandbox's own address as nProbe does (ntopng binds, the
// sender connects and publishes) and sends the same 3 messages of 2 flows. ntopng's own
// counters of the collector interface (its REST API, zmqRecvStats, from 0 at ntopng's start)
// count no message and no flow from a refused sender, and exactly the accepted one's (the
// last case).
func (f *sandboxFixture) checkSenders(t *testing.T, script string, https, zmqPort int, cases []senderCase) error {
	f.waitListener(t, "ntopng", fmt.Sprintf("127.0.0.1:%d", https))
	endpoint := fmt.Sprintf("tcp://%s:%d", f.h.Addr, zmqPort)
	const messages = 3
	for _, c := range cases {
		out, err := f.exec(fmt.Sprintf("python3 %s send %s %s %d", script, endpoint, transport.Quote(c.key), messages))
		if err != nil {
			return err
		}
		var sent senderResult
		if err := json.Unmarshal([]byte(out), &sent); err != nil {
			return fmt.Errorf("the sender said %q: %v", out, err)
		}
		st, err := f.collectorStats(script, https, c.accepted, sent.Sent)
		if err != nil {
			return err
		}
		t.Logf("sender with %s: libzmq events %v, subscribed by ntopng: %v, flows sent: %d; ntopng counts %d messages, %d flows, %d dropped flows",
			c.label, sent.Events, sent.Subscribed, sent.Sent, st.Messages, st.Flows, st.Dropped)
		if !c.accepted {
			// The TCP connection reached ntopng and ended in the CURVE handshake, so the flows
			// were refused by the encryption, not lost on the way.
			if sent.Subscribed || !slices.Contains(sent.Events, "CONNECTED") || slices.Contains(sent.Events, "HANDSHAKE_SUCCEEDED") {
				return fmt.Errorf("sender with %s: events %v, subscribed %v: want a connection that ntopng refuses in the handshake", c.label, sent.Events, sent.Subscribed)
			}
			if st.Messages != 0 || st.Flows != 0 {
				return fmt.Errorf("sender with %s: ntopng counted %d messages and %d flows, want none", c.label, st.Messages, st.Flows)
			}
			continue
		}
		if !sent.Subscribed || !slices.Contains(sent.Events, "HANDSHAKE_SUCCEEDED") {
			return fmt.Errorf("sender with %s: events %v, subscribed %v: want the CURVE handshake to succeed", c.label, sent.Events, sent.Subscribed)
		}
		if st.Messages != messages || st.Flows != sent.Sent || sent.Sent == 0 {
			return fmt.Errorf("sender with %s sent %d messages with %d flows; ntopng counted %d messages, %d flows (%d dropped)",
				c.label, messages, sent.Sent, st.Messages, st.Flows, st.Dropped)
		}
	}
	return nil
}

// senderResult is what zmqSenderPy's send prints.
type senderResult struct {
	Events     []string `json:"events"`     // libzmq's socket monitor events, each once, in order
	Subscribed bool     `json:"subscribed"` // ntopng's subscription to "flow" arrived (the session is up)
	Sent       int      `json:"sent"`       // flow records handed to libzmq (it sends them only on a session that is up)
}

// collectorStats are ntopng's counters of its collector interface.
type collectorStats struct {
	Ifid     int    `json:"ifid"`
	Ifname   string `json:"ifname"`
	Messages int    `json:"zmq_msg_rcvd"`
	Flows    int    `json:"flows"`
	Dropped  int    `json:"dropped_flows"`
}

// collectorStats reads ntopng's counters through its REST API inside the sandbox, once it
// answers (ntopng answers 403 for a while after it starts listening: that is waited for, half
// a minute at most); when flows are expected, until they have all arrived (half a minute at
// most, then the last counts). A refused sender needs no wait beyond that: its handshake
// failed, so it had no session to send on, and its process has ended (ctx.term) before this
// runs, so nothing of it is on the way; and the accepted sender, last, must count exactly its
// own flows, which would show any that came late.
func (f *sandboxFixture) collectorStats(script string, https int, expect bool, flows int) (collectorStats, error) {
	var st collectorStats
	errNotYet := errors.New("not all flows counted yet")
	read := func() error {
		out, err := f.exec(fmt.Sprintf("python3 %s stats %d", script, https))
		if err == nil {
			st = collectorStats{}
			err = json.Unmarshal([]byte(out), &st)
		}
		if err == nil && expect && st.Flows+st.Dropped < flows {
			return errNotYet
		}
		return err
	}
	err := testhost.Until(testhost.RealClock{}, 30*time.Second, time.Second, read)
	if errors.Is(err, errNotYet) {
		err = nil // the caller compares the counts and says what is missing
	}
	return st, err
}

// zmqSenderPy is the flow sender and counter reader of TestSandboxCollectorEncryption, run
// with the sandbox's python3-zmq. The message layout is ntopng's (src/ZMQCollectorInterface.cpp,
// include/ntop_typedefs.h): a first frame struct zmq_msg_hdr_v3 whose topic "flow" matches
// ntopng's subscription, version 4 (ZMQ_MSG_VERSION), flags ZMQ_FLAG_IS_TLV, msg_id in network
// order; a second frame of flow records in nDPI's TLV serialization (the community build
// ignores JSON flows: ZMQParserInterface::parseJSONFlow), keys NetFlow element IDs.
const zmqSenderPy = `# A flow sender the way nProbe exports to ntopng in collector mode: it connects a PUB socket
# (an XPUB here, to see ntopng's subscriptions arrive) to ntopng's bound endpoint and sends
# two-frame messages: a struct zmq_msg_hdr_v3 (topic "flow", version 4, flags TLV) and a
# payload of flow records in nDPI's TLV serialization. Prints one JSON line.
#   sender.py send ENDPOINT SERVER_KEY|none|wrong MESSAGES
#   sender.py stats HTTPS_PORT   (ntopng's ZMQ counters of its collector interface, REST API)
#   sender.py keypair FOLDER     (a CURVE key pair as ntopng before 6.0 kept it per interface)
import base64, json, os, ssl, struct, sys, time, urllib.request
import zmq
from zmq.utils.monitor import recv_monitor_message

FLOWS_PER_MESSAGE = 2


def u32(key, value):  # key and value uint32 (type byte: key type << 4 | value type)
    return bytes([0x44]) + struct.pack("!II", key, value)


def string(key, value):  # key uint32, value string (u16 length)
    b = value.encode()
    return bytes([0x4B]) + struct.pack("!IH", key, len(b)) + b


def flow(i, now):  # documentation addresses: data only, no traffic goes there
    return (string(8, "192.0.2.%d" % (i + 1)) + string(12, "198.51.100.%d" % (i + 1)) +
            u32(4, 17) + u32(7, 40000 + i) + u32(11, 53) + u32(1, 100 * (i + 1)) +
            u32(2, i + 1) + u32(22, now - 5) + u32(21, now) + bytes([0x01]))  # end of record


def event(mon, events):  # the next monitor event's name, each name once
    e = recv_monitor_message(mon)["event"]
    try:
        name = zmq.Event(e).name
    except ValueError:
        name = str(e)
    if name not in events:
        events.append(name)


def send(endpoint, server_key, messages):
    ctx = zmq.Context()
    s = ctx.socket(zmq.XPUB)
    s.setsockopt(zmq.LINGER, 3000)
    if server_key != "none":
        if server_key == "wrong":
            server_key = zmq.curve_keypair()[0].decode()
        pub, sec = zmq.curve_keypair()
        s.curve_publickey, s.curve_secretkey, s.curve_serverkey = pub, sec, server_key.encode()
    mon = s.get_monitor_socket()
    s.connect(endpoint)
    events, subscribed = [], False

    def settled():  # the handshake's outcome is known: it failed, or it succeeded and ntopng subscribed
        if any(e.startswith("HANDSHAKE_FAILED") or e == "DISCONNECTED" for e in events):
            return True
        return subscribed and "HANDSHAKE_SUCCEEDED" in events

    deadline = time.time() + 5  # a sender that hears nothing conclusive gives up
    poller = zmq.Poller()
    poller.register(s, zmq.POLLIN)
    poller.register(mon, zmq.POLLIN)
    while not settled() and time.time() < deadline:
        for sock, _ in poller.poll(200):
            if sock is mon:
                event(mon, events)
            elif s.recv() == b"\x01flow":
                subscribed = True
    now = int(time.time())
    for m in range(1, messages + 1):
        payload = bytes([1, 1]) + b"".join(flow((m - 1) * FLOWS_PER_MESSAGE + i, now) for i in range(FLOWS_PER_MESSAGE))
        hdr = b"flow".ljust(16, b"\0") + struct.pack("=BBxxII", 4, 2, len(payload), 0) + struct.pack("!I", m) + struct.pack("=I", 7)
        s.send_multipart([hdr, payload])
    s.disable_monitor()
    mon.close()
    s.close()
    ctx.term()
    print(json.dumps({"events": events, "subscribed": subscribed, "sent": messages * FLOWS_PER_MESSAGE}))


def get(port, path):
    req = urllib.request.Request("https://127.0.0.1:%s%s" % (port, path))
    req.add_header("Authorization", "Basic " + base64.b64encode(b"admin:admin").decode())
    with urllib.request.urlopen(req, context=ssl._create_unverified_context(), timeout=10) as r:
        return json.load(r)["rsp"]


def stats(port):
    ifaces = [i for i in get(port, "/lua/rest/v2/get/ntopng/interfaces.lua") if i["ifname"].startswith("tcp://")]
    if len(ifaces) != 1:
        sys.exit("want one collector interface, got %r" % ifaces)
    rsp = get(port, "/lua/rest/v2/get/interface/data.lua?ifid=%d" % ifaces[0]["ifid"])
    z = rsp["zmqRecvStats"]
    print(json.dumps({"ifid": ifaces[0]["ifid"], "ifname": ifaces[0]["ifname"], "zmq_msg_rcvd": z["zmq_msg_rcvd"], "flows": z["flows"],
                      "dropped_flows": z["dropped_flows"]}))


def keypair(folder):  # a key pair as ntopng before 6.0 kept it: FOLDER/key.pub, key.priv (0600)
    pub, sec = zmq.curve_keypair()
    for name, key in (("key.pub", pub), ("key.priv", sec)):
        fd = os.open(os.path.join(folder, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, key)
        os.close(fd)


if sys.argv[1] == "send":
    send(sys.argv[2], sys.argv[3], int(sys.argv[4]))
elif sys.argv[1] == "keypair":
    keypair(sys.argv[2])
else:
    stats(sys.argv[2])
`
