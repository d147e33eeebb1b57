// Command ntopng-sandbox boots a sandbox host of the provider's tests by
// hand (make sandbox): Debian 13 by default, or the release -release (or
// $NTOPNG_SANDBOX_RELEASE) names, prints how to reach it and keeps it running
// until Ctrl-C (or SIGTERM). With -build-only it only builds and caches the
// image. With -env FILE it also writes the connection facts to FILE as shell
// variable assignments (SANDBOX_PORT=..., see writeEnv) once the host is up,
// for scripts such as make demo, and removes FILE when it stops.
// It needs root.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/hardenops/terraform-provider-ntopng/internal/sandbox"
)

func main() {
	buildOnly := flag.Bool("build-only", false, "only build and cache the image, do not boot it")
	buildAll := flag.Bool("build-all", false, "only build and cache the image of every release, side by side, with one progress line per stage")
	release := flag.String("release", "", "the sandbox host's release: debian11, debian12, debian13 or debian13-valkey (default $"+sandbox.ReleaseEnv+", else "+sandbox.DefaultRelease+")")
	envFile := flag.String("env", "", "once the host is up, write its connection facts to this file as shell variables (removed on exit)")
	flag.Parse()
	if *buildAll {
		if err := buildImages(); err != nil {
			fmt.Fprintln(os.Stderr, "ntopng-sandbox:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*release, *buildOnly, *envFile); err != nil {
		fmt.Fprintln(os.Stderr, "ntopng-sandbox:", err)
		os.Exit(1)
	}
}

func run(releaseName string, buildOnly bool, envFile string) error {
	release, err := sandbox.LookupRelease(releaseName)
	if err != nil {
		return err
	}
	if err := sandbox.Available(release); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if buildOnly {
		dist, err := sandbox.FindDist(release)
		if err != nil {
			return err
		}
		rootfs, err := sandbox.EnsureImage(ctx, release, dist, os.Stderr)
		if err != nil {
			return err
		}
		fmt.Println("image:", rootfs)
		return nil
	}
	start := time.Now()
	h, err := sandbox.Boot(ctx, sandbox.Options{Release: release, Progress: os.Stderr})
	if err != nil {
		return err
	}
	defer func() {
		fmt.Fprintln(os.Stderr, "stopping the sandbox")
		if err := h.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "ntopng-sandbox:", err)
		}
	}()
	keyDir, err := os.MkdirTemp("", "ntopng-sandbox-keys-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(keyDir)
	rootKey := filepath.Join(keyDir, "root_ed25519")
	deployKey := filepath.Join(keyDir, "deploy_ed25519")
	knownHosts := filepath.Join(keyDir, "known_hosts")
	for name, data := range map[string]string{
		rootKey:    h.RootKey,
		deployKey:  h.DeployKey,
		knownHosts: knownhosts.Normalize(net.JoinHostPort(h.Addr, fmt.Sprint(h.Port))) + " " + h.HostKey + "\n",
	} {
		if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
			return err
		}
	}
	if envFile != "" {
		if err := writeEnv(envFile, h, rootKey, deployKey, knownHosts); err != nil {
			return err
		}
		defer os.Remove(envFile)
	}
	fmt.Printf(`Sandbox host up in %s (%s: Debian %s with %s, systemd-nspawn, its own network).

  address          %s (this machine is %s on its link)
  port             %d
  host key         %s
  fingerprint      %s
  root key         %s (mode 0600, removed on exit)
  deploy key       %s (user %q, passwordless sudo)
  stock Redis      127.0.0.1:%d inside the sandbox (no password)
  ntopng HTTP      port %d on every IPv4 address (ntop's stock plain HTTP; ntopng as user ntopng)
  console log      %s

  ssh -o UserKnownHostsFile=%s -i %s -p %d root@%s

Example provider block (resources then set host = %q):

  provider "ntopng" {
    ssh {
      user        = "root"
      port        = %d
      private_key = file(%q)
      host_key    = %q
    }
  }

Press Ctrl-C to stop it (its files are removed).
`, time.Since(start).Round(100*time.Millisecond), h.Release.Name, h.Release.Version, h.Release.Package(),
		h.Addr, h.LinkAddr, h.Port, h.HostKey, h.HostKeyFingerprint, rootKey, deployKey, h.DeployUser,
		h.StockRedisPort, h.StockHTTPPort, filepath.Join(h.Dir, "nspawn.log"),
		knownHosts, rootKey, h.Port, h.Addr,
		h.Addr, h.Port, rootKey, h.HostKey)
	<-ctx.Done()
	return nil
}

