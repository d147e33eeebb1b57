package provider

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/hardenops/terraform-provider-ntopng/internal/pluginserver"
	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
)

// protoV6Factories serve the provider in the test process (protocol 6, as main.go and the
// registry manifest say) behind pluginserver.Detach, as main.go serves it, so that every
// acceptance test runs the real terraform CLI through the same wrapper.
var protoV6Factories = map[string]func() (tfprotov6.ProviderServer, error){
	"ntopng": func() (tfprotov6.ProviderServer, error) {
		return pluginserver.Detach(providerserver.NewProtocol6(New("test")())())
	},
}

// preCheck skips acceptance tests unless TF_ACC is set (terraform-plugin-testing's rule) and
// checks that terraform is reachable without any download.
func preCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		t.Fatal("TF_ACC_TERRAFORM_PATH must name the installed terraform (make test sets it): nothing may be downloaded")
	}
}

// hcl quotes s as an HCL string literal (keys and certificates contain newlines).
func hcl(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "${", "$${", "%{", "%%{")
	return `"` + r.Replace(s) + `"`
}

// sshBlock renders provider "ntopng" for a test sshd, logging in as u with its key and the
// host key pinned. extra lines go inside the ssh block.
func providerConfig(s *testhost.SSHD, u testhost.User, extra ...string) string {
	return fmt.Sprintf(`
provider "ntopng" {
  ssh {
    user        = %s
    port        = %d
    private_key = %s
    host_key    = %s
%s
  }
}
`, hcl(u.Name), s.Port, hcl(u.PrivateKey), hcl(s.HostKey), strings.Join(extra, "\n"))
}

// selfSignedPEM makes a P-256 certificate for 127.0.0.1 valid for a year: certificate and
// unencrypted PKCS#8 key, as PEM.
func selfSignedPEM(t *testing.T, cn string) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		DNSNames:     []string{cn},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}))
}

// readFile reads a file on the test host (the test sshd shares the file system).
func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// resourceValue builds a value of resource typeName with host set to host, attrs set and
// everything else null, and returns a provider server to send it to.
func resourceValue(t *testing.T, typeName, host string, attrs map[string]tftypes.Value) (tfprotov6.ProviderServer, tftypes.Object, tfprotov6.DynamicValue) {
	t.Helper()
	srv, err := protoV6Factories["ntopng"]()
	if err != nil {
		t.Fatal(err)
	}
	sch, err := srv.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || sch.ResourceSchemas[typeName] == nil {
		t.Fatalf("schema: %v %v", err, sch)
	}
	typ := sch.ResourceSchemas[typeName].ValueType().(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	vals["host"] = str(host)
	for k, v := range attrs {
		vals[k] = v
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		t.Fatal(err)
	}
	return srv, typ, dv
}

// validateResource sends a configuration of resource typeName (host = "127.0.0.1", attrs set,
// everything else null) to the provider server's ValidateResourceConfig, which runs every
// validator Terraform runs, and returns the diagnostics (warnings included, which
// terraform-plugin-testing cannot assert).
func validateResource(t *testing.T, typeName string, attrs map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	t.Helper()
	srv, _, dv := resourceValue(t, typeName, "127.0.0.1", attrs)
	resp, err := srv.ValidateResourceConfig(context.Background(), &tfprotov6.ValidateResourceConfigRequest{
		TypeName: typeName, Config: &dv,
		ClientCapabilities: &tfprotov6.ValidateResourceConfigClientCapabilities{WriteOnlyAttributesAllowed: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Diagnostics
}
