terraform {
  required_providers {
    ntopng = {
      source = "hardenops/ntopng"
    }
  }
}

# After a renewal made outside Terraform (certbot's deploy hook, a copy by hand):
#   terraform apply -invoke=action.ntopng_check_certificate.web
# fails unless ntopng serves the certificate now in its file, with 30 days or more left.
action "ntopng_check_certificate" "web" {
  config {
    host     = "probe-1.example.net"
    endpoint = "192.0.2.10:443"
  }
}

# Or after every change of the certificate Terraform pushes (verify_endpoint checks the same
# at apply; the action reports it as a step of its own):
variable "certificate_pem" {
  type = string
}

variable "private_key_pem" {
  type      = string
  ephemeral = true
}

resource "ntopng_tls_cert" "web" {
  host               = "probe-1.example.net"
  certificate_pem    = var.certificate_pem
  private_key_pem_wo = var.private_key_pem

  lifecycle {
    action_trigger {
      events  = [after_update]
      actions = [action.ntopng_check_certificate.web]
    }
  }
}
