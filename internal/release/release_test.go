package release

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/dirhash"
	"gopkg.in/yaml.v3"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// goreleaser is run from the Go module proxy at a pinned version (built once into the Go
// build cache); newer versions need a newer Go than this project's.
const goreleaser = "github.com/goreleaser/goreleaser/v2@v2.15.1"

const projectName = "terraform-provider-ntopng"

// config is the part of .goreleaser.yml that the Terraform Registry depends on.
type config struct {
	Version     int    `yaml:"version"`
	ProjectName string `yaml:"project_name"`
	Dist        string `yaml:"dist"`
	Builds      []struct {
		Env     []string `yaml:"env"`
		Flags   []string `yaml:"flags"`
		Ldflags []string `yaml:"ldflags"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
		Binary  string   `yaml:"binary"`
	} `yaml:"builds"`
	Archives []struct {
		Formats      []string `yaml:"formats"`
		NameTemplate string   `yaml:"name_template"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string      `yaml:"name_template"`
		Algorithm    string      `yaml:"algorithm"`
		ExtraFiles   []extraFile `yaml:"extra_files"`
	} `yaml:"checksum"`
	Signs []struct {
		Artifacts string   `yaml:"artifacts"`
		Args      []string `yaml:"args"`
	} `yaml:"signs"`
	Release struct {
		ExtraFiles []extraFile `yaml:"extra_files"`
	} `yaml:"release"`
}

type extraFile struct {
	Glob         string `yaml:"glob"`
	NameTemplate string `yaml:"name_template"`
}

