package bench

import (
	"maps"
	"testing"
	"time"
)

// providerLog holds the three channel lines the transport writes, in terraform's format,
// plus lines that are not channels.
const providerLog = `2026-11-27T17:43:08.064Z [DEBUG] provider.terraform-provider-ntopng: ssh dial: ssh_addr=127.0.0.1:43599 tf_req_id=r1 tf_rpc=ReadResource tf_resource_type=ntopng_redis
2026-11-27T17:43:08.152Z [DEBUG] provider.terraform-provider-ntopng: ssh sftp open: tf_req_id=r1 tf_resource_type=ntopng_redis tf_rpc=ReadResource @module=ntopng sftp_server="subsystem sftp" ssh_user=root ssh_addr=127.0.0.1:39971
2026-11-27T17:43:08.536Z [DEBUG] provider.terraform-provider-ntopng: ssh tunnel: @module=ntopng ssh_addr=127.0.0.1:39971 tf_resource_type=ntopng_redis tf_rpc=ReadResource addr=/tmp/x/redis.sock network=unix tf_req_id=r1
2026-11-27T17:43:09.446Z [DEBUG] provider.terraform-provider-ntopng: ssh exec: command="sh -c" exit_code=0 ssh_addr=127.0.0.1:39971 tf_resource_type=ntopng_instance tf_req_id=r2 script_bytes=131 tf_rpc=ReadResource
2026-11-27T17:43:10.000Z [DEBUG] provider.terraform-provider-ntopng: ssh exec: command="sh -c" exit_code=0 ssh_addr=127.0.0.1:39971 tf_resource_type=ntopng_instance tf_req_id=r3 tf_rpc=ApplyResourceChange
2026-11-27T17:43:10.100Z [DEBUG] provider.terraform-provider-ntopng: ssh sftp read: ssh_addr=127.0.0.1:39971 path=/etc/passwd tf_rpc=ReadResource tf_req_id=r2
`

func TestParseChannels(t *testing.T) {
	chs := ParseChannels(providerLog)
	want := []Channel{
		{Kind: "sftp", RPC: "ReadResource", RequestID: "r1", ResourceType: "ntopng_redis", Addr: "127.0.0.1:39971"},
		{Kind: "tunnel", RPC: "ReadResource", RequestID: "r1", ResourceType: "ntopng_redis", Addr: "127.0.0.1:39971"},
		{Kind: "exec", RPC: "ReadResource", RequestID: "r2", ResourceType: "ntopng_instance", Addr: "127.0.0.1:39971"},
		{Kind: "exec", RPC: "ApplyResourceChange", RequestID: "r3", ResourceType: "ntopng_instance", Addr: "127.0.0.1:39971"},
	}
	if len(chs) != len(want) {
		t.Fatalf("ParseChannels found %d channels, want %d: %+v", len(chs), len(want), chs)
	}
	for i := range want {
		if chs[i] != want[i] {
			t.Errorf("channel %d = %+v, want %+v", i, chs[i], want[i])
		}
	}
	total, most, mostType := ReadChannels(chs)
	if total != 3 || most != 2 || mostType != "ntopng_redis" {
		t.Errorf("ReadChannels = %d, %d, %q; want 3, 2, \"ntopng_redis\"", total, most, mostType)
	}
	if got := Sessions(chs); got != 3 {
		t.Errorf("Sessions = %d, want 3 (the tunnel is not a session)", got)
	}
}

func TestParseMaxRSS(t *testing.T) {
	report := "\tCommand being timed: \"terraform-provider-ntopng\"\n\tMaximum resident set size (kbytes): 30052\n\tExit status: 0\n"
	if kib, ok := ParseMaxRSS(report); !ok || kib != 30052 {
		t.Errorf("ParseMaxRSS = %d, %v; want 30052, true", kib, ok)
	}
	if _, ok := ParseMaxRSS("Command terminated by signal 9\n"); ok {
		t.Error("ParseMaxRSS found a size in a report without one")
	}
}

func TestParseCPU(t *testing.T) {
	report := "\tCommand being timed: \"x\"\n\tUser time (seconds): 0.42\n\tSystem time (seconds): 0.08\n\tPercent of CPU this job got: 50%\n"
	if got := ParseCPU(report); got != 500*time.Millisecond {
		t.Errorf("ParseCPU = %s, want 500ms", got)
	}
	if got := ParseCPU("Command terminated by signal 9\n"); got != 0 {
		t.Errorf("ParseCPU of a report without times = %s, want 0", got)
	}
}

func TestMachineCPUGrows(t *testing.T) {
	before := machineCPU()
	if before == 0 {
		t.Fatal("machineCPU read nothing from /proc/stat")
	}
	for end := time.Now().Add(100 * time.Millisecond); time.Now().Before(end); {
	}
	if after := machineCPU(); after <= before {
		t.Errorf("machineCPU did not grow over 100 ms of busy loop: %s then %s", before, after)
	}
}

func TestSummarize(t *testing.T) {
	s := Summarize([]time.Duration{4 * time.Second, 1 * time.Second, 3 * time.Second, 2 * time.Second})
	if s.Median != 2500*time.Millisecond || s.Min != time.Second || s.Max != 4*time.Second || s.N != 4 {
		t.Errorf("Summarize = %+v, want median 2.5s, range 1s–4s, n 4", s)
	}
	if got := s.String(); got != "2.50 s (1.00–4.00, n=4)" {
		t.Errorf("String = %q", got)
	}
	if got := Summarize([]time.Duration{1500 * time.Millisecond}).String(); got != "1.50 s" {
		t.Errorf("String of one run = %q, want \"1.50 s\"", got)
	}
}

