package certhardening

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostids"
	"github.com/hardenops/terraform-provider-ntopng/internal/pembundle"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

func ptr(s string) *string { return &s }

// summaries lists the problems as "field: summary".
func summaries(problems []pembundle.Problem) []string {
	out := []string{}
	for _, p := range problems {
		out = append(out, p.Field+": "+p.Summary)
	}
	return out
}

func TestSettingsCheck(t *testing.T) {
	cases := []struct {
		name string
		s    Settings
		want []string
	}{
		{"nothing known", Settings{}, []string{}},
		{"defaults", Settings{Path: ptr(DefaultPath), Mode: ptr(DefaultMode), VerifyTimeout: ptr(DefaultVerifyTimeout),
			VerifyEndpoint: ptr("127.0.0.1:443")}, []string{}},
		{"mode 0600", Settings{Mode: ptr("0600")}, []string{}},
		{"mode readable by others", Settings{Mode: ptr("0644")}, []string{"mode: Certificate File Readable by Everyone"}},
		{"mode executable by others", Settings{Mode: ptr("0601")}, []string{"mode: Certificate File Readable by Everyone"}},
		{"mode not octal: left to the schema", Settings{Mode: ptr("644")}, []string{}},
		{"timeout empty", Settings{VerifyTimeout: ptr("")}, []string{}},
		{"timeout not a duration", Settings{VerifyTimeout: ptr("60")}, []string{"verify_timeout: Invalid Verify Timeout"}},
		{"timeout zero", Settings{VerifyTimeout: ptr("0s")}, []string{"verify_timeout: Invalid Verify Timeout"}},
		{"timeout negative", Settings{VerifyTimeout: ptr("-1s")}, []string{"verify_timeout: Invalid Verify Timeout"}},
		{"endpoint IPv6", Settings{VerifyEndpoint: ptr("[::1]:443")}, []string{}},
		{"endpoint empty", Settings{VerifyEndpoint: ptr("")}, []string{"verify_endpoint: Invalid Verify Endpoint"}},
		{"endpoint without port", Settings{VerifyEndpoint: ptr("127.0.0.1")}, []string{"verify_endpoint: Invalid Verify Endpoint"}},
		{"endpoint without host", Settings{VerifyEndpoint: ptr(":443")}, []string{"verify_endpoint: Invalid Verify Endpoint"}},
		{"path with dot-dot", Settings{Path: ptr("/usr/share/../cert.pem")}, []string{"path: Path Not Clean"}},
		{"path with trailing slash", Settings{Path: ptr("/etc/ssl/")}, []string{"path: Path Not Clean"}},
		{"all wrong", Settings{Path: ptr("/a//b"), Mode: ptr("0666"), VerifyEndpoint: ptr("x"), VerifyTimeout: ptr("soon")},
			[]string{"mode: Certificate File Readable by Everyone", "verify_timeout: Invalid Verify Timeout",
				"verify_endpoint: Invalid Verify Endpoint", "path: Path Not Clean"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := summaries(c.s.Check())
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestSettingsCheckDetailNamesTheFix(t *testing.T) {
	p := Settings{Path: ptr("/a/./b.pem")}.Check()
	if len(p) != 1 || p[0].Detail != `path = "/a/./b.pem": write it as "/a/b.pem".` {
		t.Fatalf("got %+v", p)
	}
}

func TestFileModeAndVerifyTimeout(t *testing.T) {
	for in, want := range map[string]os.FileMode{"0640": 0o640, "0600": 0o600, "0777": 0o777, "x": 0, "": 0} {
		if got := FileMode(in); got != want {
			t.Errorf("FileMode(%q) = %o, want %o", in, got, want)
		}
	}
	for in, want := range map[string]time.Duration{"2m": 2 * time.Minute, "60s": time.Minute, "": time.Minute, "soon": time.Minute} {
		if got := VerifyTimeout(in); got != want {
			t.Errorf("VerifyTimeout(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestResolveOwner(t *testing.T) {
	ids := hostids.Parse([]byte("root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/bin/sh\n"),
		[]byte("root:x:0:\nntop:x:120:\n"))
	cases := []struct {
		name, owner, group string
		uid, gid           int
		want               []string
		hint               string
	}{
		{"names", "root", "ntop", 0, 120, []string{}, ""},
		{"numbers", "1001", "1002", 1001, 1002, []string{}, ""},
		{"unknown owner", "nobody-here", "ntop", 0, 120, []string{"owner: Unknown Owner"}, "Create the user first"},
		{"negative id is no id", "-1", "ntop", 0, 120, []string{"owner: Unknown Owner"}, ""},
		{"ntop group missing", "root", "ntop-missing", 0, 0, []string{"group: Unknown Group"}, "Create the group first"},
		{"both unknown", "x", "y", 0, 0, []string{"owner: Unknown Owner", "group: Unknown Group"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			uid, gid, problems := ResolveOwner("probe", c.owner, c.group, ids)
			got := summaries(problems)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("problems %q, want %q", got, c.want)
			}
			if len(problems) == 0 && (uid != c.uid || gid != c.gid) {
				t.Fatalf("ids %d:%d, want %d:%d", uid, gid, c.uid, c.gid)
			}
			if c.hint != "" && !strings.Contains(problems[0].Detail, c.hint) {
				t.Fatalf("detail %q lacks %q", problems[0].Detail, c.hint)
			}
		})
	}
	// The ntop packages create group ntop: when it is missing, say to install ntopng.
	_, _, problems := ResolveOwner("probe", "0", DefaultGroup, hostids.Parse(nil, nil))
	if len(problems) != 1 || !strings.Contains(problems[0].Detail, "install ntopng on the host first") {
		t.Fatalf("missing ntop group: %+v", problems)
	}
}

func TestCheckDir(t *testing.T) {
	cases := []struct {
		name string
		info transport.FileInfo
		err  error
		want []string
	}{
		{"exists", transport.FileInfo{Exists: true, IsDir: true}, nil, []string{}},
		{"missing", transport.FileInfo{}, nil, []string{"path: Certificate Directory Missing"}},
		{"a file", transport.FileInfo{Exists: true, IsRegular: true}, nil, []string{"path: Certificate Directory Missing"}},
		{"stat failed", transport.FileInfo{}, errors.New("permission denied"), []string{"path: Cannot Check the Certificate Directory"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			problems := CheckDir("probe", "/opt/ntopng/ssl/cert.pem", c.info, c.err)
			if got := summaries(problems); strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("got %q, want %q", got, c.want)
			}
			if len(problems) > 0 && c.err == nil && !strings.HasPrefix(problems[0].Detail, "/opt/ntopng/ssl does not exist on probe") {
				t.Fatalf("detail %q does not name the directory", problems[0].Detail)
			}
		})
	}
}

func TestDesiredAndFile(t *testing.T) {
	ca := newTestCA(t)
	cert, key := ca.leaf(t, "probe.example.net")
	chain := pemCert(ca.cert)
	_, otherKey := ca.leaf(t, "other.example.net")

	b, problems := Desired(cert, chain, key, time.Now())
	if b == nil || problems != nil {
		t.Fatalf("a good bundle: %v %+v", b, problems)
	}
	f := File("/x/cert.pem", b, "0640", 0, 120)
	if f.Path != "/x/cert.pem" || f.Mode != 0o640 || f.UID != 0 || f.GID != 120 || !bytes.Equal(f.Data, b.Render()) {
		t.Fatalf("file %+v", f)
	}
	if !bytes.HasPrefix(f.Data, []byte("-----BEGIN PRIVATE KEY-----")) || !bytes.HasSuffix(f.Data, []byte(chain)) {
		t.Fatalf("the file is not key, leaf, chain:\n%s", f.Data)
	}
	if fp := ChainFingerprints(b); len(fp) != 1 || fp[0] != pembundle.Fingerprint(ca.cert) {
		t.Fatalf("chain fingerprints %q", fp)
	}

	b, problems = Desired(cert, chain, otherKey, time.Now())
	if b != nil || len(problems) == 0 {
		t.Fatalf("a key of another certificate: %v %+v", b, problems)
	}
	for _, p := range problems {
		if p.Warning {
			t.Fatalf("Desired returned a warning: %+v", p)
		}
	}
}
