package unithardening

import (
	"strings"
	"testing"
)

func TestTLSFiles(t *testing.T) {
	if got := OpenSSLConfPath("ntopng@eth0.service"); got != "/etc/ssl/ntopng@eth0-openssl.cnf" {
		t.Errorf("OpenSSLConfPath = %q", got)
	}
	if got := TLSDropInPath("ntopng.service"); got != "/etc/systemd/system/ntopng.service.d/terraform-tls.conf" {
		t.Errorf("TLSDropInPath = %q", got)
	}
	if d := string(RenderTLSDropIn("/etc/ssl/ntopng-openssl.cnf")); !strings.HasSuffix(d, "[Service]\nEnvironment=OPENSSL_CONF=/etc/ssl/ntopng-openssl.cnf\n") {
		t.Errorf("the drop-in:\n%s", d)
	}
	for env, want := range map[string]bool{
		"UNIT_NAME=ntopng OPENSSL_CONF=/etc/ssl/ntopng-openssl.cnf":    true,
		"OPENSSL_CONF=/etc/ssl/ntopng-openssl.cnf OPENSSL_CONF=/tmp/x": false, // the last one wins
		"UNIT_NAME=ntopng": false,
		"":                 false,
	} {
		if got := OpenSSLConfIn(map[string]string{"Environment": env}, "/etc/ssl/ntopng-openssl.cnf"); got != want {
			t.Errorf("OpenSSLConfIn(Environment=%q) = %v, want %v", env, got, want)
		}
	}
}
