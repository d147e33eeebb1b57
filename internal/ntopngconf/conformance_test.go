package ntopngconf

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// conformanceCase is one case of testdata/conformance/*.json.
type conformanceCase struct {
	Name   string                     `json:"name"`
	Config string                     `json:"config"`
	Expect map[string]json.RawMessage `json:"expect"`
	Why    string                     `json:"why"`
}

// conformanceFiles lists the vectors: testdata/conformance/*.json (copied from
// shared/conformance, derived from ntopng's parser at the commit of the tested tarball, so a
// clone alone runs them) and, when NTOPNG_CONFORMANCE_DIR is set, that folder's *.json too.
func conformanceFiles(t *testing.T) []string {
	t.Helper()
	dirs := []string{filepath.Join("testdata", "conformance")}
	if dir := os.Getenv("NTOPNG_CONFORMANCE_DIR"); dir != "" {
		dirs = append(dirs, dir)
	}
	var files []string
	for _, dir := range dirs {
		m, err := filepath.Glob(filepath.Join(dir, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		if len(m) == 0 {
			t.Fatalf("no *.json conformance vectors in %s", dir)
		}
		files = append(files, m...)
	}
	return files
}

func TestConformance(t *testing.T) {
	files := conformanceFiles(t)
	total := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("read %s: %v", file, err)
		}
		var cases []conformanceCase
		if err := json.Unmarshal(data, &cases); err != nil {
			t.Fatalf("%s is not a JSON list of cases: %v", file, err)
		}
		for _, c := range cases {
			total++
			t.Run(c.Name, func(t *testing.T) {
				checkConformance(t, c)
			})
		}
	}
	if total == 0 {
		t.Fatalf("no conformance vectors in %v: the reader cannot be checked against ntopng", files)
	}
}

func checkConformance(t *testing.T, c conformanceCase) {
	t.Helper()
	e := EvaluateText(c.Config)
	got := map[string]any{
		"http_port":      e.HTTPPort,
		"https_port":     e.HTTPSPort,
		"http_bind":      e.HTTPBind,
		"https_bind":     e.HTTPSBind,
		"user":           e.User,
		"change_user":    e.ChangeUser,
		"redis_host":     e.RedisHost,
		"redis_port":     e.RedisPort,
		"redis_db":       e.RedisDB,
		"redis_password": e.RedisPassword,
		"data_dir":       e.DataDir,
		"docs_dir":       e.DocsDir,
		"ignored_lines":  e.IgnoredLines,
	}
	for field, raw := range c.Expect {
		g, ok := got[field]
		if !ok {
			t.Errorf("expect field %q is not known to this test: teach checkConformance about it", field)
			continue
		}
		// Decode the expectation into a value of the same type as ours.
		want := reflect.New(reflect.TypeOf(g))
		if err := json.Unmarshal(raw, want.Interface()); err != nil {
			t.Errorf("%s: cannot decode %s: %v", field, raw, err)
			continue
		}
		w := want.Elem().Interface()
		if !reflect.DeepEqual(normalize(g), normalize(w)) {
			t.Errorf("%s = %s, want %s\nconfig:\n%s\nwhy: %s", field, show(g), raw, c.Config, c.Why)
		}
	}
}

// normalize makes nil and empty slices, and pointers, comparable.
func normalize(v any) any {
	switch x := v.(type) {
	case []int:
		if x == nil {
			return []int{}
		}
	case *string:
		if x == nil {
			return nil
		}
		return *x
	}
	return v
}

func show(v any) string {
	b, _ := json.Marshal(normalize(v))
	return string(b)
}