// TestReleaseConfig checks .goreleaser.yml against what the Registry expects: every
// OS/arch pair, a static stripped binary with the version stamped in, zips named
// NAME_VERSION_OS_ARCH, a SHA256SUMS file with its detached GPG signature, and the manifest.
func TestReleaseConfig(t *testing.T) {
	root := testhost.ModuleRoot(t)
	b, err := os.ReadFile(filepath.Join(root, ".goreleaser.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var c config
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf(".goreleaser.yml does not parse: %v", err)
	}
	check := func(what string, got, want any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	check("version", c.Version, 2)
	check("project_name", c.ProjectName, projectName)
	check("dist", c.Dist, "") // the test sets its own
	if len(c.Builds) != 1 || len(c.Archives) != 1 || len(c.Signs) != 1 {
		t.Fatalf("want one build, one archive and one sign section; got %d, %d, %d", len(c.Builds), len(c.Archives), len(c.Signs))
	}
	bd := c.Builds[0]
	check("builds.env", bd.Env, []string{"CGO_ENABLED=0"})
	check("builds.flags", bd.Flags, []string{"-trimpath"})
	check("builds.ldflags", bd.Ldflags, []string{"-s -w -X main.version={{.Version}}"})
	check("builds.goos", sorted(bd.Goos), []string{"darwin", "freebsd", "linux", "windows"})
	check("builds.goarch", sorted(bd.Goarch), []string{"amd64", "arm64"})
	check("builds.binary", bd.Binary, "{{ .ProjectName }}_v{{ .Version }}")
	check("archives.formats", c.Archives[0].Formats, []string{"zip"})
	check("archives.name_template", c.Archives[0].NameTemplate, "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}")
	check("checksum.name_template", c.Checksum.NameTemplate, "{{ .ProjectName }}_{{ .Version }}_SHA256SUMS")
	check("checksum.algorithm", c.Checksum.Algorithm, "sha256")
	manifest := []extraFile{{Glob: "terraform-registry-manifest.json", NameTemplate: "{{ .ProjectName }}_{{ .Version }}_manifest.json"}}
	check("checksum.extra_files", c.Checksum.ExtraFiles, manifest)
	check("release.extra_files", c.Release.ExtraFiles, manifest)
	check("signs.artifacts", c.Signs[0].Artifacts, "checksum")
	check("signs.args", c.Signs[0].Args, []string{"--batch", "--local-user", "{{ .Env.GPG_FINGERPRINT }}",
		"--output", "${signature}", "--detach-sign", "${artifact}"})
}

// TestReleaseInstallsFromMirror builds a snapshot release for linux/amd64 with goreleaser and
// the repository's .goreleaser.yml (signing skipped), serves the zip from a filesystem mirror,
// and has the real terraform install it, record and then enforce its checksum, and use it in
// a plan that reads ntopng_host from a real sshd. No dev_overrides, nothing downloaded.
func TestReleaseInstallsFromMirror(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 to build a snapshot release and install it with terraform")
	}
	tf := testhost.TerraformPath(t)
	root := testhost.ModuleRoot(t)
	sshd := testhost.StartSSHD(t, testhost.Options{}) // skips when not root; before the long build
	tmp := t.TempDir()

	// 1. Snapshot release: the repository's config, narrowed to this platform and to a
	// temporary dist folder. Its own defaults make the version Terraform-compatible.
	dist := filepath.Join(tmp, "dist")
	cfgPath := filepath.Join(tmp, "goreleaser.yml")
	writeNarrowedConfig(t, filepath.Join(root, ".goreleaser.yml"), cfgPath, dist)
	gr := exec.Command("go", "run", goreleaser, "release", "--snapshot", "--clean", "--skip=sign", "--config", cfgPath)
	gr.Dir = root
	if out, err := gr.CombinedOutput(); err != nil {
		t.Fatalf("goreleaser release --snapshot failed: %v\n%s", err, out)
	}
	var meta struct {
		Version string `json:"version"`
	}
	readJSON(t, filepath.Join(dist, "metadata.json"), &meta)
	version := meta.Version
	if !regexp.MustCompile(`^\d+\.\d+\.\d+-dev$`).MatchString(version) {
		t.Fatalf("snapshot version %q is not MAJOR.MINOR.PATCH-dev (snapshot.version_template)", version)
	}

	// 2. The artifacts: SHA256SUMS lists exactly the zip and the manifest, with their hashes.
	zipName := fmt.Sprintf("%s_%s_linux_amd64.zip", projectName, version)
	zipPath := filepath.Join(dist, zipName)
	manifestName := fmt.Sprintf("%s_%s_manifest.json", projectName, version)
	sums := readSums(t, filepath.Join(dist, fmt.Sprintf("%s_%s_SHA256SUMS", projectName, version)))
	if got := sorted(keys(sums)); !slices.Equal(got, sorted([]string{zipName, manifestName})) {
		t.Fatalf("SHA256SUMS lists %v, want the zip and the manifest", got)
	}
	if got := fileSHA256(t, zipPath); sums[zipName] != got {
		t.Fatalf("SHA256SUMS says %s for %s, the file hashes to %s", sums[zipName], zipName, got)
	}
	if got := fileSHA256(t, filepath.Join(root, "terraform-registry-manifest.json")); sums[manifestName] != got {
		t.Errorf("SHA256SUMS says %s for %s, terraform-registry-manifest.json hashes to %s", sums[manifestName], manifestName, got)
	}
	binName := "terraform-provider-ntopng_v" + version
	checkBinary(t, zipPath, binName, version)

	// 3. A filesystem mirror in the packed layout, and a CLI config that installs
	// hardenops/ntopng only from it.
	mirror := filepath.Join(tmp, "mirror")
	packed := filepath.Join(mirror, "registry.terraform.io", "hardenops", "ntopng", zipName)
	copyFile(t, zipPath, packed)
	cliConfig := filepath.Join(tmp, "terraformrc")
	writeFile(t, cliConfig, fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["hardenops/ntopng"]
  }
  direct {
    exclude = ["hardenops/ntopng"]
  }
}
`, mirror))
	env := terraformEnv(cliConfig)

	// 4. terraform init installs the zip and records its hashes in the lock file.
	work := filepath.Join(tmp, "work")
	writeFile(t, filepath.Join(work, "id_deploy"), sshd.Deploy.PrivateKey)
	writeFile(t, filepath.Join(work, "main.tf"), fmt.Sprintf(`terraform {
  required_providers {
    ntopng = {
      source  = "hardenops/ntopng"
      version = %q
    }
  }
}

provider "ntopng" {
  ssh {
    user        = "deploy"
    port        = %d
    private_key = file("${path.module}/id_deploy")
    host_key    = %q
  }
}

data "ntopng_host" "target" {
  host = "127.0.0.1"
}

output "host_key_fingerprint" {
  value = data.ntopng_host.target.host_key_fingerprint
}
`, version, sshd.Port, sshd.HostKey))
	out := run(t, tf, work, env, "init", "-input=false", "-no-color")
	if !strings.Contains(out, "Installed hardenops/ntopng v"+version) {
		t.Fatalf("terraform init did not install hardenops/ntopng v%s from the mirror:\n%s", version, out)
	}
	lock := readFile(t, filepath.Join(work, ".terraform.lock.hcl"))
	h1, err := dirhash.HashZip(zipPath, dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	// From a mirror Terraform records only h1: (the hash of the zip's content); zh: hashes come
	// from a registry's signed SHA256SUMS. The chain holds all the same: SHA256SUMS names the
	// zip's SHA256 (checked above) and h1: is computed here from that very zip.
	for _, want := range []string{`version     = "` + version + `"`, `"` + h1 + `"`} {
		if !strings.Contains(lock, want) {
			t.Errorf("the lock file lacks %s (the h1: hash of %s):\n%s", want, zipName, lock)
		}
	}

	// 5. terraform plan runs the installed binary: the data source logs in to sshd and
	// reads the host key the provider verified.
	out = run(t, tf, work, env, "plan", "-input=false", "-no-color")
	if want := fmt.Sprintf("host_key_fingerprint = %q", sshd.HostKeyFingerprint); !strings.Contains(out, want) {
		t.Errorf("terraform plan does not show %s:\n%s", want, out)
	}
	if log := readFile(t, sshd.LogPath); !strings.Contains(log, "Accepted publickey for deploy") {
		t.Errorf("sshd's log shows no login of deploy:\n%s", log)
	}

	// 6. The lock file is enforced: a zip whose content differs is refused.
	tampered := filepath.Join(tmp, "tampered")
	writeFile(t, filepath.Join(tampered, "main.tf"), readFile(t, filepath.Join(work, "main.tf")))
	writeFile(t, filepath.Join(tampered, ".terraform.lock.hcl"), lock)
	writeTamperedZip(t, zipPath, packed, binName)
	cmd := exec.Command(tf, "init", "-input=false", "-no-color")
	cmd.Dir, cmd.Env = tampered, env
	b, err := cmd.CombinedOutput()
	words := strings.Join(strings.Fields(string(b)), " ") // terraform wraps its messages
	if err == nil || !strings.Contains(words, "doesn't match any of the checksums previously recorded in the dependency lock file") {
		t.Errorf("terraform init accepted a zip that does not match the lock file (err %v):\n%s", err, b)
	}
}

// writeNarrowedConfig writes the repository's goreleaser config with one platform and an
// absolute dist folder: the test checks the release shape, not the cross-compilers.
func writeNarrowedConfig(t *testing.T, src, dst, dist string) {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(readFile(t, src)), &doc); err != nil {
		t.Fatalf("%s does not parse: %v", src, err)
	}
	builds, ok := doc["builds"].([]any)
	if !ok || len(builds) != 1 {
		t.Fatalf("%s: want one entry in builds, got %v", src, doc["builds"])
	}
	b := builds[0].(map[string]any)
	b["goos"] = []string{"linux"}
	b["goarch"] = []string{"amd64"}
	doc["dist"] = dist
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dst, string(out))
}

// checkBinary opens the zip: the binary at its root under the name Terraform expects (beside
// goreleaser's default README.md and CHANGELOG.md), a static (no ELF interpreter:
// CGO_ENABLED=0) stripped (-s) executable with the version stamped in.
func checkBinary(t *testing.T, zipPath, wantName, version string) {
	t.Helper()
	bin := readZipEntry(t, zipPath, wantName)
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		t.Fatalf("%s is not an ELF executable: %v", wantName, err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s is dynamically linked (has an ELF interpreter): CGO_ENABLED=0 is not in effect", wantName)
		}
	}
	if _, err := f.Symbols(); !errors.Is(err, elf.ErrNoSymbols) {
		t.Errorf("%s has a symbol table: -s is not in effect (%v)", wantName, err)
	}
	if !bytes.Contains(bin, []byte(version)) {
		t.Errorf("%s does not contain its version %q: -X main.version is not in effect", wantName, version)
	}
}

// readZipEntry returns the content of the entry name of the zip at path.
func readZipEntry(t *testing.T, path, name string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Name != name {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	t.Fatalf("%s holds %v, not %s", filepath.Base(path), names, name)
	return nil
}

// writeTamperedZip writes at dst a zip holding only src's entry binName with one byte
// appended: the same name, another content.
func writeTamperedZip(t *testing.T, src, dst, binName string) {
	t.Helper()
	bin := readZipEntry(t, src, binName)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: binName, Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(append(bin, 0)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dst, buf.String())
}

// run runs terraform in dir and returns its output; a failure ends the test.
func run(t *testing.T, tf, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(tf, args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("terraform %s failed: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// terraformEnv is the environment with our CLI config and without a plugin cache.
func terraformEnv(cliConfig string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TF_PLUGIN_CACHE_DIR=") || strings.HasPrefix(kv, "TF_CLI_CONFIG_FILE=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "TF_CLI_CONFIG_FILE="+cliConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
}

// readSums parses a SHA256SUMS file into file name -> hex hash.
func readSums(t *testing.T, path string) map[string]string {
	t.Helper()
	sums := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(readFile(t, path)))
	for sc.Scan() {
		hash, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(hash) != 64 {
			t.Fatalf("%s: malformed line %q", path, sc.Text())
		}
		sums[name] = hash
	}
	return sums
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(readFile(t, path)))
	return hex.EncodeToString(sum[:])
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(readFile(t, path)), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, src, dst string) { t.Helper(); writeFile(t, dst, readFile(t, src)) }

func keys(m map[string]string) []string {
	var k []string
	for name := range m {
		k = append(k, name)
	}
	return k
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
