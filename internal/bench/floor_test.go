package bench

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestSchemaFloorConfig: the framework floor plans the very configuration of the ntopng
// resources, on the no-op provider's types, and nothing of the ntopng provider.
func TestSchemaFloorConfig(t *testing.T) {
	dir := t.TempDir()
	h := &Host{SSHD: &testhost.SSHD{Port: 2201}, Dir: "/srv/probe"}
	h.NtopngConf, h.DataDir = "/srv/probe/ntopng/ntopng.conf", "/srv/probe/ntopng/data"
	h.CertPath, h.RedisConf, h.RedisSocket = "/srv/probe/ntopng/httpdocs/ssl/ntopng-cert.pem", "/srv/probe/redis/redis.conf", "/srv/probe/redis/redis.sock"
	f := &Fleet{Hosts: []*Host{h, h}, WorkDir: filepath.Join(dir, "ntopng"), SchemaFloorDir: filepath.Join(dir, "schemafloor"),
		HTTPSListen: "127.0.0.1:4443", RedisPassword: "p", opts: Options{Hosts: 2, Redis: true}}
	f.WriteSchemaFloor(t)
	b, err := os.ReadFile(filepath.Join(f.SchemaFloorDir, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	if strings.Contains(got, "ntopng_") || strings.Contains(got, `provider "ntopng"`) {
		t.Errorf("the floor's configuration still names the ntopng provider:\n%s", got)
	}
	for _, want := range []string{`resource "noop_tls_cert" "h1"`, `resource "noop_redis" "h1"`, `resource "noop_instance" "h1"`,
		"cert_path          = noop_tls_cert.h1.path", "socket = noop_redis.h1.unixsocket", `source = "hardenops/noop"`} {
		if !strings.Contains(got, want) {
			t.Errorf("the floor's configuration lacks %q:\n%s", want, got)
		}
	}
	// Apart from the type names, each host's block is the ntopng configuration's, byte for byte.
	ours := f.hostConfig(1, h, Base)
	if back := strings.ReplaceAll(got, "noop_", "ntopng_"); !strings.Contains(back, ours) {
		t.Errorf("host 1's block differs from the ntopng configuration's:\n%s", ours)
	}
}

// TestReportFrameworkFloor: the report shows the floor beside the provider's figures, ours
// minus the floor per host, and the targets say what the framework alone spends.
func TestReportFrameworkFloor(t *testing.T) {
	s := func(d time.Duration) Summary { return Summary{Median: d, Min: d, Max: d, N: 3} }
	r := row{hosts: 10, scenario: "no-change plan", wall: s(700 * time.Millisecond), baseline: s(70 * time.Millisecond),
		floor: s(250 * time.Millisecond), schemaFloor: s(500 * time.Millisecond), schemaFloorCPU: 120 * time.Millisecond,
		peer: s(1250 * time.Millisecond), providerCPU: 300 * time.Millisecond, walks: 1, logins: []int{10}, loginsExact: true, channels: "—"}
	out := renderReport([]row{r}, nil, time.Now(), "0", true)
	for _, want := range []string{
		`| 10 × 3 | no-change plan | 30.0 ms | 0.50 s (0.50–0.50, n=3), 12.0 ms | 18.0 ms |`,
		`terraform-plugin-framework alone, the same resources with the same schemas, values, logging and collector settings on no-op resources: 12.0 ms per host, plan 0.50 s, 0.40 of the peer's; ours minus that: 18.0 ms per host`,
		`10 × 3 no-change plan, provider CPU per host at most 15 ms: 30.0 ms — **missed**`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if regexp.MustCompile(`framework alone.*NaN|framework alone.*Inf`).MatchString(out) {
		t.Errorf("the report divides by nothing:\n%s", out)
	}
}

// TestReportKeepsHistory: a run rewrites the report above the marker and keeps what is below.
func TestReportKeepsHistory(t *testing.T) {
	p := filepath.Join(t.TempDir(), "RESULTS.md")
	if got := withHistory("new report\n", p); got != "new report\n" {
		t.Errorf("no file: %q", got)
	}
	if err := os.WriteFile(p, []byte("old report\n\n"+historyMarker+"\n\n## History\n\nround 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := withHistory("new report\n", p); got != "new report\n\n"+historyMarker+"\n\n## History\n\nround 1\n" {
		t.Errorf("with history: %q", got)
	}
}

// TestCopyStateAttributes: the floor's noop_ resources take the attributes of the ntopng_
// resource of the same name and kind; everything else in the floor's state stays, the serial
// goes up, and a floor resource without its counterpart is an error.
func TestCopyStateAttributes(t *testing.T) {
	dir := t.TempDir()
	ours, floor := filepath.Join(dir, "ours.tfstate"), filepath.Join(dir, "floor.tfstate")
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(ours, `{"version":4,"serial":9,"lineage":"a","resources":[
 {"mode":"managed","type":"ntopng_redis","name":"h0","instances":[{"schema_version":0,"attributes":{"unixsocket":"/r.sock","server_version":"8.0.2"},"sensitive_attributes":[[{"type":"get_attr","value":"x"}]],"identity":{"host":"h"}}]},
 {"mode":"managed","type":"ntopng_instance","name":"h0","instances":[{"schema_version":0,"attributes":{"observed_listeners":[{"port":443}]}}]}]}`)
	write(floor, `{"version":4,"serial":3,"lineage":"b","resources":[
 {"mode":"managed","type":"noop_redis","name":"h0","provider":"p","instances":[{"schema_version":0,"attributes":{"unixsocket":"/r.sock","server_version":null},"private":"x"}]},
 {"mode":"managed","type":"noop_instance","name":"h0","provider":"p","instances":[{"schema_version":0,"attributes":{"observed_listeners":null}}]},
 {"mode":"managed","type":"noop_thing","name":"r0","provider":"p","instances":[{"schema_version":0,"attributes":{"input":"a"}}]}]}`)
	if err := copyStateAttributes(ours, floor); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Serial    int    `json:"serial"`
		Lineage   string `json:"lineage"`
		Resources []struct {
			Type, Name, Provider string
			Instances            []map[string]any
		} `json:"resources"`
	}
	b, _ := os.ReadFile(floor)
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Serial != 4 || got.Lineage != "b" || len(got.Resources) != 3 {
		t.Fatalf("serial %d, lineage %q, %d resources:\n%s", got.Serial, got.Lineage, len(got.Resources), b)
	}
	redis := got.Resources[0].Instances[0]
	if a := redis["attributes"].(map[string]any); a["server_version"] != "8.0.2" || redis["private"] != "x" || redis["identity"] != nil || redis["sensitive_attributes"] == nil {
		t.Errorf("noop_redis.h0: %v", redis)
	}
	if a := got.Resources[1].Instances[0]["attributes"].(map[string]any); a["observed_listeners"] == nil {
		t.Errorf("noop_instance.h0: %v", a)
	}
	if a := got.Resources[2].Instances[0]["attributes"].(map[string]any); a["input"] != "a" || got.Resources[2].Provider != "p" {
		t.Errorf("noop_thing.r0 changed: %v", got.Resources[2])
	}
	write(floor, `{"version":4,"serial":3,"resources":[{"mode":"managed","type":"noop_tls_cert","name":"h7","instances":[{"attributes":{}}]}]}`)
	if err := copyStateAttributes(ours, floor); err == nil || !strings.Contains(err.Error(), "noop_tls_cert.h7") {
		t.Errorf("a floor resource without its counterpart: %v", err)
	}
}
