package provider

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// testPKI is a root CA and an intermediate that sign the test leaves.
type testPKI struct {
	rootKey, interKey crypto.Signer
	root, inter       *x509.Certificate
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	p := &testPKI{rootKey: ecKey(t, elliptic.P256()), interKey: ecKey(t, elliptic.P256())}
	p.root = makeCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Test Root"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, nil, p.rootKey, p.rootKey)
	p.inter = makeCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Test Intermediate"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, p.root, p.interKey, p.rootKey)
	return p
}

// leafOpts changes the leaf a test gets.
type leafOpts struct {
	key      crypto.Signer // default: a new ECDSA P-256 key
	notAfter time.Time     // default: in one year
	noSAN    bool
	cn       string
}

// leaf returns a leaf signed by the intermediate, in PEM, and its key in PKCS#8 PEM.
func (p *testPKI) leaf(t *testing.T, o leafOpts) (certPEM, keyPEM string) {
	t.Helper()
	if o.key == nil {
		o.key = ecKey(t, elliptic.P256())
	}
	if o.cn == "" {
		o.cn = "probe.example.net"
	}
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: o.cn}, NotAfter: o.notAfter,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	if !o.noSAN {
		tmpl.DNSNames = []string{o.cn}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	c := makeCert(t, tmpl, p.inter, o.key, p.interKey)
	return certToPEM(c), keyToPEM(t, o.key)
}

func (p *testPKI) chainPEM() string { return certToPEM(p.inter) }

func makeCert(t *testing.T, tmpl, parent *x509.Certificate, key, parentKey crypto.Signer) *x509.Certificate {
	t.Helper()
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl.SerialNumber = serial
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = time.Now().Add(-48 * time.Hour)
	}
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = time.Now().Add(365 * 24 * time.Hour)
	}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		t.Fatalf("creating certificate %q: %v", tmpl.Subject.CommonName, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ecKey(t *testing.T, curve elliptic.Curve) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func certToPEM(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

func keyToPEM(t *testing.T, k crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// fingerprint is the SHA-256 of the DER of a PEM certificate, as the resource reports it.
func fingerprint(t *testing.T, certPEM string) string {
	t.Helper()
	b, _ := pem.Decode([]byte(certPEM))
	if b == nil {
		t.Fatal("fingerprint: not PEM")
	}
	sum := sha256.Sum256(b.Bytes)
	return hex.EncodeToString(sum[:])
}

// keyMarker is a line of the key's base64 body: if it shows up anywhere, the key leaked.
func keyMarker(keyPEM string) string { return strings.Split(keyPEM, "\n")[1] }

// noKeyInState fails when the key's body appears anywhere in the state.
type noKeyInState struct{ marker string }

func (c noKeyInState) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	b, err := json.Marshal(req.State)
	if err != nil || len(b) < 100 {
		resp.Error = fmt.Errorf("state not readable (%v, %d bytes)", err, len(b))
		return
	}
	if bytes.Contains(b, []byte(c.marker)) {
		resp.Error = fmt.Errorf("the private key is in the state")
	}
}

// noKeyInPlan fails when the key's body appears anywhere in the plan.
type noKeyInPlan struct{ marker string }

func (c noKeyInPlan) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	b, err := json.Marshal(req.Plan)
	if err != nil || len(b) < 100 {
		resp.Error = fmt.Errorf("plan not readable (%v, %d bytes)", err, len(b))
		return
	}
	if bytes.Contains(b, []byte(c.marker)) {
		resp.Error = fmt.Errorf("the private key is in the plan")
	}
}

// tlsStand is the test host: sshd and the ntopng stand-in serving HTTPS from the managed file.
type tlsStand struct {
	s        *testhost.SSHD
	n        *testhost.Ntopng
	certPath string
	endpoint string
}

func startTLSStand(t *testing.T) *tlsStand {
	t.Helper()
	s := testhost.StartSSHD(t, testhost.Options{})
	httpPort, httpsPort := testhost.FreePort(t), testhost.FreePort(t)
	// The stand-in's DocsDir is only known once it exists: start it with HTTPS configured on a
	// docs dir that StartNtopng creates (<Dir>/httpdocs), which is the one named here.
	n := testhost.StartNtopng(t, fmt.Sprintf("--http-port=127.0.0.1:%d\n--https-port=127.0.0.1:%d\n", httpPort, httpsPort))
	conf := fmt.Sprintf("--http-port=127.0.0.1:%d\n--https-port=127.0.0.1:%d\n--httpdocs-dir=%s\n", httpPort, httpsPort, n.DocsDir)
	if err := os.WriteFile(n.ConfPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	restartStandin(t, n)
	s.ServeUnit(t, "ntopng.service", n.PidFile)
	return &tlsStand{s: s, n: n, certPath: filepath.Join(n.DocsDir, "ssl", "ntopng-cert.pem"),
		endpoint: fmt.Sprintf("127.0.0.1:%d", httpsPort)}
}

func restartStandin(t *testing.T, n *testhost.Ntopng) {
	t.Helper()
	if out, err := exec.Command(n.RestartScript).CombinedOutput(); err != nil {
		t.Fatalf("restarting the ntopng stand-in: %v\n%s", err, out)
	}
}

func writeHostFile(t *testing.T, p, data string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(data), 0o640); err != nil {
		t.Fatal(err)
	}
}

// checkFile asserts the host file byte for byte.
func checkFile(p, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if string(got) != want {
			return fmt.Errorf("%s differs from the expected bundle:\n--- got\n%s\n--- want\n%s", p, got, want)
		}
		return nil
	}
}

