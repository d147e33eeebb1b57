# Terraform >= 1.5: an import block, planned and applied like any change. The ID is host:path,
# host:ssh_port:path when the SSH port is not 22, and an IPv6 host in brackets:
# "[2001:db8::10]:/usr/share/ntopng/httpdocs/ssl/ntopng-cert.pem" (or "[2001:db8::10]:2222:/usr/...").
import {
  to = ntopng_tls_cert.web
  id = "probe-1.example.net:/usr/share/ntopng/httpdocs/ssl/ntopng-cert.pem"
}
