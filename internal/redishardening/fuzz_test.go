package redishardening

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// Seeds live in testdata/fuzz/FuzzHardenedFile/.

// FuzzHardenedFile: for any redis.conf Redis would load on its own (no NUL byte, no include
// of a missing file) and any settings the resource accepts, the hardened file loads, Redis
// would use exactly the desired values (EffectiveOf, ManagedRenames), no managed line is
// overridden, and hardening it again changes nothing.
func FuzzHardenedFile(f *testing.F) {
	f.Add("port 6379\nbind 0.0.0.0\n", int64(0), "127.0.0.1 -::1", "/run/redis/redis-server.sock", "770", true, "FLUSHALL", "", "CONFIG")
	f.Fuzz(func(t *testing.T, orig string, port int64, bind, socket, perm string, protected bool, renameKey, renameTo, prior string) {
		d := Desired{Port: port, Bind: strings.Fields(bind), Unixsocket: socket, Unixsocketperm: perm, ProtectedMode: protected,
			Renames: map[string]string{}}
		if renameKey != "" {
			d.Renames[renameKey] = renameTo
		}
		if prior != "" {
			d.PriorRenames = []string{prior}
		}
		in := Input{Unixsocket: &socket, Port: &port, Renames: map[string]*string{}}
		for i := range d.Bind {
			in.Bind = append(in.Bind, &d.Bind[i])
		}
		for k := range d.Renames {
			v := d.Renames[k]
			in.Renames[k] = &v
		}
		if strings.IndexByte(orig, 0) >= 0 || len(d.Bind) == 0 || len(Validate(in)) != 0 || !SocketPermRE.MatchString(perm) ||
			(renameKey != "" && !CommandNameRE.MatchString(renameKey)) || (prior != "" && !CommandNameRE.MatchString(prior)) {
			t.Skip()
		}
		const password = "p@ssw0rd-that-is-long-enough-for-redis-xx"
		if _, _, err := loadFiles(t, map[string]string{"redis.conf": orig}); err != nil {
			t.Skip()
		}
		out := d.Edit([]byte(orig), password)
		cfg, main, err := loadFiles(t, map[string]string{"redis.conf": string(out)})
		if err != nil {
			t.Fatalf("the hardened file does not load: %v\norig %q\nout  %q", err, orig, out)
		}
		e := EffectiveOf(cfg)
		if e.Port == nil || *e.Port != d.Port || !slices.Equal(e.Bind, d.Bind) || e.Unixsocket != d.Unixsocket ||
			e.SocketPerm != d.Unixsocketperm || e.ProtectedMode == nil || *e.ProtectedMode != d.ProtectedMode || e.Password != password {
			t.Fatalf("Redis would use %+v, want %+v\norig %q\nout  %q", e, d, orig, out)
		}
		if got := ManagedRenames(cfg, slices.Collect(maps.Keys(d.Renames))); !maps.Equal(got, d.Renames) {
			t.Fatalf("renames read back %q, want %q\nout %q", got, d.Renames, out)
		}
		if prior != "" && d.Renames[prior] == "" && !strings.EqualFold(prior, renameKey) {
			if got := ManagedRenames(cfg, []string{prior}); len(got) != 0 {
				t.Fatalf("dropped rename %s still there: %q\nout %q", prior, got, out)
			}
		}
		if o := Overrides(cfg, main, slices.Collect(maps.Keys(d.Renames))); len(o) != 0 {
			t.Fatalf("overrides in a file without includes: %+v", o)
		}
		if again := d.Edit(out, password); string(again) != string(out) {
			t.Fatalf("hardening twice changes the file:\n%q\nthen\n%q", out, again)
		}
	})
}