// checkOwnerMode asserts owner, group and mode as seen inside the sshd's namespace.
func checkOwnerMode(t *testing.T, s *testhost.SSHD, p, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got := strings.TrimSpace(s.Exec(t, "stat -c %U:%G:%a "+transport.Quote(p)))
		if got != want {
			return fmt.Errorf("%s is %s, want %s", p, got, want)
		}
		return nil
	}
}

// tlsCertHCL renders the resource with the key from the ephemeral variable "key".
func tlsCertHCL(st *tlsStand, certPEM, chainPEM string, extra ...string) string {
	chain := ""
	if chainPEM != "" {
		chain = "ca_chain_pem = " + hcl(chainPEM)
	}
	return providerConfig(st.s, st.s.Root) + fmt.Sprintf(`
variable "key" {
  type      = string
  ephemeral = true
}
resource "ntopng_tls_cert" "web" {
  host               = "127.0.0.1"
  certificate_pem    = %s
  %s
  private_key_pem_wo = var.key
  path               = %s
  %s
}
`, hcl(certPEM), chain, hcl(st.certPath), strings.Join(extra, "\n  "))
}

func keyVar(keyPEM string) config.Variables {
	return config.Variables{"key": config.StringVariable(keyPEM)}
}

func TestAccTLSCert(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "tf.log")
	t.Setenv("TF_ACC_LOG_PATH", logPath) // TRACE for terraform and the provider

	st := startTLSStand(t)
	pki := newTestPKI(t)
	certA, keyA := pki.leaf(t, leafOpts{})
	certB, keyB := pki.leaf(t, leafOpts{})
	certC, keyC := pki.leaf(t, leafOpts{})
	chain := pki.chainPEM()
	fileA, fileB := keyA+certA+chain, keyB+certB+chain
	fpA, fpB := fingerprint(t, certA), fingerprint(t, certB)

	settings := []string{
		"restart_command = " + hcl(st.n.RestartScript),
		"verify_endpoint = " + hcl(st.endpoint),
		`on_destroy      = "remove"`,
	}
	cfgA := tlsCertHCL(st, certA, chain, append(settings, "private_key_pem_wo_version = 1")...)
	cfgA10 := tlsCertHCL(st, certA, chain, append(settings, "private_key_pem_wo_version = 1", "min_days_remaining = 10")...)
	cfgB := tlsCertHCL(st, certB, chain, append(settings, "private_key_pem_wo_version = 2")...)
	cfgC := tlsCertHCL(st, certC, chain, "private_key_pem_wo_version = 3", `restart_command = "true"`,
		"verify_endpoint = "+hcl(st.endpoint), `verify_timeout = "2s"`, `on_destroy = "remove"`)
	cfgDefaults := tlsCertHCL(st, certB, chain) // no restart, no live check: what an import can match
	cfgBadOwner := tlsCertHCL(st, certB, chain, append(settings, "private_key_pem_wo_version = 2", `owner = "nosuchuser"`)...)

	const res = "ntopng_tls_cert.web"
	var pid int
	recordPID := func() { pid = st.n.PID() }
	pidChanged := func(want bool) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if got := st.n.PID(); (got != pid) != want {
				return fmt.Errorf("stand-in PID %d -> %d: restarted = %t, want %t", pid, got, got != pid, want)
			}
			return nil
		}
	}
	stateA := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(res, tfjsonpath.New("fingerprint_sha256"), knownvalue.StringExact(fpA)),
		statecheck.ExpectKnownValue(res, tfjsonpath.New("remote_fingerprint_sha256"), knownvalue.StringExact(fpA)),
		statecheck.ExpectKnownValue(res, tfjsonpath.New("served_fingerprint_sha256"), knownvalue.StringExact(fpA)),
		noKeyInState{keyMarker(keyA)},
	}
	updatePlanned := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate), noKeyInPlan{keyMarker(keyA)},
	}}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy: func(*terraform.State) error {
			if _, err := os.Stat(st.certPath); !os.IsNotExist(err) {
				return fmt.Errorf("on_destroy = \"remove\" left %s (stat: %v)", st.certPath, err)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{ // 1. create: the file byte for byte, owner and mode, restart, served certificate
				PreConfig:       recordPID,
				Config:          cfgA,
				ConfigVariables: keyVar(keyA),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(res, plancheck.ResourceActionCreate), noKeyInPlan{keyMarker(keyA)},
				}},
				ConfigStateChecks: append(stateA,
					statecheck.ExpectKnownValue(res, tfjsonpath.New("id"), knownvalue.StringExact("127.0.0.1:"+st.certPath)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("private_key_pem_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("private_key_pem"), knownvalue.Null()),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("owner"), knownvalue.StringExact("root")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("group"), knownvalue.StringExact("ntop")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("mode"), knownvalue.StringExact("0640")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("subject"), knownvalue.StringExact("CN=probe.example.net")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("dns_names"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("probe.example.net")})),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("ip_addresses"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("127.0.0.1")})),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("remote_chain_fingerprints_sha256"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(fingerprint(t, chain))})),
				),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkFile(st.certPath, fileA),
					checkOwnerMode(t, st.s, st.certPath, "root:ntop:640"),
					pidChanged(true),
					resource.TestCheckResourceAttrPair(res, "remote_key_public_fingerprint_sha256", res, "public_key_fingerprint_sha256"),
				),
			},
			{ // 2. out-of-band file replacement (another certificate and key): update, file restored
				PreConfig:         func() { writeHostFile(t, st.certPath, keyC+certC) },
				Config:            cfgA,
				ConfigVariables:   keyVar(keyA),
				ConfigPlanChecks:  updatePlanned,
				ConfigStateChecks: stateA,
				Check:             checkFile(st.certPath, fileA),
			},
			{ // 3. the server still serves an old leaf from a correct file: update restarts it
				PreConfig: func() {
					writeHostFile(t, st.certPath, fileB)
					restartStandin(t, st.n) // now serving B
					writeHostFile(t, st.certPath, fileA)
					recordPID()
				},
				Config:            cfgA,
				ConfigVariables:   keyVar(keyA),
				ConfigPlanChecks:  updatePlanned,
				ConfigStateChecks: stateA,
				Check:             resource.ComposeAggregateTestCheckFunc(checkFile(st.certPath, fileA), pidChanged(true)),
			},
			{ // 4. the key in the file replaced by another one (leaf unchanged): update
				PreConfig:         func() { writeHostFile(t, st.certPath, keyC+certA+chain) },
				Config:            cfgA,
				ConfigVariables:   keyVar(keyA),
				ConfigPlanChecks:  updatePlanned,
				ConfigStateChecks: stateA,
				Check:             checkFile(st.certPath, fileA),
			},
			{ // 5. mode changed by hand: update
				PreConfig: func() {
					if err := os.Chmod(st.certPath, 0o644); err != nil {
						t.Fatal(err)
					}
				},
				Config:           cfgA,
				ConfigVariables:  keyVar(keyA),
				ConfigPlanChecks: updatePlanned,
				Check:            checkOwnerMode(t, st.s, st.certPath, "root:ntop:640"),
			},
			{ // 6. a setting that does not touch the file: update without restart
				PreConfig:        recordPID,
				Config:           cfgA10,
				ConfigVariables:  keyVar(keyA),
				ConfigPlanChecks: updatePlanned,
				Check:            resource.ComposeAggregateTestCheckFunc(checkFile(st.certPath, fileA), pidChanged(false)),
			},
			{ // 7. rotation: new certificate and key, version bump: update, restart, served changes
				PreConfig:       recordPID,
				Config:          cfgB,
				ConfigVariables: keyVar(keyB),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(res, tfjsonpath.New("served_fingerprint_sha256")),
					plancheck.ExpectKnownValue(res, tfjsonpath.New("fingerprint_sha256"), knownvalue.StringExact(fpB)),
					noKeyInPlan{keyMarker(keyB)},
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("served_fingerprint_sha256"), knownvalue.StringExact(fpB)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("remote_fingerprint_sha256"), knownvalue.StringExact(fpB)),
					noKeyInState{keyMarker(keyB)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkFile(st.certPath, fileB), pidChanged(true)),
			},
			{ // 8. a restart that leaves the old certificate served: apply fails, old file restored
				Config:          cfgC,
				ConfigVariables: keyVar(keyC),
				ExpectError:     regexp.MustCompile(`serves\s+certificate\s+` + fpB + `(?s).*not\s+the\s+new.*was\s+put\s+back`),
			},
			{ // 9. after the rollback the host is as before: file B, still served, empty plan
				PreConfig: func() {
					if err := checkFile(st.certPath, fileB)(nil); err != nil {
						t.Errorf("after the failed apply: %v", err)
					}
				},
				Config:          cfgB,
				ConfigVariables: keyVar(keyB),
				PlanOnly:        true,
			},
			{ // 9b. on an existing resource a changed owner is still checked on the host at plan
				// time (a no-change plan skips that check: Read has just resolved owner and group)
				Config:          cfgBadOwner,
				ConfigVariables: keyVar(keyB),
				PlanOnly:        true,
				ExpectError:     regexp.MustCompile(`(?s)Unknown Owner.*nosuchuser`),
			},
			{ // 10. import by host:path; the key, its version and the settings come from the configuration
				ResourceName:      res,
				ImportState:       true,
				ImportStateId:     "127.0.0.1:" + st.certPath,
				ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{
					"private_key_pem_wo_version", "restart_command", "verify_endpoint", "served_fingerprint_sha256", "on_destroy",
				},
				Config:          cfgB,
				ConfigVariables: keyVar(keyB),
			},
			{ // 11. import block with a configuration of defaults: the plan is empty
				ResourceName:    res,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   "127.0.0.1:" + st.certPath,
				Config:          cfgDefaults,
				ConfigVariables: keyVar(keyB),
			},
		},
	})

	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(log, []byte("ntopng_tls_cert")) || !bytes.Contains(log, []byte("ssh sftp write")) {
		t.Fatalf("the log %s holds no provider activity (%d bytes): the leak check below would prove nothing", logPath, len(log))
	}
	for name, k := range map[string]string{"A": keyA, "B": keyB, "C": keyC} {
		if bytes.Contains(log, []byte(keyMarker(k))) {
			t.Errorf("private key %s appears in the TRACE log %s", name, logPath)
		}
	}
}

