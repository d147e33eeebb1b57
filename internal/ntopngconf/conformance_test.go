package ntopngconf

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// conformanceCase is one case of shared/conformance/*.json.
type conformanceCase struct {
	Name   string                     `json:"name"`
	Config string                     `json:"config"`
	Expect map[string]json.RawMessage `json:"expect"`
	Why    string                     `json:"why"`
}

// conformanceDir finds the shared conformance vectors: $NTOPNG_CONFORMANCE_DIR,
// else ../../../shared/conformance, else shared/conformance in the nearest
// parent folder that has one (a clone placed next to a copy of shared/).
func conformanceDir(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("NTOPNG_CONFORMANCE_DIR"); dir != "" {
		return dir
	}
	rel := filepath.Join("..", "..", "..", "shared", "conformance")
	if st, err := os.Stat(rel); err == nil && st.IsDir() {
		return rel
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("cannot find the working directory: %v", err)
	}
	for {
		candidate := filepath.Join(dir, "shared", "conformance")
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return candidate
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no shared/conformance folder found above the package; set NTOPNG_CONFORMANCE_DIR to the folder holding the *.json vectors")
		}
		dir = parent
	}
}

func TestConformance(t *testing.T) {
	dir := conformanceDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
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
		t.Fatalf("no conformance vectors in %s: the reader cannot be checked against ntopng", dir)
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
