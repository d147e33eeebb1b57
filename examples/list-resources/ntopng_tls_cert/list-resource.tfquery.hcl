# ntopng's certificate file on each probe, behind SSH port 2222.
list "ntopng_tls_cert" "probes" {
  provider         = ntopng
  include_resource = true
  config {
    hosts    = ["198.18.0.2", "198.18.0.10"]
    ssh_port = 2222
    path     = "/usr/share/ntopng/httpdocs/ssl/ntopng-cert.pem"
  }
}
