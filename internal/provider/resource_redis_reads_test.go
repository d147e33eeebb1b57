package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccRedisUnboundedIncludesRefused: an include a compromised Redis could plant (an
// endless device, a FIFO that blocks whoever opens it, a huge file) is refused with an
// error naming the file, instead of running the provider out of memory or blocking; the
// configuration file is left as it was.
func TestAccRedisUnboundedIncludesRefused(t *testing.T) {
	f := startRedisFixture(t)
	dir := filepath.Dir(f.r.ConfPath)
	fifo := filepath.Join(dir, "fifo.conf")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.conf")
	if err := os.WriteFile(big, make([]byte, 10<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	var steps []resource.TestStep
	planted := ""
	// unchanged fails the test when the planted file was written over.
	unchanged := func() {
		if got := f.conf(t); planted != "" && got != planted {
			t.Errorf("redis.conf changed although its include was refused:\n%s", got)
		}
	}
	for include, want := range map[string]string{
		"/dev/zero": `(?s)cannot\s+read\s+/dev/zero\s+on\s+\S+\s+it\s+is\s+a\s+character\s+device`,
		fifo:        `(?s)cannot\s+read\s+` + regexp.QuoteMeta(fifo) + `\s+on\s+\S+\s+it\s+is\s+a\s+FIFO`,
		big:         `(?s)cannot\s+read\s+` + regexp.QuoteMeta(big) + `\s+on\s+\S+\s+it\s+is\s+larger\s+than\s+4\s+MiB`,
	} {
		conf := f.orig + "include " + include + "\n"
		steps = append(steps, resource.TestStep{
			PreConfig: func() {
				unchanged()
				planted = conf
				f.writeConf(t, conf)
			},
			Config:          f.config(""),
			ConfigVariables: redisVars(redisPwA),
			ExpectError:     regexp.MustCompile(want),
		})
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps:                    steps,
	})
	unchanged()
}
