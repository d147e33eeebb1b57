package ntopngconf

import (
	"bufio"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// setOptionEntry is one line of testdata/setoption-options.txt.
type setOptionEntry struct {
	status, long string
	key          int
	letter       byte // 0 for a numeric key
	required     bool
}

func readSetOptionEntries(t *testing.T) []setOptionEntry {
	t.Helper()
	f, err := os.Open("testdata/setoption-options.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []setOptionEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		w := strings.Fields(line)
		if len(w) != 4 {
			t.Fatalf("bad line %q", line)
		}
		e := setOptionEntry{status: w[0], long: w[1], required: w[3] == "required"}
		if len(w[2]) == 1 {
			e.letter, e.key = w[2][0], int(w[2][0])
		} else if e.key, err = strconv.Atoi(w[2]); err != nil {
			t.Fatalf("bad key in %q", line)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestOptionTableFollowsSetOption pins the options the package treats as effective to the
// list derived from Prefs::setOption: every handled name is known with its letter, key and
// argument, and is applied when read; every name ntopng lists but ignores, or does not list
// in this build, is refused and read as an ignored line.
func TestOptionTableFollowsSetOption(t *testing.T) {
	entries := readSetOptionEntries(t)
	var handled []string
	counts := map[string]int{}
	for _, e := range entries {
		counts[e.status]++
		value := ""
		if e.required {
			value = "x"
		}
		switch e.status {
		case "handled":
			if e.long == "-" {
				o := lookupLetterOnly(e.letter)
				if o == nil || o.key != e.key || o.TakesValue {
					t.Errorf("-%c: letter-only entry %+v, want key %d without a value", e.letter, o, e.key)
				}
				if l := ParseLines("-" + string(e.letter) + "\n")[0]; l.Ignored || l.Name != "-"+string(e.letter) {
					t.Errorf("-%c: read as %+v, want it applied", e.letter, l)
				}
				continue
			}
			handled = append(handled, e.long)
			o, ok := LookupOption(e.long)
			if !ok || o.Long != e.long || o.Short != e.letter || o.TakesValue != e.required {
				t.Errorf("LookupOption(%q) = %+v, %v; want letter %q, takes a value %v", e.long, o, ok, e.letter, e.required)
			}
			if d := lookupLong(e.long); d == nil || d.key != e.key {
				t.Errorf("%s: table entry %+v, want key %d", e.long, d, e.key)
			}
			line := "--" + e.long
			if e.required {
				line += "=x"
			}
			if l := ParseLines(line + "\n")[0]; l.Ignored || l.Name != e.long || l.Value != value {
				t.Errorf("%q read as %+v, want it applied", line, l)
			}
			if e.letter != 0 {
				if l := ParseLines("-" + string(e.letter) + " " + value + "\n")[0]; l.Ignored || l.Name != e.long {
					t.Errorf("-%c read as %+v, want --%s applied", e.letter, l, e.long)
				}
			}
			if err := ValidateValue(e.long, value); err != nil {
				t.Errorf("ValidateValue(%q, %q) = %v", e.long, value, err)
			}
		case "ignored", "absent":
			if o, ok := LookupOption(e.long); ok {
				t.Errorf("LookupOption(%q) = %+v, want not found: ntopng ignores it", e.long, o)
			}
			want := "ntopng ignores unknown options" // absent: a plain unknown name
			if e.status == "ignored" {
				want = "lists --" + e.long + " "
			}
			if err := ValidateValue(e.long, value); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("ValidateValue(%q, %q) = %v, want an error containing %q", e.long, value, err, want)
			}
			if l := ParseLines("--" + e.long + "=x\n")[0]; !l.Ignored || l.Name != "" {
				t.Errorf("--%s=x read as %+v, want it ignored", e.long, l)
			}
			if e.status == "ignored" {
				unknown := "Unknown option -" + string(e.letter) + ": Ignored."
				for _, line := range []string{"--" + e.long + "=x", "--" + e.long, "-" + string(e.letter) + " x", "-" + string(e.letter)} {
					if l := ParseLines(line + "\n")[0]; !l.Ignored || !strings.Contains(l.Reason, "lists --"+e.long) || !strings.Contains(l.Reason, unknown) {
						t.Errorf("%q read as %+v, want it ignored because ntopng lists it but logs %q", line, l, unknown)
					}
				}
				if err := ValidateValue(string(e.letter), value); err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("ValidateValue(%q) = %v, want an error containing %q", string(e.letter), err, want)
				}
			}
		default:
			t.Errorf("unknown status %q", e.status)
		}
	}
	sort.Strings(handled)
	if got := KnownOptions(); !reflect.DeepEqual(got, handled) {
		t.Errorf("KnownOptions() = %v\nwant exactly the handled names %v", got, handled)
	}
	if len(letterOnly) != 1 || len(notHandled) != counts["ignored"] {
		t.Errorf("letterOnly %v, notHandled %v: every entry must be in testdata/setoption-options.txt", letterOnly, notHandled)
	}
	if counts["handled"] != 64 || counts["ignored"] != 2 || counts["absent"] != 6 {
		t.Errorf("testdata counts %v, want 64 handled, 2 ignored, 6 absent", counts)
	}
}

// TestMovedOptions pins the options that moved when the table began to follow
// Prefs::setOption instead of long_options: the ones now applied, and the ones now ignored.
// cluster-id stays applied: setOption handles it in builds with PF_RING, which ntop's packages
// are, and refusing it would be a false error for the builds operators run.
func TestMovedOptions(t *testing.T) {
	text := strings.Join([]string{
		"--ciphers-list=HIGH:!aNULL", // 1: in long_options and handled; the table lacked it
		"--insecure",                 // 2
		"--http-log=/var/log/ntopng-http.log",
		"-L=/var/log/ntopng-http2.log", // 4: -L is --http-log
		"--offline",
		"--disable-purge",
		"--limit-resources",
		"--simulate-macs",
		"--test-script-post=/bin/true",
		"-z",                     // 10: case 'z', no long name
		"--prefs-dir=/var/lib/x", // 11: listed, no case
		"--traffic-filtering=1",  // 12: listed, no case
		"-4 /var/lib/x",          // 13
		"-k 1",                   // 14
		"--cluster-id=2",         // 15: handled with PF_RING, as ntop's packages are built
		"--user=ntopng",          // 16
	}, "\n") + "\n"
	e := EvaluateText(text)
	want := map[string]string{
		"ciphers-list": "HIGH:!aNULL", "insecure": "", "http-log": "/var/log/ntopng-http2.log",
		"offline": "", "disable-purge": "", "limit-resources": "", "simulate-macs": "",
		"test-script-post": "/bin/true", "-z": "", "cluster-id": "2", "user": "ntopng",
	}
	if !reflect.DeepEqual(e.Options, want) {
		t.Errorf("Options = %v\nwant %v", e.Options, want)
	}
	if wantIgnored := []int{11, 12, 13, 14}; !reflect.DeepEqual(e.IgnoredLines, wantIgnored) {
		t.Errorf("IgnoredLines = %v, want %v", e.IgnoredLines, wantIgnored)
	}
	for _, c := range []struct{ name, value, errIn string }{
		{"ciphers-list", "HIGH:!aNULL", ""},
		{"insecure", "", ""},
		{"http-log", "/var/log/ntopng-http.log", ""},
		{"prefs-dir", "/var/lib/x", `"prefs-dir" would have no effect: ntopng lists --prefs-dir (-4) among its options but Prefs::setOption has no case for it`},
		{"traffic-filtering", "1", `"Unknown option -k: Ignored."`},
		{"cluster-id", "2", ""},
		{"z", "", `only a "-z" line sets it`},
	} {
		err := ValidateValue(c.name, c.value)
		if c.errIn == "" && err != nil || c.errIn != "" && (err == nil || !strings.Contains(err.Error(), c.errIn)) {
			t.Errorf("ValidateValue(%q, %q) = %v, want error containing %q", c.name, c.value, err, c.errIn)
		}
	}
}