// writeEnv writes the sandbox's facts as POSIX shell assignments, one a line,
// each value single-quoted, so that a script can source the file. The file
// appears complete or not at all (written aside, then renamed), so its
// presence means the host is up.
func writeEnv(name string, h *sandbox.Host, rootKey, deployKey, knownHosts string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# ntopng-sandbox facts, valid while process %d runs.\n", os.Getpid())
	for _, v := range [][2]string{
		{"SANDBOX_PID", fmt.Sprint(os.Getpid())},
		{"SANDBOX_RELEASE", h.Release.Name},
		{"SANDBOX_REDIS_SERVER", h.Release.Server},
		{"SANDBOX_REDIS_CLI", h.Release.CLI()},
		{"SANDBOX_REDIS_CONF", h.Release.ConfigPath()},
		{"SANDBOX_REDIS_SOCKET", h.Release.Socket()},
		{"SANDBOX_LINK_ADDR", h.LinkAddr},
		{"SANDBOX_ADDR", h.Addr},
		{"SANDBOX_PORT", fmt.Sprint(h.Port)},
		{"SANDBOX_HOST_KEY", h.HostKey},
		{"SANDBOX_HOST_KEY_FINGERPRINT", h.HostKeyFingerprint},
		{"SANDBOX_ROOT_KEY_FILE", rootKey},
		{"SANDBOX_DEPLOY_USER", h.DeployUser},
		{"SANDBOX_DEPLOY_KEY_FILE", deployKey},
		{"SANDBOX_KNOWN_HOSTS_FILE", knownHosts},
		{"SANDBOX_STOCK_REDIS_PORT", fmt.Sprint(h.StockRedisPort)},
		{"SANDBOX_STOCK_HTTP_PORT", fmt.Sprint(h.StockHTTPPort)},
		{"SANDBOX_CONSOLE_LOG", filepath.Join(h.Dir, "nspawn.log")},
	} {
		fmt.Fprintf(&b, "%s='%s'\n", v[0], strings.ReplaceAll(v[1], "'", `'\''`))
	}
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("write the -env file: %w", err)
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write the -env file: %w", err)
	}
	return nil
}

// buildImages builds the image of every release that is not cached yet, side by side (the
// builds mostly wait on the network), printing each release's stages, not debootstrap's
// every package.
func buildImages() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errs := make([]error, len(sandbox.Releases))
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, r := range sandbox.Releases {
		if err := sandbox.Available(r); err != nil {
			return err
		}
		dist, err := sandbox.FindDist(r)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &stageWriter{prefix: r.Name, mu: &mu}
			rootfs, err := sandbox.EnsureImage(ctx, r, dist, w)
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w", r.Name, err)
				return
			}
			mu.Lock()
			fmt.Printf("%-16s image: %s\n", r.Name, rootfs)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// stageWriter passes on the sandbox's own progress lines and debootstrap's stages, each
// prefixed with the release, and drops the per-package lines.
type stageWriter struct {
	prefix string
	mu     *sync.Mutex
	buf    []byte
}

func (w *stageWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(w.buf[:i])
		w.buf = w.buf[i+1:]
		if strings.HasPrefix(line, "sandbox:") || strings.HasPrefix(line, "E:") || strings.HasPrefix(line, "W:") ||
			strings.HasPrefix(line, "I: Retrieving Release ") || strings.HasPrefix(line, "I: Installing core") ||
			strings.HasPrefix(line, "I: Unpacking the base") || strings.HasPrefix(line, "I: Configuring the base") ||
			strings.HasPrefix(line, "I: Base system installed") {
			w.mu.Lock()
			fmt.Fprintf(os.Stderr, "%-16s %s\n", w.prefix, line)
			w.mu.Unlock()
		}
	}
}
