package testhost

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// CmdlineWatch samples the command lines of processes while a test runs and remembers those
// that hold a secret: the proof that no secret reaches a command line (where every user of
// the host can read it, in /proc/PID/cmdline).
type CmdlineWatch struct {
	pids    func() []int
	secrets map[string]string
	stop    chan struct{}
	done    sync.WaitGroup
	sweeps  int
	hits    []string
}

// WatchCmdlines starts sampling /proc/PID/cmdline of the processes pids lists (every process
// of the machine when pids is nil; SSHD.NamespacePIDs for the test host's own), every 2 ms
// until Stop, looking for each value of secrets (a name for the report, then the secret).
func WatchCmdlines(pids func() []int, secrets map[string]string) *CmdlineWatch {
	if pids == nil {
		pids = allPIDs
	}
	w := &CmdlineWatch{pids: pids, secrets: secrets, stop: make(chan struct{})}
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			w.sweep()
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

// sweep reads every command line once; it counts when it read at least one.
func (w *CmdlineWatch) sweep() {
	read := false
	for _, pid := range w.pids() {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			continue
		}
		read = true
		for name, v := range w.secrets {
			if bytes.Contains(b, []byte(v)) {
				shown := strings.ReplaceAll(string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})), v, "<"+name+">")
				w.hits = append(w.hits, fmt.Sprintf("%s in the command line of PID %d: %s", name, pid, shown))
			}
		}
	}
	if read {
		w.sweeps++
	}
}

// Stop ends the sampling (after one last sweep) and returns how many sweeps read at least
// one command line (none: the search proves nothing) and one line per command line that
// held a secret, the secret replaced by its name.
func (w *CmdlineWatch) Stop() (sweeps int, hits []string) {
	close(w.stop)
	w.done.Wait()
	w.sweep()
	return w.sweeps, w.hits
}

// allPIDs lists every process of the machine but this one.
func allPIDs() []int { return pids(func(int) bool { return true }) }
