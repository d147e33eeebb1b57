package provider

import (
	"crypto"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/hardenops/terraform-provider-ntopng/internal/tlsciphers"
	"github.com/hardenops/terraform-provider-ntopng/internal/unithardening"
)

// TestSandboxTLSProfiles: on every release, what outside scanners (Debian's sslscan for the
// protocols and every cipher, testssl.sh for the server's order and client-initiated
// renegotiation) find on ntop's ntopng: with tls_profile = "ntopng" (ntopng's defaults: the
// "before"), then with the default profile and an RSA 2048 certificate behind an intermediate
// (every TLS 1.2 cipher forward secret and AEAD, the server's order, TLS 1.3 on, TLS 1.1 and
// lower refused, no client-initiated renegotiation), the same with an ECDSA certificate; drift
// by hand (--ciphers-list in a drop-in, OpenSSL's configuration removed) shows in the next plan
// and apply repairs it; "modern" leaves TLS 1.3 alone. tls_observed and ntopng_audit's four TLS
// checks say the same as the scanners at each step. OpenSSL's cipher list on the release agrees with tlsciphers' table.
func TestSandboxTLSProfiles(t *testing.T) {
	for _, tool := range []string{"sslscan", "testssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (make deps installs sslscan and testssl.sh): %v", tool, err)
		}
	}
	onSandboxes(t, nil, testTLSProfiles)
}

func testTLSProfiles(t *testing.T, f *sandboxFixture) {
	checkCipherTable(t, f)
	pki := newTestPKI(t)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	// What enterprise CAs issue for RSA: digital signature and key encipherment.
	rsaCert := tlsLeaf(t, pki, rsaKey, x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment)
	ecdsaKey := ecKey(t, elliptic.P256())
	ecdsaCert := tlsLeaf(t, pki, ecdsaKey, x509.KeyUsageDigitalSignature)
	cfg := func(certPEM, keyPEM, profile string) string {
		f.certPEM, f.keyPEM = certPEM, keyPEM
		c := f.config("root", f.h.RootKey, false)
		c = strings.Replace(c, "  private_key_pem_wo = ", "  ca_chain_pem       = "+hcl(pki.chainPEM())+"\n  private_key_pem_wo = ", 1)
		if profile != "" {
			c = strings.Replace(c, "  redis_password_wo = var.pw\n}", "  redis_password_wo = var.pw\n  tls_profile       = \""+profile+"\"\n}", 1)
		}
		return c + fmt.Sprintf("\ndata \"ntopng_audit\" \"probe\" {\n  host       = %q\n  depends_on = [ntopng_instance.probe]\n}\n", f.h.Addr)
	}
	tlsFindings := func(statuses ...string) resource.TestCheckFunc {
		var checks []resource.TestCheckFunc
		for i, id := range []string{"tls_protocols", "tls_forward_secrecy", "tls_aead_only", "tls_server_order"} {
			checks = append(checks, finding(id, statuses[i], ""))
		}
		return resource.ComposeTestCheckFunc(checks...)
	}
	rsaPEM, ecdsaPEM := keyToPEM(t, rsaKey), keyToPEM(t, ecdsaKey)
	status := func(want string) statecheck.StateCheck {
		return statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("tls_observed").AtMapKey("status"), knownvalue.StringExact(want))
	}
	order := func(want bool) statecheck.StateCheck {
		return statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("tls_observed").AtMapKey("server_order"), knownvalue.Bool(want))
	}
	update := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("ntopng_instance.probe", plancheck.ResourceActionUpdate)}}
	addr := f.https
	// The scanners' summary is logged for the stock server and the first hardened one (the
	// closing note's before and after); the other steps say it when they fail.
	hardenedScan := func(what string, deep bool) resource.TestCheckFunc {
		return func(*terraform.State) error {
			s := scanTLS(t, addr, deep)
			if what == "intermediate, RSA" {
				t.Logf("%s, %s: %s", f.r.Name, what, s)
			}
			if err := s.hardened(deep); err != nil {
				return fmt.Errorf("%s: %w (%s)", what, err, s)
			}
			return nil
		}
	}
	intermediate := cfg(rsaCert, rsaPEM, "")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{ // before: ntopng's own TLS defaults
				Config: cfg(rsaCert, rsaPEM, "ntopng"), ConfigVariables: f.vars(),
				ConfigStateChecks: []statecheck.StateCheck{status(tlsNotJudged),
					statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("tls_observed").AtMapKey("without_forward_secrecy"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("tls_observed").AtMapKey("not_aead"), knownvalue.NotNull()),
					order(false)},
				Check: resource.ComposeTestCheckFunc(tlsFindings("pass", "fail", "fail", "fail"), func(*terraform.State) error {
					s := scanTLS(t, addr, true)
					t.Logf("%s, before (tls_profile = \"ntopng\", RSA): %s", f.r.Name, s)
					if len(s.weak) == 0 || s.serverOrder {
						return fmt.Errorf("ntopng's defaults: the scanners found no weak TLS 1.2 cipher or a server order: %s", s)
					}
					return nil
				}),
			},
			{ // the default profile
				Config: intermediate, ConfigVariables: f.vars(),
				PreConfig: func() { f.certSHA256 = fingerprint(t, rsaCert) }, // what f.hardened expects served
				ConfigStateChecks: []statecheck.StateCheck{status(tlsAsPromised), order(true),
					statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("tls_observed").AtMapKey("protocols"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("TLSv1.2"), knownvalue.StringExact("TLSv1.3")}))},
				Check: resource.ComposeTestCheckFunc(hardenedScan("intermediate, RSA", true), f.hardened(), tlsFindings("pass", "pass", "pass", "pass")),
			},
			{Config: intermediate, ConfigVariables: f.vars(), PlanOnly: true},
			{ // drift: --ciphers-list in a drop-in
				Config: intermediate, ConfigVariables: f.vars(),
				PreConfig: func() {
					f.mustExec(t, "printf -- '--ciphers-list=HIGH:!aNULL:!MD5:!RC4\\n' > /etc/ntopng/ntopng.conf.d/zz-tls.conf && systemctl restart ntopng")
					f.waitListener(t, "ntopng", addr)
				},
				ConfigPlanChecks:  update,
				ConfigStateChecks: []statecheck.StateCheck{status(tlsAsPromised)},
				Check:             hardenedScan("intermediate after --ciphers-list drift", false),
			},
			{ // drift: OpenSSL's configuration and its drop-in removed
				Config: intermediate, ConfigVariables: f.vars(),
				PreConfig: func() {
					f.mustExec(t, "rm "+strings.Join(unithardening.TLSPaths("ntopng.service"), " ")+" && systemctl daemon-reload && systemctl restart ntopng")
					f.waitListener(t, "ntopng", addr)
				},
				ConfigPlanChecks:  update,
				ConfigStateChecks: []statecheck.StateCheck{status(tlsAsPromised), order(true)},
				Check:             hardenedScan("intermediate after OpenSSL's configuration was removed", true),
			},
			{ // an ECDSA certificate behind the intermediate
				Config: cfg(ecdsaCert, ecdsaPEM, ""), ConfigVariables: f.vars(),
				ConfigStateChecks: []statecheck.StateCheck{status(tlsAsPromised), order(true)},
				Check:             hardenedScan("intermediate, ECDSA", true),
			},
			{ // TLS 1.3 only
				Config: cfg(ecdsaCert, ecdsaPEM, "modern"), ConfigVariables: f.vars(),
				ConfigStateChecks: []statecheck.StateCheck{status(tlsAsPromised),
					statecheck.ExpectKnownValue("ntopng_instance.probe", tfjsonpath.New("tls_observed").AtMapKey("protocols"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("TLSv1.3")}))},
				Check: resource.ComposeTestCheckFunc(tlsFindings("pass", "pass", "pass", "not_applicable"), func(*terraform.State) error {
					s := scanTLS(t, addr, false)
					if !slices.Equal(s.protocols, []string{"TLSv1.3"}) || len(s.tls12) > 0 {
						return fmt.Errorf("modern: the scanner found %s, want TLS 1.3 alone", s)
					}
					return nil
				}),
			},
		},
	})
}

