package hostscript

import (
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

func TestSections(t *testing.T) {
	out := "before\n@@unit\nA=1\nB=2\n@@user ntopng\nntopng:x:1:2\n@@empty\n@@redis\n@@also\nPONG\n"
	got := Sections(out, "redis")
	want := []Section{
		{Body: "before\n"},
		{Name: "unit", Body: "A=1\nB=2\n"},
		{Name: "user", Arg: "ntopng", Body: "ntopng:x:1:2\n"},
		{Name: "empty"},
		{Name: "redis", Body: "@@also\nPONG\n"}, // raw: a Redis's answer cannot pass for a marker
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Sections =\n%#v\nwant\n%#v", got, want)
	}
	if j := Join(Sections(out, "redis")); j != out {
		t.Errorf("Join(Sections(out)) = %q, want %q", j, out)
	}
	if got := Sections("@@x\nno newline at the end"); len(got) != 2 || got[1].Body != "no newline at the end" {
		t.Errorf("last line without newline: %#v", got)
	}
	if got := Sections(""); len(got) != 1 || got[0] != (Section{}) {
		t.Errorf("empty output: %#v", got)
	}
	if s, ok := Find(got, "nothing"); ok || s != (Section{}) {
		t.Errorf("Find of a missing section: %v %v", s, ok)
	}
}

// TestCommandPassesArgumentsByName runs a script with /bin/sh (dash on Debian): every
// declared argument is set from its NAME=VALUE argument, values with quotes, spaces, "=" and
// newlines arrive as given and are never evaluated, an argument not given is empty even when
// the environment has it, and an undeclared name is refused.
func TestCommandPassesArgumentsByName(t *testing.T) {
	s := New("probe.sh", "# args: ONE TWO THREE\nprintf '[%s]' \"$ONE\" \"$TWO\" \"$THREE\" \"$@\"\n")
	tricky := "a 'b' \"c\" $(touch /tmp/hostscript-pwned) `x` = d\ne"
	argv, err := s.Command(Args{"ONE": tricky, "TWO": "2"}, "TWO=not an argument", "--", "x y")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", argv[1:]...)
	cmd.Env = []string{"THREE=from the environment", "PATH=/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if want := "[" + tricky + "][2][][TWO=not an argument][--][x y]"; string(out) != want {
		t.Errorf("printed %q, want %q", out, want)
	}
	if _, err := s.Command(Args{"FOUR": "4"}); err == nil || !strings.Contains(err.Error(), "FOUR") {
		t.Errorf("an undeclared argument: %v", err)
	}
	both := s.Then(New("more.sh", "# args: TWO FOUR\necho \"$FOUR\""))
	if got := both.Args(); !reflect.DeepEqual(got, []string{"ONE", "TWO", "THREE", "FOUR"}) {
		t.Errorf("Then's arguments %v", got)
	}
}

func TestNewRefusesAScriptWithoutItsArguments(t *testing.T) {
	for _, text := range []string{"echo hi\n", "# args: lower\n"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New accepted %q", text)
				}
			}()
			New("bad.sh", text)
		}()
	}
}
