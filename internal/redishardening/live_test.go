package redishardening

import (
	"testing"

	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
)

func TestLiveProblem(t *testing.T) {
	ok := livecheck.RedisStatus{Reachable: true, AuthRequired: true, AuthOK: true, TCPPort: 0, Via: "unix:/run/r.sock"}
	with := func(f func(*livecheck.RedisStatus)) livecheck.RedisStatus { s := ok; f(&s); return s }
	cases := []struct {
		name string
		l    Live
		st   livecheck.RedisStatus
		port int64
		want string // "" when the server enforces the configuration
	}{
		{name: "enforced, socket only", l: Live{AuthRequired: true}, st: ok},
		{name: "enforced, TCP port", l: Live{AuthRequired: true, TCPListening: true}, st: with(func(s *livecheck.RedisStatus) { s.TCPPort = 6380 }), port: 6380},
		{name: "TCP port unknown (INFO renamed), sockets agree", l: Live{AuthRequired: true, TCPListening: true}, st: with(func(s *livecheck.RedisStatus) { s.TCPPort = -1 }), port: 6380},
		{name: "unreachable", st: livecheck.RedisStatus{Via: "unix:/run/r.sock", Detail: "connection refused"},
			want: "Redis did not answer at unix:/run/r.sock: connection refused"},
		{name: "no password demanded", st: with(func(s *livecheck.RedisStatus) { s.AuthRequired = false; s.PingReply = "+PONG" }),
			want: `an unauthenticated PING at unix:/run/r.sock answered "+PONG" instead of -NOAUTH: Redis does not demand the password`},
		{name: "password refused", st: with(func(s *livecheck.RedisStatus) { s.AuthOK = false; s.AuthReply = "-WRONGPASS" }),
			want: `AUTH with the configured password at unix:/run/r.sock answered "-WRONGPASS" instead of +OK`},
		{name: "TCP although port 0", l: Live{AuthRequired: true, TCPListening: true}, st: with(func(s *livecheck.RedisStatus) { s.TCPPort = 6379 }),
			want: "Redis listens on TCP port 6379 although port = 0"},
		{name: "no TCP although a port", l: Live{AuthRequired: true}, st: ok, port: 6380, want: "Redis does not listen on TCP port 6380"},
		{name: "another TCP port", l: Live{AuthRequired: true, TCPListening: true}, st: with(func(s *livecheck.RedisStatus) { s.TCPPort = 6379 }), port: 6380,
			want: "Redis listens on TCP port 6379, not 6380"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ""
			if err := LiveProblem(c.l, c.st, c.port); err != nil {
				got = err.Error()
			}
			if got != c.want {
				t.Errorf("LiveProblem = %q, want %q", got, c.want)
			}
		})
	}
}

// A configuration without socket and port is refused without asking the host.
func TestCheckNowhereToConnect(t *testing.T) {
	l, err := Check(t.Context(), nil, Desired{Port: 0}.Target("pw"))
	want := "Redis did not answer at none: no Unix socket and port 0: nowhere to connect"
	if err == nil || err.Error() != want || l != (Live{}) {
		t.Errorf("Check = %+v, %v; want %q", l, err, want)
	}
}