// TestAccTLSCertSensitiveKeyAndWarnings uses private_key_pem (kept in state, documented) and
// a verify_endpoint where nothing listens: the apply warns and goes on, served is null.
func TestAccTLSCertSensitiveKey(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	dir := filepath.Join(s.Dir, "httpdocs", "ssl")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "ntopng-cert.pem")
	pki := newTestPKI(t)
	cert, key := pki.leaf(t, leafOpts{})
	cfg := providerConfig(s, s.Root) + fmt.Sprintf(`
resource "ntopng_tls_cert" "web" {
  host            = "127.0.0.1"
  certificate_pem = %s
  private_key_pem = %s
  path            = %s
  group           = "root"
  mode            = "0600"
  restart_command = ""
  verify_endpoint = "127.0.0.1:%d"
  verify_timeout  = "1s"
}
`, hcl(cert), hcl(key), hcl(p), testhost.FreePort(t))
	const res = "ntopng_tls_cert.web"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy: func(*terraform.State) error { // on_destroy = "keep" (default)
			return checkFile(p, key+cert)(nil)
		},
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(res, tfjsonpath.New("private_key_pem"), knownvalue.StringExact(key)),
				// Nothing listens at verify_endpoint: the certificate ntopng will serve (no drift later).
				statecheck.ExpectKnownValue(res, tfjsonpath.New("served_fingerprint_sha256"), knownvalue.StringExact(fingerprint(t, cert))),
				statecheck.ExpectKnownValue(res, tfjsonpath.New("remote_fingerprint_sha256"), knownvalue.StringExact(fingerprint(t, cert))),
				statecheck.ExpectKnownValue(res, tfjsonpath.New("remote_chain_fingerprints_sha256"), knownvalue.ListExact(nil)),
			},
			Check: resource.ComposeAggregateTestCheckFunc(checkFile(p, key+cert), checkOwnerMode(t, s, p, "root:root:600")),
		}},
	})
}

