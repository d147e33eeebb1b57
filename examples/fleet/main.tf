# Many ntopng probes hardened from one map (var.probes), one set of resources per probe.
# Host keys come from one known_hosts file; each probe has its own certificate, its own Redis
# password and its own admin password, all write-only (from ephemeral variables: never in the
# state or the plan). imports.tf adopts each probe's existing files: adding a probe to the map
# imports it first, so its first plan shows exactly what the hardening will change there.

terraform {
  required_version = ">= 1.11" # write-only attributes; import blocks with for_each need 1.7
  required_providers {
    ntopng = {
      source = "hardenops/ntopng"
    }
  }
}

# One deploy key and one known_hosts file for the whole fleet. Probes behind another bastion
# or reached as another user get a provider alias of their own (see the "Many probes" guide).
provider "ntopng" {
  ssh {
    user             = var.ssh_user
    private_key      = file(var.private_key_file)
    known_hosts_file = var.known_hosts_file
    sudo             = var.ssh_sudo
  }
}

# Redis: no TCP listener, its Unix socket only, behind the probe's own password.
resource "ntopng_redis" "cache" {
  for_each = var.probes

  host                   = each.value.host
  requirepass_wo         = var.redis_passwords[each.key]
  requirepass_wo_version = each.value.redis_password_version
}

# The probe's own certificate and key, in the one file ntopng serves; verify_endpoint checks,
# through SSH, that ntopng really serves it.
resource "ntopng_tls_cert" "web" {
  for_each = var.probes

  host                       = each.value.host
  certificate_pem            = each.value.certificate_pem
  ca_chain_pem               = each.value.ca_chain_pem
  private_key_pem_wo         = var.private_keys_pem[each.key]
  private_key_pem_wo_version = each.value.certificate_version
  verify_endpoint            = each.value.https_listen
}

# ntopng.conf: HTTPS only on the probe's management address, plain HTTP off, ntopng as its
# own user in the group of the Redis socket, Redis through that socket with the password.
resource "ntopng_instance" "probe" {
  for_each = var.probes

  host                 = each.value.host
  https_listen         = each.value.https_listen
  cert_path            = ntopng_tls_cert.web[each.key].path
  user                 = "ntopng"
  user_groups          = [each.value.redis_group]
  web_allowed_networks = each.value.web_allowed_networks

  redis = {
    socket = ntopng_redis.cache[each.key].unixsocket
  }
  redis_password_wo         = var.redis_passwords[each.key]
  redis_password_wo_version = each.value.redis_password_version
}

# The web user admin off its default password admin, written to the Redis ntopng uses.
resource "ntopng_user" "admin" {
  for_each = var.probes

  host                = each.value.host
  config_path         = ntopng_instance.probe[each.key].config_path
  username            = "admin"
  group               = "administrator"
  password_wo         = var.web_admin_passwords[each.key]
  password_wo_version = each.value.admin_password_version
}

# The hardening checklist of every probe, read after its hardening is applied.
data "ntopng_audit" "probe" {
  for_each = var.probes

  host              = each.value.host
  redis_config_path = ntopng_redis.cache[each.key].config_path

  depends_on = [ntopng_user.admin, ntopng_instance.probe, ntopng_redis.cache, ntopng_tls_cert.web]
}

# A check block cannot use for_each: one check over the fleet, whose message names each
# failing probe and its failing checks. It warns (it never blocks an apply) on every plan.
check "ntopng_hardened" {
  assert {
    condition = alltrue([for name, a in data.ntopng_audit.probe : a.passed])
    error_message = join("\n", [
      for name, a in data.ntopng_audit.probe :
      "${name}: ${join(", ", [for f in a.findings : f.id if f.status == "fail"])}" if !a.passed
    ])
  }
}
