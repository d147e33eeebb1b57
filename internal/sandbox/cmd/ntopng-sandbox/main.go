// Command ntopng-sandbox boots the Debian 12 sandbox host of the provider's
// tests by hand (make sandbox), prints how to reach it and keeps it running
// until Ctrl-C. With -build-only it only builds and caches the image.
// It needs root.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/hardenops/terraform-provider-ntopng/internal/sandbox"
)

func main() {
	buildOnly := flag.Bool("build-only", false, "only build and cache the image, do not boot it")
	flag.Parse()
	if err := run(*buildOnly); err != nil {
		fmt.Fprintln(os.Stderr, "ntopng-sandbox:", err)
		os.Exit(1)
	}
}

func run(buildOnly bool) error {
	if err := sandbox.Available(); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if buildOnly {
		rootfs, err := sandbox.EnsureImage(ctx, os.Stderr)
		if err != nil {
			return err
		}
		fmt.Println("image:", rootfs)
		return nil
	}
	start := time.Now()
	h, err := sandbox.Boot(ctx, sandbox.Options{Progress: os.Stderr})
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
		knownHosts: fmt.Sprintf("[%s]:%d %s\n", h.Addr, h.Port, h.HostKey),
	} {
		if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
			return err
		}
	}
	fmt.Printf(`Sandbox host up in %s (Debian 12, systemd-nspawn).

  address          %s
  port             %d
  host key         %s
  fingerprint      %s
  root key         %s (mode 0600, removed on exit)
  deploy key       %s (user %q, passwordless sudo)
  stock Redis      127.0.0.1:%d (no password)
  stand-in HTTP    0.0.0.0:%d
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
`, time.Since(start).Round(100*time.Millisecond),
		h.Addr, h.Port, h.HostKey, h.HostKeyFingerprint, rootKey, deployKey, h.DeployUser,
		h.StockRedisPort, h.StockHTTPPort, filepath.Join(h.Dir, "nspawn.log"),
		knownHosts, rootKey, h.Port, h.Addr,
		h.Addr, h.Port, rootKey, h.HostKey)
	<-ctx.Done()
	return nil
}