// tlsLeaf is a leaf for the sandbox's address, signed by pki's intermediate.
func tlsLeaf(t *testing.T, pki *testPKI, key crypto.Signer, usage x509.KeyUsage) string {
	t.Helper()
	c := makeCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "probe.example.net"}, DNSNames: []string{"probe.example.net"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: usage}, pki.inter, key, pki.interKey)
	return certToPEM(c)
}

// tlsScan is what the scanners found.
type tlsScan struct {
	protocols   []string // sslscan: enabled SSL/TLS versions
	tls12       []string // sslscan: accepted TLS 1.2 (and older) ciphers
	weak        []string // those without forward secrecy or AEAD, with why
	serverOrder bool     // testssl: "cipher_order"
	order       string   // its finding
	renego      string   // testssl: "secure_client_renego"
	findings    []string // testssl: MEDIUM and above
	deep        bool
}

func (s tlsScan) String() string {
	out := fmt.Sprintf("protocols %s; %d TLS 1.2 ciphers, %d weak %v", strings.Join(s.protocols, " "), len(s.tls12), len(s.weak), s.weak)
	if s.deep {
		out += fmt.Sprintf("; cipher order: %s; client-initiated renegotiation: %s; MEDIUM or above: %v", s.order, s.renego, s.findings)
	}
	return out
}

// hardened is nil when s is what the intermediate profile promises.
func (s tlsScan) hardened(deep bool) error {
	var errs []string
	if !slices.Equal(s.protocols, []string{"TLSv1.2", "TLSv1.3"}) {
		errs = append(errs, "protocols "+strings.Join(s.protocols, " ")+", want TLSv1.2 TLSv1.3")
	}
	if len(s.tls12) == 0 || len(s.weak) > 0 {
		errs = append(errs, fmt.Sprintf("TLS 1.2 ciphers %v, weak %v", s.tls12, s.weak))
	}
	if deep && (!s.serverOrder || !strings.Contains(s.renego, "not vulnerable") || len(s.findings) > 0) {
		errs = append(errs, fmt.Sprintf("cipher order %q, client-initiated renegotiation %q, findings %v", s.order, s.renego, s.findings))
	}
	if len(errs) > 0 {
		return fmt.Errorf("the scanners disagree with the profile: %s", strings.Join(errs, "; "))
	}
	return nil
}

