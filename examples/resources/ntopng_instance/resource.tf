terraform {
  required_version = ">= 1.11" # write-only attributes (*_wo); see the README for older versions
  required_providers {
    ntopng = {
      source = "hardenops/ntopng"
    }
  }
}

variable "redis_password" {
  description = "The password ntopng_redis set: 32 to 64 characters ntopng's --redis can carry."
  type        = string
  ephemeral   = true # never stored in the state or the plan
}

resource "ntopng_instance" "probe" {
  host        = "probe-1.example.net"
  config_path = "/etc/ntopng/ntopng.conf" # default; a change replaces the resource

  http_listen  = "disabled"       # default: no plain HTTP at all
  https_listen = "192.0.2.10:443" # the management address only
  cert_path    = "/usr/share/ntopng/httpdocs/ssl/ntopng-cert.pem"
  # Better: cert_path = ntopng_tls_cert.web.path, so that the certificate is pushed first.

  user        = "ntopng" # default
  manage_user = true     # create the system user when missing (default)
  user_groups = ["redis"]

  redis = {
    socket = "/run/redis/redis-server.sock" # e.g. ntopng_redis.cache.unixsocket
    db     = 0
  }
  redis_password_wo         = var.redis_password # write-only (Terraform >= 1.11)
  redis_password_wo_version = 1                  # bump to write a new password
  # redis_password = var.redis_password_plain     # sensitive alternative, kept in the state

  interfaces     = ["eth0"]
  data_dir       = "/var/lib/ntopng"
  local_networks = ["192.0.2.0/24"]

  # Who may reach the web server at all (IPv4 CIDRs; everyone else is refused before the login).
  web_allowed_networks = ["192.0.2.0/24", "198.51.100.7/32"]
  extra_options        = { "max-num-flows" = "200000" } # other ntopng options, names checked

  restart_command = "systemctl restart ntopng" # default
}
