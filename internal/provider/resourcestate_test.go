package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/hardenops/terraform-provider-ntopng/internal/testhost"
	"github.com/hardenops/terraform-provider-ntopng/internal/tfmodel"
)

// TestEveryImportIsMarked: the four resources start an import the same way (startImport): the
// private-state mark that their Reads read with wasImported, cleared by the first apply
// (setApplied); and the state starts from the schema's defaults, here ntopng_tls_cert's
// (certhardening's values, no longer restated in ImportState).
func TestEveryImportIsMarked(t *testing.T) {
	ctx := context.Background()
	ids := map[string]string{
		"ntopng_instance": "192.0.2.7:/etc/ntopng/ntopng.conf",
		"ntopng_redis":    "192.0.2.7:/etc/redis/redis.conf",
		"ntopng_tls_cert": "192.0.2.7:2222:/usr/share/ntopng/httpdocs/ssl/ntopng-cert.pem",
		"ntopng_user":     "192.0.2.7:operator",
	}
	for _, newRes := range New("test")().Resources(ctx) {
		r := newRes()
		var md resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "ntopng"}, &md)
		id, ok := ids[md.TypeName]
		if !ok {
			t.Errorf("%s: no import ID in this test", md.TypeName)
			continue
		}
		t.Run(md.TypeName, func(t *testing.T) {
			var sr resource.SchemaResponse
			r.Schema(ctx, resource.SchemaRequest{}, &sr)
			resp := resource.ImportStateResponse{State: tfsdk.State{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), nil)}}
			resp.Private = newOf(resp.Private)
			r.(resource.ResourceWithImportState).ImportState(ctx, resource.ImportStateRequest{ID: id}, &resp)
			if resp.Diagnostics.HasError() {
				t.Fatal(resp.Diagnostics)
			}
			if !wasImported(ctx, resp.Private) {
				t.Fatal("the import is not marked for the Reads that follow it")
			}
			for i, wantFirst := range []bool{true, false} {
				rr := resource.ReadResponse{State: resp.State, Private: resp.Private}
				imported, first, d := readAfterImport(ctx, resource.ReadRequest{State: resp.State, Private: resp.Private}, &rr)
				if d.HasError() || !imported || first != wantFirst {
					t.Fatalf("Read %d after the import: imported %v, the import's own Read %v (%v); want true, %v", i+1, imported, first, d, wantFirst)
				}
			}
			if d := setApplied(ctx, resp.Private, &resp.State, nil, instanceIdentity, nil); !d.HasError() {
				t.Fatal("setApplied of a nil model gave no error")
			}
			if wasImported(ctx, resp.Private) {
				t.Error("setApplied left the import mark: the Reads after the first apply would still adopt the host's values")
			}
			if md.TypeName == "ntopng_tls_cert" {
				var m tlsCertModel
				if d := tfmodel.Get(ctx, resp.State, &m); d.HasError() {
					t.Fatal(d)
				}
				if m.Owner.ValueString() != "root" || m.Group.ValueString() != "ntop" || m.Mode.ValueString() != "0640" ||
					m.VerifyTimeout.ValueString() != "60s" || m.OnDestroy.ValueString() != "keep" || !m.CertificatePEM.IsNull() ||
					m.Path.ValueString() != "/usr/share/ntopng/httpdocs/ssl/ntopng-cert.pem" || m.SSHPort.ValueInt64() != 2222 {
					t.Errorf("ntopng_tls_cert's import state: %+v", m)
				}
			}
		})
	}
}

// TestAccImportOfNothing: importing a file that is not there fails, naming it, for the two
// resources whose Read tells the import's own Read (readAfterImport) from a resource whose file
// went away, which leaves the state: also when the file goes after the import, before any apply.
func TestAccImportOfNothing(t *testing.T) {
	s := testhost.StartSSHD(t, testhost.Options{})
	missing := filepath.Join(s.Dir, "nothing-here")
	pki := newTestPKI(t)
	cert, key := pki.leaf(t, leafOpts{})
	if err := os.MkdirAll(filepath.Join(s.Dir, "ssl"), 0o755); err != nil {
		t.Fatal(err)
	}
	there := filepath.Join(s.Dir, "ssl", "ntopng-cert.pem")
	if err := os.WriteFile(there, []byte(key+cert), 0o640); err != nil {
		t.Fatal(err)
	}
	certHCL := providerConfig(s, s.Root) + fmt.Sprintf(`
resource "ntopng_tls_cert" "web" {
  host            = "127.0.0.1"
  certificate_pem = %s
  private_key_pem = %s
  path            = %s
  restart_command = ""
}
`, hcl(cert), hcl(key), hcl(there))
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []tfresource.TestStep{
			{
				Config: providerConfig(s, s.Root) + `
resource "ntopng_tls_cert" "web" {
  host            = "127.0.0.1"
  certificate_pem = "unused"
  private_key_pem = "unused"
}
`,
				ResourceName:  "ntopng_tls_cert.web",
				ImportState:   true,
				ImportStateId: "127.0.0.1:" + missing + "/ssl/ntopng-cert.pem",
				ExpectError:   regexp.MustCompile(`(?s)Nothing to Import.*nothing-here/ssl/ntopng-cert\.pem does not exist`),
			},
			{
				Config: providerConfig(s, s.Root) + `
resource "ntopng_redis" "cache" {
  host = "127.0.0.1"
}
`,
				ResourceName:  "ntopng_redis.cache",
				ImportState:   true,
				ImportStateId: "127.0.0.1:" + missing + "/redis.conf",
				ExpectError:   regexp.MustCompile(`(?s)Cannot Import ntopng_redis.*nothing-here/redis\.conf does not exist`),
			},
			{ // a file that is there is imported
				Config: certHCL, ResourceName: "ntopng_tls_cert.web", ImportState: true, ImportStateId: "127.0.0.1:" + there,
				ImportStatePersist: true,
			},
			{ // gone before the first apply: a later Read leaves the state (the plan creates it), no import error
				PreConfig:          func() { _ = os.Remove(there) },
				Config:             certHCL,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
		},
	})
}
