package ntopngconf

import (
	"testing"
)

func TestEdit(t *testing.T) {
	tests := []struct {
		name   string
		orig   string
		set    []Setting
		remove []string
		want   string
	}{
		{
			name: "every accepted form is replaced at the first position",
			orig: "# ntopng.conf\n-w 3000\n--user=x\n  \"--http-port=3001\"\n-w=3002\n'--http-port 3003'\n--http-port\n#-w=1\n",
			set:  []Setting{{Name: "http-port", Value: ":3000"}},
			want: "# ntopng.conf\n--http-port=:3000\n--user=x\n#-w=1\n",
		},
		{
			name: "missing option appended after one marker",
			orig: "--user=x",
			set:  []Setting{{Name: "redis", Value: "127.0.0.1:6379@0"}, {Name: "s", Flag: true}},
			want: "--user=x\n" + ManagedMarker + "\n--redis=127.0.0.1:6379@0\n--dont-change-user\n",
		},
		{
			name:   "existing marker is reused",
			orig:   "--user=x\n" + ManagedMarker + "\n--http-port=1\n",
			set:    []Setting{{Name: "user", Value: "ntopng"}, {Name: "pid", Value: "/run/ntopng.pid"}},
			remove: []string{"http-port"},
			want:   "--user=ntopng\n" + ManagedMarker + "\n--pid=/run/ntopng.pid\n",
		},
		{
			name:   "remove drops every form, unmanaged lines kept byte for byte",
			orig:   "-s\r\n--interface=eth0 \r\n--dont-change-user=no\n\t-s\n",
			remove: []string{"dont-change-user"},
			want:   "--interface=eth0 \r\n",
		},
		{
			name:   "unknown names can be removed",
			orig:   "--pid-path=/x\n--pid=/y\n",
			remove: []string{"pid-path"},
			want:   "--pid=/y\n",
		},
		{
			name:   "set wins over remove, a name set twice gives two lines",
			orig:   "--user=a\n",
			set:    []Setting{{Name: "user", Value: "b"}, {Name: "--user", Value: "c"}},
			remove: []string{"user"},
			want:   "--user=b\n--user=c\n",
		},
		{
			name: "ignored lines of a managed option go too",
			orig: "--user=\n-U\n-w3009\n",
			set:  []Setting{{Name: "user", Value: "ntopng"}},
			want: "--user=ntopng\n-w3009\n",
		},
		{
			name: "empty file",
			orig: "",
			want: "",
		},
		{
			name: "no change adds a final line feed only",
			orig: "# a\n--daemon",
			want: "# a\n--daemon\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Edit(tt.orig, tt.set, tt.remove)
			if got != tt.want {
				t.Fatalf("Edit() =\n%q\nwant\n%q", got, tt.want)
			}
			if again := Edit(got, tt.set, tt.remove); again != got {
				t.Errorf("Edit is not idempotent:\n%q\nthen\n%q", got, again)
			}
		})
	}
}

func TestEditReadBack(t *testing.T) {
	orig := "-w=192.168.1.10:3001\n-r h:1:old@1\n--dont-change-user\n"
	got := Edit(orig, []Setting{
		{Name: "http-port", Value: "3002"},
		{Name: "redis", Value: "127.0.0.1:6379@0"},
	}, []string{"dont-change-user"})
	e := EvaluateText(got)
	// The old address is gone with its line, so 3002 listens on every address.
	if e.HTTPPort != 3002 || e.HTTPBind != BindAnyIPv4 || !e.ChangeUser {
		t.Errorf("HTTP %d %s, change user %v; want 3002 any-ipv4 true\n%s", e.HTTPPort, e.HTTPBind, e.ChangeUser, got)
	}
	if e.RedisPassword != nil || e.RedisDB != 0 || e.RedisHost != "127.0.0.1" {
		t.Errorf("Redis %s/%d password %v; want 127.0.0.1/0 and no password\n%s", e.RedisHost, e.RedisDB, e.RedisPassword, got)
	}
}

func TestSettingRender(t *testing.T) {
	tests := map[string]Setting{
		"--http-port=:3000":  {Name: "w", Value: ":3000"},
		"--dont-change-user": {Name: "-s", Flag: true},
		"--foo=1":            {Name: "--foo", Value: "1"},
	}
	for want, s := range tests {
		if got := s.Render(); got != want {
			t.Errorf("%+v.Render() = %q, want %q", s, got, want)
		}
	}
}

func TestEditRepeatedOption(t *testing.T) {
	orig := "# probe\n-i eth9\n--community\n"
	got := Edit(orig, []Setting{{Name: "interface", Value: "eth0"}, {Name: "interface", Value: "eth1"}}, nil)
	want := "# probe\n--interface=eth0\n--interface=eth1\n--community\n"
	if got != want {
		t.Fatalf("Edit = %q, want %q", got, want)
	}
	if again := Edit(got, []Setting{{Name: "interface", Value: "eth0"}, {Name: "interface", Value: "eth1"}}, nil); again != got {
		t.Fatalf("Edit is not idempotent for a repeated option: %q", again)
	}
}
