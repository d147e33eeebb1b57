terraform {
  required_version = ">= 1.11" # write-only attributes (*_wo); see the README for older versions
  required_providers {
    ntopng = {
      source = "hardenops/ntopng"
    }
  }
}

variable "web_cert_pem" {
  description = "The leaf certificate (PEM), e.g. acme_certificate.web.certificate_pem."
  type        = string
}

variable "web_chain_pem" {
  description = "Intermediate certificates (PEM), the leaf's issuer first."
  type        = string
}

variable "web_key_pem" {
  description = "Private key of the ntopng web certificate (PEM, unencrypted)."
  type        = string
  ephemeral   = true # never stored in the state or the plan
}

resource "ntopng_tls_cert" "web" {
  host            = "probe-1.example.net"
  certificate_pem = var.web_cert_pem  # the leaf only
  ca_chain_pem    = var.web_chain_pem # intermediates, leaf's issuer first

  private_key_pem_wo = var.web_key_pem # write-only (Terraform >= 1.11)
  # private_key_pem = tls_private_key.web.private_key_pem # sensitive alternative, kept in the state

  # Defaults, shown for clarity:
  path            = "/usr/share/ntopng/httpdocs/ssl/ntopng-cert.pem"
  owner           = "root"
  group           = "ntop"
  mode            = "0640"
  restart_command = "systemctl restart ntopng"

  # Check through the SSH connection that ntopng really serves the new certificate: the
  # address and port of ntopng_instance's https_listen (a mismatch is a plan warning).
  verify_endpoint    = "192.0.2.10:443"
  verify_timeout     = "60s"
  min_days_remaining = 30
}
