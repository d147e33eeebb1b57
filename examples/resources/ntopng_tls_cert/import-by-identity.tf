# Terraform >= 1.12: the identity names the same thing as the import ID; path may be left out
# (default /usr/share/ntopng/httpdocs/ssl/ntopng-cert.pem), and so may ssh_port.
import {
  to = ntopng_tls_cert.web
  identity = {
    host = "probe-1.example.net"
    path = "/usr/share/ntopng/httpdocs/ssl/ntopng-cert.pem"
  }
}