// TestAccTLSCertPlanErrors shows each plan-time error, with the attribute and the fix.
func TestAccTLSCertPlanErrors(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	dir := filepath.Join(s.Dir, "ssl")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "ntopng-cert.pem")
	pki := newTestPKI(t)
	cert, key := pki.leaf(t, leafOpts{})
	_, otherKey := pki.leaf(t, leafOpts{})
	rsaSmall, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	weakRSACert, weakRSAKey := pki.leaf(t, leafOpts{key: rsaSmall})
	p224Cert, p224Key := pki.leaf(t, leafOpts{key: ecKey(t, elliptic.P224())})
	expiredCert, expiredKey := pki.leaf(t, leafOpts{notAfter: time.Now().Add(-24 * time.Hour)})
	// A second intermediate under the first: the right order is inter2, inter1.
	inter2Key := ecKey(t, elliptic.P256())
	inter2 := makeCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Test Intermediate 2"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, pki.inter, inter2Key, pki.interKey)
	leafKey := ecKey(t, elliptic.P256())
	deepLeaf := makeCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "deep.example.net"}, DNSNames: []string{"deep.example.net"}},
		inter2, leafKey, inter2Key)
	encrypted := encryptKey(t, key)

	resourceHCL := func(certPEM, chainPEM, keyPEM string, extra ...string) string {
		chain := ""
		if chainPEM != "" {
			chain = "ca_chain_pem = " + hcl(chainPEM)
		}
		return providerConfig(s, s.Root) + fmt.Sprintf(`
resource "ntopng_tls_cert" "web" {
  host               = "127.0.0.1"
  certificate_pem    = %s
  %s
  private_key_pem_wo = %s
  path               = %s
  restart_command    = ""
  %s
}
`, hcl(certPEM), chain, hcl(keyPEM), hcl(p), strings.Join(extra, "\n  "))
	}
	cases := []struct {
		name string
		cfg  string
		want string
	}{
		{"pem does not parse", resourceHCL("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", "", key), `Invalid PEM|Does Not Parse`},
		{"key does not match", resourceHCL(cert, "", otherKey), `(?s)Private Key Does Not Match Certificate.*private_key_pem_wo`},
		{"encrypted key", resourceHCL(cert, "", encrypted), `(?s)Encrypted Private Key.*ntopng\s+cannot\s+read\s+an\s+encrypted\s+key`},
		{"rsa under 2048", resourceHCL(weakRSACert, "", weakRSAKey), `RSA\s+key\s+of\s+1024\s+bits`},
		{"ec under p-256", resourceHCL(p224Cert, "", p224Key), `curve\s+P-224`},
		{"chain out of order", resourceHCL(certToPEM(deepLeaf), certToPEM(pki.inter)+certToPEM(inter2), keyToPEM(t, leafKey)), `(?s)Chain Does Not Link.*move\s+it\s+to\s+position\s+0`},
		{"expired", resourceHCL(expiredCert, "", expiredKey), `Certificate Expired`},
		{"mode readable by everyone", resourceHCL(cert, "", key, `mode = "0644"`), `(?s)Readable by Everyone.*0640`},
		{"missing group", resourceHCL(cert, "", key, `group = "nosuchgroup"`), `(?s)Unknown Group.*nosuchgroup.*group`},
		{"missing owner", resourceHCL(cert, "", key, `owner = "nosuchuser"`), `(?s)Unknown Owner.*nosuchuser`},
		{"missing directory", strings.Replace(resourceHCL(cert, "", key), hcl(p), hcl(filepath.Join(s.Dir, "nope", "ntopng-cert.pem")), 1), `Certificate Directory Missing`},
		{"both keys", resourceHCL(cert, "", key, "private_key_pem = "+hcl(key)), `(?s)Invalid Attribute Combination.*Exactly\s+one\s+of\s+.private_key_pem_wo.,\s+.private_key_pem..*are`},
		{"no key", strings.Replace(resourceHCL(cert, "", key), "private_key_pem_wo = "+hcl(key), "", 1), `(?s)Invalid Attribute Combination.*none\s+is`},
		{"a version with the sensitive key", strings.Replace(resourceHCL(cert, "", key, "private_key_pem_wo_version = 2"), "private_key_pem_wo = ", "private_key_pem = ", 1),
			`(?s)Invalid Attribute Combination.*private_key_pem_wo_version.*remove\s+it`},
		{"bad endpoint", resourceHCL(cert, "", key, `verify_endpoint = "localhost"`), `Invalid Verify Endpoint`},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{Config: c.cfg, PlanOnly: true, ExpectError: regexp.MustCompile(c.want)})
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps:                    steps,
	})
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("a refused plan wrote %s (stat: %v)", p, err)
	}
}

