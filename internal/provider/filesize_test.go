package provider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// maxFileLines bounds every non-test Go file of this package (CONTRIBUTING.md: one resource
// per file, each at 500 lines or less): a file past it is split by feature, not grown.
const maxFileLines = 500

func TestFilesAtMost500Lines(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files here (%v)", err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(b), "\n"); n > maxFileLines {
			t.Errorf("%s has %d lines, more than %d: split it by feature", f, n, maxFileLines)
		}
	}
}
