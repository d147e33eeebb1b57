package transport

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// readSizes is a reader that records the size of every Read it is asked for.
type readSizes struct {
	r     io.Reader
	sizes []int
}

func (s *readSizes) Read(p []byte) (int, error) {
	s.sizes = append(s.sizes, len(p))
	return s.r.Read(p)
}

// TestSessionWritersCopySmall: x/crypto/ssh fills a session's Stdout and Stderr with
// io.Copy; the provider's writers take it through copySmall's buffer (not io.Copy's 32 KiB
// one, kept for as long as a session is open) and still keep no more than their bound.
func TestSessionWritersCopySmall(t *testing.T) {
	data := strings.Repeat("0123456789abcdef", 10<<10) // 160 KiB
	type bounded struct {
		name string
		w    io.Writer
		kept func() string
		max  int
	}
	capped := &cappedBuffer{max: 100 << 10}
	limited := &limitedBuffer{max: 16 << 10}
	writers := []bounded{
		{"cappedBuffer", capped, func() string { return string(capped.Bytes()) }, 100 << 10},
		{"limitedBuffer", limited, limited.String, 16 << 10},
	}
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			src := &readSizes{r: strings.NewReader(data)}
			n, err := io.Copy(w.w, src)
			if err != nil || n != int64(len(data)) {
				t.Fatalf("io.Copy = %d, %v; want %d, nil", n, err, len(data))
			}
			for _, s := range src.sizes {
				if s > copyBufferSize {
					t.Fatalf("a Read of %d bytes: io.Copy did not go through copySmall (sizes %v)", s, src.sizes)
				}
			}
			if got := w.kept(); got != data[:w.max] {
				t.Errorf("kept %d bytes, want the first %d", len(got), w.max)
			}
		})
	}
	if capped.dropped != len(data)-100<<10 {
		t.Errorf("cappedBuffer dropped %d, want %d", capped.dropped, len(data)-100<<10)
	}

	// The pipe of abortableReader is fed the same way, and carries everything.
	src := &readSizes{r: strings.NewReader(data)}
	a := abortableReader(src)
	got, err := io.ReadAll(a.r)
	if err != nil || !bytes.Equal(got, []byte(data)) {
		t.Fatalf("abortableReader carried %d bytes (%v), want %d", len(got), err, len(data))
	}
	for _, s := range src.sizes {
		if s > copyBufferSize {
			t.Fatalf("abortableReader read %d bytes at once, want at most %d", s, copyBufferSize)
		}
	}
}
