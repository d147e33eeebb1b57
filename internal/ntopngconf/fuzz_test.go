package ntopngconf

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzParse checks that reading never panics, is deterministic, and does not
// depend on where the text is split into a main file and a drop-in.
// Seeds: testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		prev := 0
		for _, l := range ParseLines(text) {
			if l.Num < prev || l.Num < 1 || strings.Contains(l.Raw, "\n") {
				t.Fatalf("bad line number or raw text: %+v after line %d", l, prev)
			}
			prev = l.Num
			if l.Ignored != (l.Reason != "") || l.Ignored == (l.Name != "") {
				t.Fatalf("inconsistent line: %+v", l)
			}
			if o, ok := LookupOption(l.Name); !l.Ignored && (!ok || o.Long != l.Name) {
				t.Fatalf("line names an unknown option: %+v", l)
			}
		}
		e := EvaluateText(text)
		if again := EvaluateText(text); !reflect.DeepEqual(e, again) {
			t.Fatalf("EvaluateText is not deterministic:\n%+v\n%+v", e, again)
		}
		for i := 1; i < len(e.IgnoredLines); i++ {
			if e.IgnoredLines[i] <= e.IgnoredLines[i-1] {
				t.Fatalf("IgnoredLines not strictly increasing: %v", e.IgnoredLines)
			}
		}
		half := len(text) / 2
		split := Evaluate(File{Name: "a", Text: text[:half]}, File{Name: "b", Text: text[half:]})
		e.IgnoredLines, e.IgnoredByFile, e.Sources = nil, nil, nil
		split.IgnoredLines, split.IgnoredByFile, split.Sources = nil, nil, nil
		if !reflect.DeepEqual(e, split) {
			t.Fatalf("reading the text in two files differs:\n%+v\n%+v", e, split)
		}
	})
}

// FuzzEditRoundTrip checks that a value accepted by ValidateValue is read back
// exactly after Edit, that editing again changes nothing, that the other lines
// survive, and that removing an option removes it.
// Seeds: testdata/fuzz/FuzzEditRoundTrip.
func FuzzEditRoundTrip(f *testing.F) {
	f.Fuzz(func(t *testing.T, orig string, index uint8, value string) {
		o := table[int(index)%len(table)].Option
		if ValidateValue(o.Long, value) != nil {
			return
		}
		set := []Setting{{Name: o.Long, Value: value, Flag: !o.TakesValue}}
		got := Edit(orig, set, nil)
		e := EvaluateText(got)
		if v, ok := e.Options[o.Long]; !ok || v != value {
			t.Fatalf("after Edit, --%s reads back as %q (set %v), want %q\n%q", o.Long, v, ok, value, got)
		}
		if again := Edit(got, set, nil); again != got {
			t.Fatalf("Edit is not idempotent:\n%q\n%q", got, again)
		}
		if !strings.HasSuffix(got, "\n") {
			t.Fatalf("edited file does not end with a line feed: %q", got)
		}
		want, kept := otherLines(orig, o.Long), otherLines(got, o.Long)
		if !containsMarker(orig) && len(kept) > 0 && kept[len(kept)-1] == ManagedMarker {
			kept = kept[:len(kept)-1]
		}
		if !reflect.DeepEqual(want, kept) {
			t.Fatalf("unmanaged lines changed:\n%q\n%q", want, kept)
		}

		removed := Edit(orig, nil, []string{o.Long})
		if v, ok := EvaluateText(removed).Options[o.Long]; ok {
			t.Fatalf("after removing --%s it still reads %q:\n%q", o.Long, v, removed)
		}
		if again := Edit(removed, nil, []string{o.Long}); again != removed {
			t.Fatalf("removal is not idempotent:\n%q\n%q", removed, again)
		}
	})
}

// otherLines lists the lines of text that do not name option, without their
// line feeds.
func otherLines(text, option string) []string {
	var out []string
	for _, l := range physicalLines(text) {
		named := false
		for _, n := range lineOptions(l) {
			named = named || n == option
		}
		if !named {
			out = append(out, strings.TrimSuffix(l, "\n"))
		}
	}
	return out
}

func containsMarker(text string) bool {
	for _, l := range physicalLines(text) {
		if strings.TrimSpace(l) == ManagedMarker {
			return true
		}
	}
	return false
}
