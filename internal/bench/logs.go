package bench

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Channel is one SSH channel the provider opened, as its transport logs it at DEBUG level
// ("ssh exec", "ssh tunnel", "ssh sftp open"), with the Terraform call it served.
type Channel struct {
	// Kind is "exec", "tunnel" or "sftp".
	Kind string
	// RPC is the provider call (tf_rpc), e.g. "ReadResource"; RequestID (tf_req_id) tells
	// calls apart; ResourceType is tf_resource_type.
	RPC, RequestID, ResourceType string
	// Addr is the host's "host:port".
	Addr string
}

var (
	channelLine = regexp.MustCompile(`provider\.terraform-provider-ntopng: ssh (exec|tunnel|sftp open): (.*)$`)
	logField    = regexp.MustCompile(`(?:^|\s)(tf_rpc|tf_req_id|tf_resource_type|ssh_addr)=(\S+)`)
)

// ParseChannels lists the channels in a provider log written with TF_LOG_PROVIDER=DEBUG or
// TRACE.
func ParseChannels(log string) []Channel {
	var out []Channel
	for _, line := range strings.Split(log, "\n") {
		m := channelLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		c := Channel{Kind: strings.TrimSuffix(m[1], " open")}
		for _, f := range logField.FindAllStringSubmatch(m[2], -1) {
			switch f[1] {
			case "tf_rpc":
				c.RPC = f[2]
			case "tf_req_id":
				c.RequestID = f[2]
			case "tf_resource_type":
				c.ResourceType = f[2]
			case "ssh_addr":
				c.Addr = f[2]
			}
		}
		out = append(out, c)
	}
	return out
}

// ReadChannels sums the channels opened by ReadResource calls and returns the most any
// one call opened, with that call's resource type.
func ReadChannels(chs []Channel) (total, most int, mostType string) {
	perCall := map[string]int{}
	for _, c := range chs {
		if c.RPC != "ReadResource" {
			continue
		}
		total++
		perCall[c.RequestID]++
		if n := perCall[c.RequestID]; n > most {
			most, mostType = n, c.ResourceType
		}
	}
	return total, most, mostType
}

// Sessions counts the session channels (commands and SFTP) among chs: the ones sshd logs.
func Sessions(chs []Channel) int {
	n := 0
	for _, c := range chs {
		if c.Kind != "tunnel" {
			n++
		}
	}
	return n
}

// startingSession matches sshd's line for a session channel (LogLevel VERBOSE):
// "Starting session: command for root from ..." or "... subsystem 'sftp' for root ...".
var startingSession = regexp.MustCompile(`(?m)^Starting session: `)

// SSHDSessions returns, per host, the session channels sshd has started so far. sshd does
// not log tunnels (direct-tcpip, direct-streamlocal) at VERBOSE; the provider log does.
func (f *Fleet) SSHDSessions() []int {
	out := make([]int, len(f.Hosts))
	for i, h := range f.Hosts {
		b, _ := os.ReadFile(h.SSHD.LogPath)
		out[i] = len(startingSession.FindAll(b, -1))
	}
	return out
}

// Timeline is where the time of one terraform command went, from a provider log written at
// TRACE level (Terraform's plugin lines, the framework's Read lines, the transport's lines).
type Timeline struct {
	// ProviderStarts is how many provider processes terraform started; ProviderStartup the
	// sum of their start-up times (process start to protocol handshake).
	ProviderStarts  int
	ProviderStartup time.Duration
	// Logins are the SSH logins, each from "ssh dial" to "ssh login" on one address;
	// MaxDialsInFlight is the most dials that were in progress at the same moment.
	Logins           []time.Duration
	MaxDialsInFlight int
	// Reads are the durations of the resources' Read, by resource type.
	Reads map[string][]time.Duration
	// ReadSpan is the time from the first Read's start to the last Read's end.
	ReadSpan time.Duration
}

var (
	logTime = regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z) \[\w+\]\s+(\S+): ([^:]+):?(.*)$`)
	reqID   = regexp.MustCompile(`(?:^|\s)tf_req_id=(\S+)`)
	resType = regexp.MustCompile(`(?:^|\s)tf_resource_type=(\S+)`)
	sshAddr = regexp.MustCompile(`(?:^|\s)ssh_addr=(\S+)`)
)

// ParseTimeline reads a provider log written with TF_LOG_PROVIDER=TRACE.
func ParseTimeline(log string) Timeline {
	tl := Timeline{Reads: map[string][]time.Duration{}}
	var starting []time.Time // "starting plugin" times not yet matched by "using plugin"
	dialStart := map[string]time.Time{}
	readStart := map[string]time.Time{}
	var first, last time.Time
	inFlight := 0
	for _, line := range strings.Split(log, "\n") {
		m := logTime.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, m[1])
		if err != nil {
			continue
		}
		logger, msg, rest := m[2], m[3], m[4]
		switch {
		case logger == "provider" && msg == "starting plugin":
			tl.ProviderStarts++
			starting = append(starting, at)
		case logger == "provider" && msg == "using plugin" && len(starting) > 0:
			tl.ProviderStartup += at.Sub(starting[0])
			starting = starting[1:]
		case msg == "ssh dial":
			if a := field(sshAddr, rest); a != "" {
				if _, ok := dialStart[a]; !ok {
					dialStart[a] = at
					inFlight++
					tl.MaxDialsInFlight = max(tl.MaxDialsInFlight, inFlight)
				}
			}
		case msg == "ssh login":
			a := field(sshAddr, rest)
			if start, ok := dialStart[a]; ok {
				tl.Logins = append(tl.Logins, at.Sub(start))
				delete(dialStart, a)
				inFlight--
			}
		case msg == "Calling provider defined Resource Read":
			readStart[field(reqID, rest)] = at
			if first.IsZero() {
				first = at
			}
		case msg == "Called provider defined Resource Read":
			if start, ok := readStart[field(reqID, rest)]; ok {
				typ := field(resType, rest)
				tl.Reads[typ] = append(tl.Reads[typ], at.Sub(start))
				last = at
			}
		}
	}
	if !first.IsZero() && last.After(first) {
		tl.ReadSpan = last.Sub(first)
	}
	return tl
}

func field(re *regexp.Regexp, s string) string {
	if m := re.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// Percentile returns the p-th percentile (0 to 100, nearest rank) of ds, or 0 for none.
func Percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (p*len(s)+99)/100 - 1
	return s[max(0, min(i, len(s)-1))]
}
