package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// TestExamplesSelfContained: every resource and data source example names the provider's source
// (a copied snippet must not make Terraform look for hashicorp/ntopng), and each resource has an
// import block whose ID, and the IPv6 form its comment shows, are IDs the provider accepts.
func TestExamplesSelfContained(t *testing.T) {
	root := testhost.ModuleRoot(t)
	files, err := filepath.Glob(filepath.Join(root, "examples", "*", "ntopng_*", "*.tf"))
	if err != nil || len(files) < 4 {
		t.Fatalf("examples: %v %v", files, err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "import-by-string-id.tf") || strings.HasSuffix(f, importByIdentityFile) {
			continue
		}
		if b := readFile(t, f); !strings.Contains(b, `source = "hardenops/ntopng"`) {
			t.Errorf("%s has no required_providers naming hardenops/ntopng", f)
		}
	}
	parse := map[string]func(id string) error{
		"ntopng_instance": func(id string) error { _, _, _, err := parseImportID(id); return err },
		"ntopng_redis":    func(id string) error { _, _, _, err := parseImportID(id); return err },
		"ntopng_tls_cert": func(id string) error { _, _, _, err := parseImportID(id); return err },
		"ntopng_user":     func(id string) error { _, _, _, _, err := parseUserImportID(id); return err },
	}
	for _, typ := range []string{"ntopng_instance", "ntopng_redis", "ntopng_tls_cert", "ntopng_user"} {
		f := filepath.Join(root, "examples", "resources", typ, "import-by-string-id.tf")
		b := readFile(t, f)
		m := regexp.MustCompile(`(?m)^\s*to = (\S+)\n\s*id = "([^"]+)"`).FindStringSubmatch(b)
		if m == nil || !strings.HasPrefix(m[1], typ+".") {
			t.Errorf("%s has no import block for %s:\n%s", f, typ, b)
			continue
		}
		ids := append([]string{m[2]}, regexp.MustCompile(`"(\[[0-9a-f:]+\]:[^"]+)"`).FindAllString(b, -1)...)
		if len(ids) < 3 {
			t.Errorf("%s shows no IPv6 ID forms: %q", f, ids)
		}
		for _, id := range ids {
			id = strings.Trim(id, `"`)
			if strings.HasSuffix(id, "...") {
				continue
			}
			if err := parse[typ](id); err != nil {
				t.Errorf("%s: the provider refuses the import ID %q: %v", f, id, err)
			}
		}
	}
}

// TestExamplesConsistent: used together, the per-resource examples describe one host: the
// certificate's verify_endpoint is where the instance serves HTTPS, its path is the instance's
// cert_path, and the Redis socket is the one the instance uses.
func TestExamplesConsistent(t *testing.T) {
	root := testhost.ModuleRoot(t)
	read := func(typ string) string {
		b, err := os.ReadFile(filepath.Join(root, "examples", "resources", typ, "resource.tf"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	attr := func(src, name string) string {
		m := regexp.MustCompile(`(?m)^\s*` + name + `\s*= "([^"]*)"`).FindStringSubmatch(src)
		if m == nil {
			t.Fatalf("no %s = \"...\" in:\n%s", name, src)
		}
		return m[1]
	}
	inst, cert, redis := read("ntopng_instance"), read("ntopng_tls_cert"), read("ntopng_redis")
	if h1, h2, h3 := attr(inst, "host"), attr(cert, "host"), attr(redis, "host"); h1 != h2 || h2 != h3 {
		t.Errorf("the examples name different hosts: %q, %q, %q", h1, h2, h3)
	}
	if l, ep := attr(inst, "https_listen"), attr(cert, "verify_endpoint"); !servesEndpoint(l, ep) {
		t.Errorf("ntopng_tls_cert's verify_endpoint %q is not where ntopng_instance's https_listen %q serves HTTPS", ep, l)
	}
	if p, c := attr(cert, "path"), attr(inst, "cert_path"); p != c {
		t.Errorf("ntopng_tls_cert writes %q but ntopng_instance reads cert_path %q", p, c)
	}
	if s, u := attr(redis, "unixsocket"), attr(inst, "socket"); s != u {
		t.Errorf("ntopng_redis's unixsocket %q is not the socket ntopng_instance uses (%q)", s, u)
	}
}
