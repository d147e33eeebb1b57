package hostchange_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/testconn"
	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// rig is a host reached through a cutting proxy, with a "service" whose restart copies the
// main file and the drop-in to running.conf (what the service now runs) and whose check
// compares running.conf with what the change wants.
type rig struct {
	s              *testhost.SSHD
	p              *testhost.Proxy
	dir            string
	main, dropIn   string
	running        string
	restart        string
	oldMain, oldDI string
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{s: testhost.StartSSHD(t, testhost.Options{}), dir: testhost.TempDir(t)}
	r.p = testhost.StartProxy(t, r.s.Addr)
	r.main = filepath.Join(r.dir, "ntopng.conf")
	if err := os.Mkdir(filepath.Join(r.dir, "ntopng.conf.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.dropIn = filepath.Join(r.dir, "ntopng.conf.d", "50-http.conf")
	r.running = filepath.Join(r.dir, "running.conf")
	r.restart = fmt.Sprintf("cat %s %s > %s", r.main, r.dropIn, r.running)
	// Big enough that the writes span many SSH packets.
	r.oldMain = "# old main\n" + strings.Repeat("--old-option=1\n", 1000)
	r.oldDI = "-w=3000\n"
	r.reset(t)
	return r
}

// reset puts the old files back (0644 root:root) and the service on them.
func (r *rig) reset(t *testing.T) {
	t.Helper()
	for p, d := range map[string]string{r.main: r.oldMain, r.dropIn: r.oldDI, r.running: r.oldMain + r.oldDI} {
		if err := os.WriteFile(p, []byte(d), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Remove(hostchange.JournalPath(r.main))
}

func (r *rig) config(u testhost.User, sudo bool, timeout time.Duration) transport.Config {
	cfg := testconn.Config(r.s, u)
	cfg.Target.Port, cfg.Sudo, cfg.Timeout = r.p.Port, sudo, timeout
	return cfg
}

// conn returns a handle from a new pool (a new provider process), connected.
func (r *rig) conn(t *testing.T, u testhost.User, sudo bool, timeout time.Duration) *transport.Conn {
	t.Helper()
	c, _ := testconn.Open(t, r.config(u, sudo, timeout))
	if _, _, err := c.ReadFile(context.Background(), r.main); err != nil { // opens SFTP
		t.Fatal(err)
	}
	return c
}

var (
	newMain   = "# new main\n" + strings.Repeat("--http-port=0\n", 2000)
	newDropIn = "# new drop-in\n" + strings.Repeat("--x=1\n", 4000)
)

// change makes the main file and the drop-in new; the check reads running.conf.
func (r *rig) change(c *transport.Conn) hostchange.Change {
	want := newMain + newDropIn
	return hostchange.Change{
		Files: []hostchange.File{
			{Path: r.main, Data: []byte(newMain), Mode: 0o640, UID: 0, GID: 0},
			{Path: r.dropIn, Data: []byte(newDropIn), Mode: 0o644, UID: 0, GID: 0},
		},
		Restart: r.restart,
		Verify: func(ctx context.Context) error {
			got, _, err := c.ReadFile(ctx, r.running)
			if err != nil {
				return err
			}
			if string(got) != want {
				return fmt.Errorf("the service runs %d bytes, want %d", len(got), len(want))
			}
			return nil
		},
	}
}

// state says what the host has: "old", "new" or "mixed"/"broken:..." for each file, plus
// leftovers.
func (r *rig) state(t *testing.T) (main, dropIn string, journal bool, strays []string) {
	t.Helper()
	classify := func(p, old, new string, newMode os.FileMode) string {
		b, err := os.ReadFile(p)
		if err != nil {
			return "missing"
		}
		fi, _ := os.Stat(p)
		switch {
		case string(b) == old && fi.Mode().Perm() == 0o644:
			return "old"
		case string(b) == new && fi.Mode().Perm() == newMode:
			return "new"
		}
		return fmt.Sprintf("broken (%d bytes, mode %04o)", len(b), fi.Mode().Perm())
	}
	main = classify(r.main, r.oldMain, newMain, 0o640)
	dropIn = classify(r.dropIn, r.oldDI, newDropIn, 0o644)
	_, err := os.Stat(hostchange.JournalPath(r.main))
	journal = err == nil
	for _, d := range []string{r.dir, filepath.Dir(r.dropIn)} {
		m, _ := filepath.Glob(filepath.Join(d, ".*.tf-*"))
		strays = append(strays, m...)
	}
	return
}

func (r *rig) expect(t *testing.T, what, wantMain, wantDropIn string) {
	t.Helper()
	m, d, j, strays := r.state(t)
	if m != wantMain || d != wantDropIn || j || len(strays) > 0 {
		t.Errorf("%s: main %s, drop-in %s, journal left %v, temporary files %v; want main %s, drop-in %s, nothing left",
			what, m, d, j, strays, wantMain, wantDropIn)
	}
	if run, _ := os.ReadFile(r.running); wantMain == "old" && string(run) != r.oldMain+r.oldDI {
		t.Errorf("%s: the service does not run the old files again", what)
	}
}

// TestApplyRollsBackEveryFile: a failed restart and a failed check put the main file AND
// the drop-in back (content, mode, owner), and restart the service on them.
func TestApplyRollsBackEveryFile(t *testing.T) {
	r := newRig(t)
	c := r.conn(t, r.s.Root, false, 6*time.Second)
	ctx := context.Background()

	ch := r.change(c)
	// The new files make the service fail; with the old ones it starts.
	ch.Restart = r.restart + fmt.Sprintf("; if grep -q 'new main' %s; then echo 'ntopng.service failed' >&2; exit 3; fi", r.main)
	_, err := hostchange.Apply(ctx, c, ch)
	if err == nil || !strings.Contains(err.Error(), "ntopng.service failed") || !strings.Contains(err.Error(), r.dropIn) {
		t.Fatalf("failed restart: error %v; want the restart's output and the drop-in named as put back", err)
	}
	r.expect(t, "after a failed restart", "old", "old")

	ch = r.change(c)
	// The service comes up broken on the new files (its check fails), whole on the old ones.
	ch.Restart = fmt.Sprintf("if grep -q 'new main' %s; then printf broken > %s; else %s; fi", r.main, r.running, r.restart)
	_, err = hostchange.Apply(ctx, c, ch)
	if err == nil || !strings.Contains(err.Error(), "verification after restart failed") || !strings.Contains(err.Error(), "restarted with them") {
		t.Fatalf("broken service: error %v; want the failed check and a restart on the old files", err)
	}
	r.expect(t, "after a failed check", "old", "old")

	res, err := hostchange.Apply(ctx, c, r.change(c))
	if err != nil || !res.Written || !res.Restarted {
		t.Fatalf("clean apply: %+v %v", res, err)
	}
	r.expect(t, "after a clean apply", "new", "new")
}

// TestApplyCutConnection cuts the connection at points spread over a whole apply (journal,
// each file's temporary write and rename, restart, check, journal removal). When the host
// is still there, the rollback redials and puts every file back at once. When it is gone
// after the cut, each file is wholly old or new and the journal stays; the next refresh
// (Recover) puts the old files back from it and removes temporary files. Either way the
// next apply converges.
func TestApplyCutConnection(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()

	// One clean run measures the bytes of an apply.
	c := r.conn(t, r.s.Root, false, 6*time.Second)
	start := r.p.Total()
	if _, err := hostchange.Apply(ctx, c, r.change(c)); err != nil {
		t.Fatal(err)
	}
	total := r.p.Total() - start
	r.reset(t)

	const points = 12
	cuts, journals, mixed := 0, 0, 0
	for _, gone := range []bool{false, true} {
		for i := 1; i <= points; i++ {
			n := total * int64(i) / (points + 1)
			t.Run(fmt.Sprintf("gone_%v_cut_after_%d_of_%d_bytes", gone, n, total), func(t *testing.T) {
				r.reset(t)
				timeout := 6 * time.Second
				if gone {
					timeout = 2 * time.Second // the rollback's redial gives up sooner
				}
				c := r.conn(t, r.s.Root, false, timeout)
				r.p.RefuseAfterCut(gone)
				r.p.CutAfter(n)
				_, err := hostchange.Apply(ctx, c, r.change(c))
				r.p.CutAfter(0)
				r.p.Refuse(false)
				cuts++
				if r.p.Cuts() != int64(cuts) {
					t.Fatalf("the proxy cut %d times, want %d", r.p.Cuts(), cuts)
				}
				m, d, j, _ := r.state(t)
				for _, s := range []string{m, d} {
					if s != "old" && s != "new" {
						t.Fatalf("after the cut a file is %s (error: %v)", s, err)
					}
				}
				if j {
					journals++
				}
				if m != d {
					mixed++
				}
				switch {
				case err == nil:
					r.expect(t, "apply that survived the cut", "new", "new")
				case !strings.Contains(err.Error(), "127.0.0.1:"):
					t.Errorf("error does not name the host: %v", err)
				case !gone:
					r.expect(t, "rollback after redial", "old", "old")
				case j && !strings.Contains(err.Error(), hostchange.JournalPath(r.main)):
					t.Errorf("error does not name the journal left on the host: %v", err)
				}
				// The next refresh, from a new provider process, finishes the rollback.
				c2 := r.conn(t, r.s.Root, false, 6*time.Second)
				msg, rerr := hostchange.Recover(ctx, c2, r.main, r.restart)
				if rerr != nil {
					t.Fatalf("recover: %v", rerr)
				}
				if j && !strings.Contains(msg, hostchange.JournalPath(r.main)) {
					t.Errorf("recover said %q; want the journal named", msg)
				}
				if j {
					r.expect(t, "after the refresh", "old", "old")
				}
				// And the next apply converges.
				if _, err := hostchange.Apply(ctx, c2, r.change(c2)); err != nil {
					t.Fatalf("next apply: %v", err)
				}
				r.expect(t, "after the next apply", "new", "new")
				if res, err := hostchange.Apply(ctx, c2, r.change(c2)); err != nil || res.Written || res.Restarted {
					t.Errorf("apply after convergence: %+v %v; want nothing done", res, err)
				}
			})
		}
	}
	t.Logf("of %d cuts, %d left a journal, %d left the two files at different versions", cuts, journals, mixed)
	if journals == 0 || mixed == 0 {
		t.Errorf("no cut left a journal or a half-done change: the cut points miss the middle of the apply")
	}
}

// TestApplyStrayTempFileRemoved: a temporary file of an interrupted write is removed by the
// next apply.
func TestApplyStrayTempFileRemoved(t *testing.T) {
	r := newRig(t)
	stray := filepath.Join(r.dir, ".ntopng.conf.tf-0123456789ab")
	if err := os.WriteFile(stray, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := r.conn(t, r.s.Root, false, 6*time.Second)
	if _, err := hostchange.Apply(context.Background(), c, r.change(c)); err != nil {
		t.Fatal(err)
	}
	r.expect(t, "apply", "new", "new")
}

// TestApplyDiskFull: a full file system (a 64 KiB tmpfs mounted in the test sshd's own
// mount namespace) fails the write; the old files stay, nothing is left behind.
func TestApplyDiskFull(t *testing.T) {
	r := newRig(t)
	small := filepath.Join(r.dir, "small")
	if err := os.Mkdir(small, 0o755); err != nil {
		t.Fatal(err)
	}
	r.s.Exec(t, fmt.Sprintf("mount -t tmpfs -o size=64k tmpfs %s && printf old > %s/redis.conf && chmod 0640 %s/redis.conf && head -c 40000 /dev/zero > %s/filler",
		small, small, small, small))
	conf := filepath.Join(small, "redis.conf")
	c := r.conn(t, r.s.Root, false, 6*time.Second)
	_, err := hostchange.Apply(context.Background(), c, hostchange.Change{
		Files:   []hostchange.File{{Path: conf, Data: []byte(strings.Repeat("x", 40000)), Mode: 0o640, UID: 0, GID: 0}},
		Restart: "true",
	})
	if err == nil || !strings.Contains(err.Error(), conf) || !strings.Contains(err.Error(), "127.0.0.1:") {
		t.Fatalf("error %v; want one naming the host and the file", err)
	}
	got := r.s.Exec(t, fmt.Sprintf("cat %s; echo; stat -c %%a:%%u %s; ls -A %s", conf, conf, small))
	if got != "old\n640:0\nfiller\nredis.conf\n" {
		t.Errorf("on the full file system: %q; want the old file, its mode and owner, and no journal or temporary file", got)
	}
}

// TestApplyWithoutRights: a login that may not write the files (no sudo) changes nothing
// and is told to use sudo.
func TestApplyWithoutRights(t *testing.T) {
	r := newRig(t)
	c := r.conn(t, r.s.Deploy, false, 6*time.Second)
	_, err := hostchange.Apply(context.Background(), c, r.change(c))
	if err == nil || !strings.Contains(err.Error(), "sudo = true") || !strings.Contains(err.Error(), "127.0.0.1:") {
		t.Fatalf("error %v; want one naming the host and sudo", err)
	}
	r.expect(t, "without rights", "old", "old")
	// With sudo the same login succeeds; the journal it wrote was root's.
	c = r.conn(t, r.s.Deploy, true, 6*time.Second)
	if _, err := hostchange.Apply(context.Background(), c, r.change(c)); err != nil {
		t.Fatal(err)
	}
	r.expect(t, "with sudo", "new", "new")
}

// TestRecoverRefusesAPlantedJournal: a journal that root did not write (a service account
// that can write the directory planted it) is never restored from.
func TestRecoverRefusesAPlantedJournal(t *testing.T) {
	r := newRig(t)
	j := hostchange.JournalPath(r.main)
	planted := fmt.Sprintf(`{"version":1,"files":[{"path":%q,"exists":true,"mode":420,"uid":0,"gid":0,"data":"aGFja2Vk"}]}`, r.main)
	if err := os.WriteFile(j, []byte(planted), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(j, r.s.Deploy.UID, r.s.Deploy.GID); err != nil {
		t.Fatal(err)
	}
	c := r.conn(t, r.s.Root, false, 6*time.Second)
	_, err := hostchange.Recover(context.Background(), c, r.main, r.restart)
	if err == nil || !strings.Contains(err.Error(), j) {
		t.Fatalf("recover: %v; want the planted journal refused and named", err)
	}
	if b, _ := os.ReadFile(r.main); string(b) != r.oldMain {
		t.Errorf("the planted journal was restored: %q", b)
	}
	var st syscall.Stat_t
	if syscall.Stat(j, &st) != nil || st.Uid != uint32(r.s.Deploy.UID) {
		t.Errorf("the planted journal was replaced or removed")
	}
}

// TestRestoreDropIns: on_destroy = "restore" puts back the main file and every drop-in the
// provider edited, from their original copies.
func TestRestoreDropIns(t *testing.T) {
	r := newRig(t)
	c := r.conn(t, r.s.Root, false, 6*time.Second)
	ch := r.change(c)
	ch.KeepOriginal = true
	if _, err := hostchange.Apply(context.Background(), c, ch); err != nil {
		t.Fatal(err)
	}
	r.expect(t, "apply", "new", "new")
	restored, err := hostchange.Restore(context.Background(), c, []string{r.main, r.dropIn}, r.restart)
	if err != nil || !restored {
		t.Fatalf("restore: %v %v", restored, err)
	}
	r.expect(t, "restore", "old", "old")
	for _, p := range []string{r.main, r.dropIn} {
		if _, err := os.Stat(p + hostchange.OriginalSuffix); err == nil {
			t.Errorf("%s still exists after the restore", p+hostchange.OriginalSuffix)
		}
	}
}
