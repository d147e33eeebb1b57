# The whole hardening of an ntopng probe, from its stock configuration (HTTP on every
# address, Redis on TCP without a password, ntopng running as nobody) to:
#   - ntopng serving HTTPS only, on one chosen address, with the given certificate;
#   - Redis on a Unix socket only (no TCP), behind a long password;
#   - ntopng running as its own user "ntopng", allowed to reach the Redis socket;
#   - the web user admin off its default password admin, and the web server reachable only
#     from web_allowed_networks;
#   - a check block that runs the whole hardening checklist (ntopng_audit) on every plan.
# Every resource reads the host back, so `terraform plan` shows any change made behind
# Terraform's back. The secrets are write-only: they never reach the state or the plan.

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
    user          = var.ssh_user
    port          = var.ssh_port
    private_key   = file(var.private_key_file)
    host_key      = var.host_key
    sudo          = var.ssh_sudo
    sudo_password = var.ssh_sudo_password
  }
}

# Redis: no TCP listener (port 0), the socket /run/redis/redis-server.sock (mode 770),
# protected mode, and a password that an unauthenticated client cannot pass. Apply
# proves it live: an unauthenticated PING must answer NOAUTH.
resource "ntopng_redis" "cache" {
  host                   = var.host
  requirepass_wo         = var.redis_password
  requirepass_wo_version = var.secrets_version
}

# The key and certificate in the one file ntopng reads. verify_endpoint checks, through
# the SSH connection, that the HTTPS server really serves this certificate.
resource "ntopng_tls_cert" "web" {
  host                       = var.host
  certificate_pem            = var.certificate_pem
  ca_chain_pem               = var.ca_chain_pem
  private_key_pem_wo         = var.private_key_pem
  private_key_pem_wo_version = var.secrets_version
  verify_endpoint            = var.https_listen
}

# ntopng.conf: HTTP off (the default of http_listen), HTTPS on one address, Redis through
# the socket with the password, run as user "ntopng" in the socket's group (redis; valkey on a
# Valkey host). Apply waits until
# ntopng listens exactly there.
resource "ntopng_instance" "probe" {
  host         = var.host
  https_listen = var.https_listen
  cert_path    = ntopng_tls_cert.web.path
  user         = "ntopng"
  user_groups  = [var.redis_group]

  redis = {
    socket = ntopng_redis.cache.unixsocket
  }
  redis_password_wo         = var.redis_password
  redis_password_wo_version = var.secrets_version

  # Who may reach the web server at all (ntopng's access list, IPv4 CIDRs).
  web_allowed_networks = var.web_allowed_networks

  # revoke_package_grants is left at its default: nmap's file capabilities, ntopng in
  # systemd-journal and ntop's sudoers rule for ntopctl are all taken back. An operator who
  # runs ntopng's vulnerability scans with UDP would set { nmap_capabilities = false }.
}

# The web user admin, which every ntopng starts with the password "admin", gets its own.
# config_path ties it to the instance: it is written once ntopng's configuration (with its
# Redis and that Redis's password) is in place, to the Redis ntopng really uses.
resource "ntopng_user" "admin" {
  host                = var.host
  config_path         = ntopng_instance.probe.config_path
  username            = "admin"
  group               = "administrator"
  password_wo         = var.web_admin_password
  password_wo_version = var.secrets_version
}

# The hardening checklist, read after everything above is applied; the check block reports
# every failing check (with the attribute that fixes it) on each plan and apply.
data "ntopng_audit" "probe" {
  host = var.host

  depends_on = [ntopng_user.admin, ntopng_instance.probe, ntopng_redis.cache, ntopng_tls_cert.web]
}

check "ntopng_hardened" {
  assert {
    condition     = data.ntopng_audit.probe.passed
    error_message = join("\n", [for f in data.ntopng_audit.probe.findings : "${f.id}: ${f.summary}" if f.status == "fail"])
  }
}

# What the host looks like afterwards: every listening TCP socket and the ntopng user.
data "ntopng_host" "probe" {
  host        = var.host
  check_users = ["ntopng"]

  depends_on = [ntopng_instance.probe, ntopng_redis.cache]
}
