package bench

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Variant selects the values WriteConfig renders.
type Variant int

const (
	// Base is the hardened configuration of every host.
	Base Variant = iota
	// Changed differs from Base in every resource: ntopng_instance gets an extra option,
	// ntopng_redis one more renamed command, ntopng_tls_cert mode 0600.
	Changed
	// OneChange differs from Base in one attribute of one resource per host: ntopng_tls_cert
	// mode 0600.
	OneChange
)

// WriteConfig writes the ntopng configuration (main.tf in WorkDir): one ntopng_tls_cert,
// ntopng_redis and ntopng_instance per host, named h<index>.
func (f *Fleet) WriteConfig(t testing.TB, v Variant) {
	t.Helper()
	var b strings.Builder
	b.WriteString(`terraform {
  required_providers {
    ntopng = { source = "hardenops/ntopng" }
  }
}

provider "ntopng" {
  ssh {
    user        = "root"
    private_key = file("${path.module}/id_ed25519")
    known_hosts = file("${path.module}/known_hosts")
  }
}

locals {
  cert     = file("${path.module}/cert.pem")
  key      = file("${path.module}/key.pem")
`)
	fmt.Fprintf(&b, "  password = %q\n}\n", f.RedisPassword)
	for i, h := range f.Hosts {
		b.WriteString(f.hostConfig(i, h, v))
	}
	writeFile(t, filepath.Join(f.WorkDir, "main.tf"), b.String(), 0o644)
}

// hostConfig renders the three resources of one host.
func (f *Fleet) hostConfig(i int, h *Host, v Variant) string {
	mode, rename, extra := `"0640"`, `{ FLUSHALL = "" }`, ``
	if v == OneChange {
		mode = `"0600"`
	}
	if v == Changed {
		mode, rename = `"0600"`, `{ FLUSHALL = "", FLUSHDB = "" }`
		extra = `
  extra_options      = { "max-num-flows" = "200000" }`
	}
	q := strconv.Quote
	return fmt.Sprintf(`
resource "ntopng_tls_cert" "h%[1]d" {
  host               = "127.0.0.1"
  ssh_port           = %[2]d
  path               = %[3]s
  certificate_pem    = local.cert
  private_key_pem_wo = local.key
  mode               = %[4]s
  restart_command    = %[5]s
  verify_endpoint    = %[6]s
  verify_timeout     = "20s"
}

resource "ntopng_redis" "h%[1]d" {
  host                   = "127.0.0.1"
  ssh_port               = %[2]d
  config_path            = %[7]s
  requirepass_wo         = local.password
  requirepass_wo_version = 1
  unixsocket             = %[8]s
  rename_commands        = %[9]s
  restart_command        = %[10]s
  verify_live            = %[11]t
}

resource "ntopng_instance" "h%[1]d" {
  host               = "127.0.0.1"
  ssh_port           = %[2]d
  config_path        = %[12]s
  http_listen        = "disabled"
  https_listen       = %[6]s
  cert_path          = ntopng_tls_cert.h%[1]d.path
  data_dir           = %[13]s
  redis              = { socket = ntopng_redis.h%[1]d.unixsocket }
  redis_password_wo  = local.password
  restart_command    = %[5]s
  verify_timeout     = "20s"%[14]s
}
`, i, h.SSHD.Port, q(h.CertPath), mode, q(h.restartScript("ntopng")), q(f.HTTPSListen),
		q(h.RedisConf), q(h.RedisSocket), rename, q(h.restartScript("redis")), f.opts.Redis,
		q(h.NtopngConf), q(h.DataDir), extra)
}

// WriteBaseline writes the terraform_data baseline (main.tf in BaselineDir): as many
// terraform_data resources as the ntopng configuration has resources.
func (f *Fleet) WriteBaseline(t testing.TB) {
	t.Helper()
	var b strings.Builder
	for i := 0; i < f.Resources(); i++ {
		fmt.Fprintf(&b, "resource \"terraform_data\" \"r%d\" {\n  input = \"host-%d\"\n}\n\n", i, i/3)
	}
	writeFile(t, filepath.Join(f.BaselineDir, "main.tf"), b.String(), 0o644)
}

// WriteFloor writes the plugin floor (main.tf in FloorDir): as many no-op resources of the
// no-op plugin provider (hardenops/noop) as the ntopng configuration has resources.
func (f *Fleet) WriteFloor(t testing.TB) {
	t.Helper()
	var b strings.Builder
	b.WriteString("terraform {\n  required_providers {\n    noop = { source = \"hardenops/noop\" }\n  }\n}\n\n")
	for i := 0; i < f.Resources(); i++ {
		fmt.Fprintf(&b, "resource \"noop_thing\" \"r%d\" {\n  input = \"host-%d\"\n}\n\n", i, i/3)
	}
	writeFile(t, filepath.Join(f.FloorDir, "main.tf"), b.String(), 0o644)
}

// WriteSchemaFloor writes the framework floor of the ntopng schemas (main.tf in
// SchemaFloorDir): the Base configuration of every host, the same attributes and values, on
// the no-op provider's noop_instance, noop_redis and noop_tls_cert, which have the ntopng
// resources' schemas and touch nothing.
func (f *Fleet) WriteSchemaFloor(t testing.TB) {
	t.Helper()
	var b strings.Builder
	b.WriteString("terraform {\n  required_providers {\n    noop = { source = \"hardenops/noop\" }\n  }\n}\n\n")
	fmt.Fprintf(&b, "locals {\n  cert     = file(%q)\n  key      = file(%q)\n  password = %q\n}\n",
		filepath.Join(f.WorkDir, "cert.pem"), filepath.Join(f.WorkDir, "key.pem"), f.RedisPassword)
	types := strings.NewReplacer(`resource "ntopng_`, `resource "noop_`, "= ntopng_tls_cert.", "= noop_tls_cert.", "= ntopng_redis.", "= noop_redis.")
	for i, h := range f.Hosts {
		b.WriteString(types.Replace(f.hostConfig(i, h, Base)))
	}
	writeFile(t, filepath.Join(f.SchemaFloorDir, "main.tf"), b.String(), 0o644)
}

// WritePeer writes the peer's configuration (main.tf in PeerDir): three remote_file resources
// of tenstad/remote per host, each a small file of its own in the host's directory, reached
// over the same sshd with the same key.
func (f *Fleet) WritePeer(t testing.TB) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "terraform {\n  required_providers {\n    remote = { source = \"tenstad/remote\" }\n  }\n}\n\nlocals {\n  key = file(%q)\n}\n",
		filepath.Join(f.WorkDir, "id_ed25519"))
	for i, h := range f.Hosts {
		for j := 0; j < 3; j++ {
			fmt.Fprintf(&b, `
resource "remote_file" "h%[1]d_%[2]d" {
  conn {
    host        = "127.0.0.1"
    port        = %[3]d
    user        = "root"
    private_key = local.key
  }
  path    = %[4]q
  content = "peer file %[2]d"
}
`, i, j, h.SSHD.Port, filepath.Join(h.Dir, fmt.Sprintf("peer-%d.txt", j)))
		}
	}
	writeFile(t, filepath.Join(f.PeerDir, "main.tf"), b.String(), 0o644)
}
