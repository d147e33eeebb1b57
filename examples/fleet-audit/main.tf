# Audit first, change nothing: the hardening checklist of every probe, read over SSH. This
# configuration has no resource: `terraform plan` reads each probe, lists in its output which
# probes fail which checks, warns through the check block, and exits 0. Nothing is written on
# any host (only files are read and the services asked). It takes the same var.probes map as
# examples/fleet (the attributes it does not use are ignored).

terraform {
  required_version = ">= 1.11"
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
    sudo             = var.ssh_sudo
  }
}

variable "probes" {
  description = "The probes, by name: host (as SSH reaches it), and redis_group (redis, or valkey on a Valkey host: the folder of its configuration)."
  type = map(object({
    host        = string
    redis_group = optional(string, "redis")
  }))
}

variable "ssh_user" {
  description = "SSH user on every probe: root, or a user with passwordless sudo (then ssh_sudo = true)."
  type        = string
  default     = "root"
}

variable "ssh_sudo" {
  description = "Read through sudo (for a non-root ssh_user)."
  type        = bool
  default     = false
}

variable "private_key_file" {
  description = "Path of the deploy key that every probe accepts."
  type        = string
}

variable "known_hosts_file" {
  description = "known_hosts file holding every probe's host key."
  type        = string
}

data "ntopng_audit" "probe" {
  for_each = var.probes

  host              = each.value.host
  redis_config_path = "/etc/${each.value.redis_group}/${each.value.redis_group}.conf"
}

check "ntopng_hardened" {
  assert {
    condition = alltrue([for name, a in data.ntopng_audit.probe : a.passed])
    error_message = join("\n", [
      for name, a in data.ntopng_audit.probe :
      "${name}: ${join(", ", [for f in a.findings : f.id if f.status == "fail"])}" if !a.passed
    ])
  }
}

output "audit" {
  description = "Per probe: the audit score (share of the applicable checks that pass, 0 to 100) and the IDs of the failing checks."
  value = {
    for name, a in data.ntopng_audit.probe : name => {
      score   = a.score
      failing = [for f in a.findings : f.id if f.status == "fail"]
    }
  }
}
