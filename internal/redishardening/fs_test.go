package redishardening

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hardenops/terraform-provider-ntopng/internal/redisconf"
)

// dirFS is redisconf.FS over one folder of this machine where a test wrote its files; a
// path outside it does not exist.
type dirFS string

func (d dirFS) inside(p string) bool { return strings.HasPrefix(path.Clean(p), string(d)+"/") }

func (d dirFS) ReadFile(p string) ([]byte, error) {
	if !d.inside(p) {
		return nil, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
	}
	return os.ReadFile(p)
}

func (d dirFS) Glob(pattern string) ([]string, error) {
	if !d.inside(pattern) {
		return nil, nil
	}
	return filepath.Glob(pattern)
}

// loadFiles writes files (name in a new temporary folder -> content; "$DIR" in a content
// stands for the folder) and loads the main one, redis.conf. It returns the main file's path.
func loadFiles(t testing.TB, files map[string]string) (*redisconf.Config, string, error) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.ReplaceAll(content, "$DIR", dir)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	main := filepath.Join(dir, "redis.conf")
	cfg, err := redisconf.Load(dirFS(dir), main)
	return cfg, main, err
}

// load loads conf as the whole redis.conf, or fails the test.
func load(t testing.TB, conf string) *redisconf.Config {
	t.Helper()
	cfg, _, err := loadFiles(t, map[string]string{"redis.conf": conf})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// hardened is the resource's default configuration with renames.
func hardened(renames map[string]string) Desired {
	return Desired{Port: 0, Bind: []string{"127.0.0.1", "-::1"}, Unixsocket: DefaultSocket,
		Unixsocketperm: DefaultSocketPerm, ProtectedMode: true, Renames: renames}
}
