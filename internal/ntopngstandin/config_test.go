package main

import "testing"

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name string
		text string
		want config
	}{
		{"empty file keeps the defaults", "", defaultConfig()},
		{
			"every spelling",
			"--http-port=1.2.3.4:80\n-W 443\n-U=alice\n-s\n--httpdocs-dir /srv/docs\n-r=/run/redis.sock@0\n--data-dir='/data'\n-G=/run/x.pid\n",
			config{HTTPPort: "1.2.3.4:80", HTTPSPort: "443", User: "alice", DontChangeUser: true,
				HTTPDocs: "/srv/docs", Redis: "/run/redis.sock@0", DataDir: "/data", PIDFile: "/run/x.pid"},
		},
		{
			"comments, short lines, blanks and unknown options are skipped",
			"# -w=1\n-\n\n   \n--no-such-option=1\n",
			defaultConfig(),
		},
		{
			"the last occurrence wins and whitespace is trimmed",
			"  -w=3000  \n--http-port=:3001\n",
			withHTTP(":3001"),
		},
		{"quotes are stripped at both ends", `-w="[::1]:3000"`, withHTTP("[::1]:3000")},
		{"space around = is part of the value", "--http-port = 3000", withHTTP("= 3000")},
		{"no inline comments", "-w=3000 # web", withHTTP("3000 # web")},
		{"tab separates name and value", "-w\t3002", withHTTP("3002")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseConfig(tt.text); got != tt.want {
				t.Errorf("parseConfig(%q)\n got %+v\nwant %+v", tt.text, got, tt.want)
			}
		})
	}
}

func withHTTP(v string) config {
	c := defaultConfig()
	c.HTTPPort = v
	return c
}

func TestParseListen(t *testing.T) {
	tests := []struct {
		value, want string
		wantErr     bool
	}{
		{value: "3000", want: "0.0.0.0:3000"},
		{value: ":3000", want: "127.0.0.1:3000"},
		{value: "192.0.2.1:3000", want: "192.0.2.1:3000"},
		{value: "[::1]:3000", want: "[::1]:3000"},
		{value: "0", want: ""},
		{value: "127.0.0.1:0", want: ""},
		{value: "= 3000", want: ""},
		{value: "", want: ""},
		{value: "3000abc", want: "0.0.0.0:3000"},
		{value: "localhost:3000", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseListen(tt.value)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseListen(%q) = %q, %v; want %q, error %v", tt.value, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseRedis(t *testing.T) {
	tests := []struct {
		value string
		want  redisTarget
	}{
		{"", redisTarget{"tcp", "127.0.0.1:6379", ""}},
		{"@2", redisTarget{"tcp", "127.0.0.1:6379", ""}},
		{"10.0.0.1", redisTarget{"tcp", "10.0.0.1:6379", ""}},
		{"127.0.0.1:6380@0", redisTarget{"tcp", "127.0.0.1:6380", ""}},
		{"127.0.0.1:6379:s3cr:t@x@0", redisTarget{"tcp", "127.0.0.1:6379", "s3cr:t@x"}},
		{"/run/redis/redis-server.sock", redisTarget{"unix", "/run/redis/redis-server.sock", ""}},
		{"/run/redis/redis-server.sock:0:pw@0", redisTarget{"unix", "/run/redis/redis-server.sock", "pw"}},
	}
	for _, tt := range tests {
		if got := parseRedis(tt.value); got != tt.want {
			t.Errorf("parseRedis(%q) = %+v, want %+v", tt.value, got, tt.want)
		}
	}
}