// encryptKey encrypts a PEM key with openssl (PKCS#8, AES-256), as an operator would.
func encryptKey(t *testing.T, keyPEM string) string {
	t.Helper()
	cmd := exec.Command("openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout", "pass:secret")
	cmd.Stdin = strings.NewReader(keyPEM)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl pkcs8: %v", err)
	}
	if !strings.Contains(string(out), "ENCRYPTED PRIVATE KEY") {
		t.Fatalf("openssl did not encrypt the key: %s", out)
	}
	return string(out)
}

// TestTLSCertValidateWarnings calls ValidateResourceConfig through the provider server:
// warnings cannot be asserted through terraform-plugin-testing.
func TestTLSCertValidateWarnings(t *testing.T) {
	pki := newTestPKI(t)
	soon, soonKey := pki.leaf(t, leafOpts{notAfter: time.Now().Add(10 * 24 * time.Hour)})
	noSAN, noSANKey := pki.leaf(t, leafOpts{noSAN: true})
	good, goodKey := pki.leaf(t, leafOpts{})
	_, otherKey := pki.leaf(t, leafOpts{})

	cases := []struct {
		name    string
		attrs   map[string]tftypes.Value
		summary string
		attr    string
		warning bool
	}{
		{"expires soon", map[string]tftypes.Value{"certificate_pem": str(soon), "private_key_pem_wo": str(soonKey)},
			"Certificate Expires Soon", "certificate_pem", true},
		{"expires soon, threshold lowered", map[string]tftypes.Value{"certificate_pem": str(soon), "private_key_pem_wo": str(soonKey),
			"min_days_remaining": tftypes.NewValue(tftypes.Number, big.NewFloat(5))}, "", "", true},
		{"no SAN", map[string]tftypes.Value{"certificate_pem": str(noSAN), "private_key_pem_wo": str(noSANKey)},
			"Certificate Has No Subject Alternative Name", "certificate_pem", true},
		{"clean", map[string]tftypes.Value{"certificate_pem": str(good), "private_key_pem_wo": str(goodKey)}, "", "", true},
		{"key error on the write-only attribute", map[string]tftypes.Value{"certificate_pem": str(good), "private_key_pem_wo": str(otherKey)},
			"Private Key Does Not Match Certificate", "private_key_pem_wo", false},
		{"key error on the sensitive attribute", map[string]tftypes.Value{"certificate_pem": str(good), "private_key_pem": str(otherKey)},
			"Private Key Does Not Match Certificate", "private_key_pem", false},
		{"unknown key: certificate still checked", map[string]tftypes.Value{"certificate_pem": str(soon),
			"private_key_pem_wo": tftypes.NewValue(tftypes.String, tftypes.UnknownValue)}, "Certificate Expires Soon", "certificate_pem", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			diags := validateResource(t, "ntopng_tls_cert", c.attrs)
			if c.summary == "" {
				if len(diags) != 0 {
					t.Fatalf("want no diagnostics, got %s", describeDiags(diags))
				}
				return
			}
			if len(diags) != 1 {
				t.Fatalf("want one diagnostic %q, got %s", c.summary, describeDiags(diags))
			}
			d := diags[0]
			wantSev := tfprotov6.DiagnosticSeverityError
			if c.warning {
				wantSev = tfprotov6.DiagnosticSeverityWarning
			}
			if d.Summary != c.summary || d.Severity != wantSev || d.Attribute == nil ||
				d.Attribute.String() != tftypes.NewAttributePath().WithAttributeName(c.attr).String() {
				t.Fatalf("got %s, want %s on %s (severity %v)", describeDiags(diags), c.summary, c.attr, wantSev)
			}
			if strings.Contains(d.Detail, keyMarker(otherKey)) {
				t.Fatal("the diagnostic quotes the private key")
			}
		})
	}
}

func str(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

func describeDiags(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "\n  [%v] %s (%v): %s", d.Severity, d.Summary, d.Attribute, d.Detail)
	}
	return b.String()
}
