# Find what already runs on the probes, then adopt it: `terraform query` reads each host named
# in probes.tfquery.hcl over SSH (one login per host) and, with -generate-config-out, writes an
# import block (by identity) and a resource block for each ntopng.conf, redis.conf, certificate
# file and admin user it finds. Terraform 1.14 or later (list resources).

terraform {
  # `terraform query` needs 1.14; the configuration it generates needs 1.12 (import by identity).
  required_providers {
    ntopng = {
      source = "hardenops/ntopng"
    }
  }
}

provider "ntopng" {
  ssh {
    user             = var.ssh_user
    private_key      = file(var.private_key_file)
    known_hosts_file = var.known_hosts_file
  }
}

variable "hosts" {
  description = "The probes to look at: host names or IP addresses."
  type        = list(string)
}

variable "ssh_user" {
  description = "User the provider logs in as (root, or one with passwordless sudo: set ssh.sudo)."
  type        = string
  default     = "root"
}

variable "private_key_file" {
  description = "The deploy key's private half."
  type        = string
}

variable "known_hosts_file" {
  description = "known_hosts holding every probe's host key."
  type        = string
}
