package testhost

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// etcDir is the namespace's /etc while it is being prepared on the host side.
type etcDir string

// copyEtc copies the machine's /etc to dst with cp -a. Files cp cannot read are skipped;
// the copy only has to hold the account and sudo files.
func copyEtc(t testing.TB, dst string) etcDir {
	t.Helper()
	out, err := exec.Command("cp", "-a", "/etc", dst).CombinedOutput()
	e := etcDir(dst)
	for _, f := range []string{"passwd", "group", "shadow", "gshadow", "sudoers"} {
		if _, serr := os.Stat(e.path(f)); serr != nil {
			t.Fatalf("testhost: copying /etc to %s left no %s (cp -a: %v %s)", dst, f, err, out)
		}
	}
	if err != nil {
		t.Logf("testhost: cp -a /etc skipped some files (harmless unless a test needs them): %s", out)
	}
	return e
}

func (e etcDir) path(name string) string { return filepath.Join(string(e), name) }

// ids returns the numeric ids (third field) used in the passwd or group file.
func (e etcDir) ids(t testing.TB, file string) map[int]string {
	t.Helper()
	b, err := os.ReadFile(e.path(file))
	if err != nil {
		t.Fatalf("testhost: %v", err)
	}
	ids := map[int]string{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 3 {
			continue
		}
		if id, err := strconv.Atoi(f[2]); err == nil {
			ids[id] = f[0]
		}
	}
	return ids
}

// freeID returns the first id from 2000 on that no user and no group uses.
func (e etcDir) freeID(t testing.TB) int {
	t.Helper()
	users, groups := e.ids(t, "passwd"), e.ids(t, "group")
	for id := 2000; ; id++ {
		if _, u := users[id]; !u {
			if _, g := groups[id]; !g {
				return id
			}
		}
	}
}

// appendLine appends line to the file name, keeping its mode and owner.
func (e etcDir) appendLine(t testing.TB, name, line string) {
	t.Helper()
	f, err := os.OpenFile(e.path(name), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatalf("testhost: %v", err)
	}
	defer f.Close()
	if _, err := f.WriteString(line + "\n"); err != nil {
		t.Fatalf("testhost: %v", err)
	}
}

// group returns the gid of group name, adding the group when it does not exist.
func (e etcDir) group(t testing.TB, name string) int {
	t.Helper()
	for id, n := range e.ids(t, "group") {
		if n == name {
			return id
		}
	}
	gid := e.freeID(t)
	e.appendLine(t, "group", fmt.Sprintf("%s:x:%d:", name, gid))
	e.appendLine(t, "gshadow", name+":!::")
	return gid
}

// addUser adds a user with its own group, a home directory and the password hash.
func (e etcDir) addUser(t testing.TB, name, home, hash string) (uid, gid int) {
	t.Helper()
	uid = e.freeID(t)
	gid = uid
	e.appendLine(t, "group", fmt.Sprintf("%s:x:%d:", name, gid))
	e.appendLine(t, "gshadow", name+":!::")
	e.appendLine(t, "passwd", fmt.Sprintf("%s:x:%d:%d:testhost %s:%s:/bin/sh", name, uid, gid, name, home))
	e.appendLine(t, "shadow", shadowLine(name, hash))
	return uid, gid
}

// setRootPassword replaces root's password hash in the shadow file.
func (e etcDir) setRootPassword(t testing.TB, hash string) {
	t.Helper()
	b, err := os.ReadFile(e.path("shadow"))
	if err != nil {
		t.Fatalf("testhost: %v", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	found := false
	for i, line := range lines {
		if strings.HasPrefix(line, "root:") {
			lines[i] = shadowLine("root", hash)
			found = true
		}
	}
	if !found {
		lines = append(lines, shadowLine("root", hash))
	}
	if err := os.WriteFile(e.path("shadow"), []byte(strings.Join(lines, "\n")+"\n"), 0); err != nil {
		t.Fatalf("testhost: %v", err)
	}
}

// setRootHome points root's home directory at home in the passwd file.
func (e etcDir) setRootHome(t testing.TB, home string) {
	t.Helper()
	b, err := os.ReadFile(e.path("passwd"))
	if err != nil {
		t.Fatalf("testhost: %v", err)
	}
	lines := strings.Split(string(b), "\n")
	for i, line := range lines {
		if f := strings.Split(line, ":"); len(f) == 7 && f[0] == "root" {
			f[5] = home
			lines[i] = strings.Join(f, ":")
		}
	}
	writeFile(t, e.path("passwd"), strings.Join(lines, "\n"), 0o644)
}

// setShell makes shell the login shell of the users names in the passwd file.
func (e etcDir) setShell(t testing.TB, shell string, names ...string) {
	t.Helper()
	b, err := os.ReadFile(e.path("passwd"))
	if err != nil {
		t.Fatalf("testhost: %v", err)
	}
	lines := strings.Split(string(b), "\n")
	for i, line := range lines {
		if f := strings.Split(line, ":"); len(f) == 7 && slices.Contains(names, f[0]) {
			f[6] = shell
			lines[i] = strings.Join(f, ":")
		}
	}
	writeFile(t, e.path("passwd"), strings.Join(lines, "\n"), 0o644)
}

// sudoers writes /etc/sudoers.d/<name> (mode 0440) with rule.
func (e etcDir) sudoers(t testing.TB, name, rule string) {
	t.Helper()
	writeFile(t, filepath.Join(e.path("sudoers.d"), name), rule+"\n", 0o440)
}

// shadowLine returns a shadow entry whose password was changed today and never expires
// (a last-change day of 0 would force a password change at login).
func shadowLine(name, hash string) string {
	today := time.Now().Unix() / 86400
	return fmt.Sprintf("%s:%s:%d:0:99999:7:::", name, hash, today)
}

// hashPassword returns the SHA-512 crypt hash of password ("$6$..."), from openssl.
func hashPassword(t testing.TB, password string) string {
	t.Helper()
	cmd := exec.Command("openssl", "passwd", "-6", "-stdin")
	cmd.Stdin = strings.NewReader(password + "\n")
	out, err := cmd.Output()
	hash := strings.TrimSpace(string(out))
	if err != nil || !strings.HasPrefix(hash, "$6$") {
		t.Fatalf("testhost: openssl passwd -6 failed (%v): %q; is openssl installed?", err, hash)
	}
	return hash
}