// traceLog is a TRACE provider log cut down to the lines ParseTimeline reads: two provider
// processes, two overlapping logins, two reads.
const traceLog = `2026-11-27T17:53:48.917Z [DEBUG] provider: starting plugin: path=/p args=["/p"]
2026-11-27T17:53:48.945Z [DEBUG] provider: using plugin: version=6
2026-11-27T17:53:49.027Z [DEBUG] provider: starting plugin: path=/p args=["/p"]
2026-11-27T17:53:49.048Z [DEBUG] provider: using plugin: version=6
2026-11-27T17:53:49.100Z [TRACE] provider.terraform-provider-ntopng: Calling provider defined Resource Read: tf_req_id=a tf_resource_type=ntopng_redis tf_rpc=ReadResource
2026-11-27T17:53:49.101Z [DEBUG] provider.terraform-provider-ntopng: ssh dial: ssh_addr=127.0.0.1:1 attempt=1 tf_req_id=a
2026-11-27T17:53:49.102Z [TRACE] provider.terraform-provider-ntopng: Calling provider defined Resource Read: tf_req_id=b tf_resource_type=ntopng_instance tf_rpc=ReadResource
2026-11-27T17:53:49.103Z [DEBUG] provider.terraform-provider-ntopng: ssh dial: ssh_addr=127.0.0.1:2 attempt=1 tf_req_id=b
2026-11-27T17:53:49.141Z [DEBUG] provider.terraform-provider-ntopng: ssh login: host_key="SHA256:x y" ssh_addr=127.0.0.1:1 tf_req_id=a
2026-11-27T17:53:49.163Z [DEBUG] provider.terraform-provider-ntopng: ssh login: ssh_addr=127.0.0.1:2 tf_req_id=b
2026-11-27T17:53:49.300Z [TRACE] provider.terraform-provider-ntopng: Called provider defined Resource Read: tf_req_id=a tf_resource_type=ntopng_redis tf_rpc=ReadResource
2026-11-27T17:53:49.400Z [TRACE] provider.terraform-provider-ntopng: Called provider defined Resource Read: tf_req_id=b tf_resource_type=ntopng_instance tf_rpc=ReadResource
`

func TestParseTimeline(t *testing.T) {
	tl := ParseTimeline(traceLog)
	if tl.ProviderStarts != 2 || tl.ProviderStartup != 49*time.Millisecond {
		t.Errorf("provider starts = %d, start-up %v; want 2, 49ms", tl.ProviderStarts, tl.ProviderStartup)
	}
	if len(tl.Logins) != 2 || tl.Logins[0] != 40*time.Millisecond || tl.Logins[1] != 60*time.Millisecond {
		t.Errorf("logins = %v, want [40ms 60ms]", tl.Logins)
	}
	if tl.MaxDialsInFlight != 2 {
		t.Errorf("MaxDialsInFlight = %d, want 2", tl.MaxDialsInFlight)
	}
	if got := tl.Reads["ntopng_redis"]; len(got) != 1 || got[0] != 200*time.Millisecond {
		t.Errorf("redis reads = %v, want [200ms]", got)
	}
	if got := tl.Reads["ntopng_instance"]; len(got) != 1 || got[0] != 298*time.Millisecond {
		t.Errorf("instance reads = %v, want [298ms]", got)
	}
	if tl.ReadSpan != 300*time.Millisecond {
		t.Errorf("ReadSpan = %v, want 300ms", tl.ReadSpan)
	}
}

func TestPercentile(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	for _, c := range []struct {
		p    int
		want time.Duration
	}{{50, 5}, {90, 9}, {100, 10}, {0, 1}} {
		if got := Percentile(ds, c.p); got != c.want {
			t.Errorf("Percentile(p%d) = %d, want %d", c.p, got, c.want)
		}
	}
	if got := Percentile(nil, 50); got != 0 {
		t.Errorf("Percentile(nil) = %v, want 0", got)
	}
}

func TestParseStrace(t *testing.T) {
	out := `100 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = 101
101 execve("/bin/bash", ["bash", "-c", "sh -c x"], 0x5 /* 9 vars */) = 0
101 execve("/usr/bin/sh", ["sh", "-c", "x"], 0x5 /* 9 vars */ <unfinished ...>
102 clone3({flags=CLONE_VM|CLONE_FS|CLONE_THREAD|CLONE_SIGHAND, exit_signal=0}, 88) = 103
101 <... execve resumed>) = 0
101 clone(child_stack=NULL, flags=SIGCHLD <unfinished ...>
101 <... clone resumed>) = 104
104 execve("/usr/local/bin/cat", ["cat"], 0x5 /* 9 vars */) = -1 ENOENT (No such file or directory)
104 execve("/usr/bin/cat", ["cat"], 0x5 /* 9 vars */) = 0
`
	p := ParseStrace(out)
	if p.Processes != 2 {
		t.Errorf("processes = %d, want 2 (a thread is not one)", p.Processes)
	}
	want := map[string]int{"/bin/bash": 1, "/usr/bin/sh": 1, "/usr/bin/cat": 1}
	if !maps.Equal(p.Programs, want) || p.Execs() != 3 {
		t.Errorf("programs = %v, want %v (a failed execve runs nothing)", p.Programs, want)
	}
}
