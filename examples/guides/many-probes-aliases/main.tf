# Probes behind different bastions or reached as different users: one provider alias per
# credential set, and one map of probes per alias (each map hardened as in examples/fleet).
terraform {
  required_version = ">= 1.11"
  required_providers {
    ntopng = {
      source = "hardenops/ntopng"
    }
  }
}

# The data-centre probes: reached directly as root with the deploy key.
provider "ntopng" {
  ssh {
    user             = "root"
    private_key      = file(var.private_key_file)
    known_hosts_file = "~/.ssh/fleet_known_hosts"
  }
}

# The branch-office probes: through the branch's jump host, as "ops" with sudo.
provider "ntopng" {
  alias = "branch"
  ssh {
    user             = "ops"
    private_key      = file(var.private_key_file)
    known_hosts_file = "~/.ssh/fleet_known_hosts"
    sudo             = true
    bastion {
      host = "jump.branch.example.net"
    }
  }
}

variable "private_key_file" {
  description = "Path of the deploy key."
  type        = string
}

variable "dc_probes" {
  type    = map(string) # name => address
  default = { dc-1 = "192.0.2.10", dc-2 = "192.0.2.11" }
}

variable "branch_probes" {
  type    = map(string)
  default = { branch-1 = "10.20.0.5" }
}

data "ntopng_audit" "dc" {
  for_each = var.dc_probes
  host     = each.value
}

data "ntopng_audit" "branch" {
  for_each = var.branch_probes
  provider = ntopng.branch
  host     = each.value
}

output "scores" {
  value = merge(
    { for name, a in data.ntopng_audit.dc : name => a.score },
    { for name, a in data.ntopng_audit.branch : name => a.score },
  )
}