// scanTLS runs sslscan (and, when deep, testssl.sh's protocol, server preference and
// renegotiation checks) from this machine against addr, the sandbox's own address.
func scanTLS(t *testing.T, addr string, deep bool) tlsScan {
	t.Helper()
	var s tlsScan
	out, err := exec.Command("sslscan", "--xml=-", "--no-colour", "--no-check-certificate", "--no-heartbleed", "--no-compression",
		"--no-fallback", "--no-groups", "--no-renegotiation", addr).Output()
	if err != nil {
		t.Fatalf("sslscan %s: %v\n%s", addr, err, out)
	}
	var doc struct {
		Tests []struct {
			Protocols []struct {
				Type    string `xml:"type,attr"`
				Version string `xml:"version,attr"`
				Enabled string `xml:"enabled,attr"`
			} `xml:"protocol"`
			Ciphers []struct {
				SSLVersion string `xml:"sslversion,attr"`
				Cipher     string `xml:"cipher,attr"`
			} `xml:"cipher"`
		} `xml:"ssltest"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil || len(doc.Tests) != 1 {
		t.Fatalf("sslscan's XML: %v (%d tests)\n%s", err, len(doc.Tests), out)
	}
	for _, p := range doc.Tests[0].Protocols {
		if p.Enabled == "1" {
			s.protocols = append(s.protocols, strings.ToUpper(p.Type)+"v"+p.Version)
		}
	}
	for _, c := range doc.Tests[0].Ciphers {
		if c.SSLVersion == "TLSv1.3" {
			continue
		}
		s.tls12 = append(s.tls12, c.Cipher)
		switch why := tlsciphers.Check(c.Cipher); {
		case strings.Contains(why, "forward secrecy"):
			s.weak = append(s.weak, c.Cipher+" (no FS)")
		case strings.Contains(why, "not AEAD"):
			s.weak = append(s.weak, c.Cipher+" (CBC)")
		case why != "":
			s.weak = append(s.weak, c.Cipher+" ("+why+")")
		}
	}
	if !deep {
		return s
	}
	s.deep = true
	dir := t.TempDir()
	js := filepath.Join(dir, "testssl.json")
	cmd := exec.Command("testssl", "--quiet", "--color", "0", "--warnings", "off", "--jsonfile", js, "-p", "-P", "-R", addr)
	if out, err := cmd.CombinedOutput(); err != nil && !isExit(err) {
		t.Fatalf("testssl %s: %v\n%s", addr, err, out)
	}
	data, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var fs []struct{ ID, Severity, Finding string }
	if err := json.Unmarshal(data, &fs); err != nil {
		t.Fatalf("testssl's JSON: %v", err)
	}
	for _, fd := range fs {
		switch {
		case fd.ID == "cipher_order":
			s.order, s.serverOrder = fd.Finding, fd.Severity == "OK"
		case fd.ID == "secure_client_renego":
			s.renego = fd.Finding
		}
		if slices.Contains([]string{"MEDIUM", "HIGH", "CRITICAL"}, fd.Severity) {
			s.findings = append(s.findings, fd.ID+": "+fd.Finding)
		}
	}
	return s
}

func isExit(err error) bool {
	_, ok := err.(*exec.ExitError)
	return ok
}

// checkCipherTable: what OpenSSL on the release lists agrees with tlsciphers' table (same
// number, key exchange, authentication and MAC for every cipher both know), and the release
// knows every cipher of the intermediate profile.
func checkCipherTable(t *testing.T, f *sandboxFixture) {
	t.Helper()
	out := f.mustExec(t, "openssl version; openssl ciphers -V 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'")
	version, list, _ := strings.Cut(out, "\n")
	known := map[string]bool{}
	var unknown []string
	for _, line := range strings.Split(list, "\n") {
		fs := strings.Fields(line)
		if len(fs) < 8 || fs[3] == "TLSv1.3" {
			continue
		}
		name := fs[2]
		known[name] = true
		c, ok := tlsciphers.Lookup(name)
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		want := fmt.Sprintf("0x%02X,0x%02X Kx=%s Au=%s Mac=%s", c.ID>>8, c.ID&0xff, c.Kx, c.Au, c.Mac)
		if got := fs[0] + " " + fs[4] + " " + fs[5] + " " + fs[7]; got != want {
			t.Errorf("%s: %s lists %s as %q, tlsciphers as %q", f.r.Name, version, name, got, want)
		}
	}
	if len(unknown) > 0 {
		t.Logf("%s: %s lists %s, which tlsciphers does not know (tls_ciphers refuses them)", f.r.Name, version, strings.Join(unknown, ", "))
	}
	for _, n := range tlsciphers.IntermediateCiphers {
		if !known[n] {
			t.Errorf("%s: %s does not know %s", f.r.Name, version, n)
		}
	}
}
