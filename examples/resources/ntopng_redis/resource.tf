terraform {
  required_version = ">= 1.11" # write-only attributes (*_wo); see the README for older versions
  required_providers {
    ntopng = {
      source = "hardenops/ntopng"
    }
  }
}

# An ephemeral value is never stored in the state or the plan. In real use it often comes from
#   ephemeral "random_password" "redis" { length = 48, override_special = "!#%+-.:=^_~" }
# (hashicorp/random >= 3.7); it is only written to the host when the resource is created or
# requirepass_wo_version changes.
variable "redis_password" {
  description = "Redis password: 32 to 64 characters, no whitespace, quotes, backslash or backtick."
  type        = string
  ephemeral   = true
}

resource "ntopng_redis" "cache" {
  host        = "probe-1.example.net"
  config_path = "/etc/redis/redis.conf" # default; a change replaces the resource

  requirepass_wo         = var.redis_password # write-only (Terraform >= 1.11)
  requirepass_wo_version = 1                  # bump to rotate
  # requirepass = var.redis_password # sensitive alternative for older Terraform, kept in the state

  # Defaults, shown for clarity:
  port            = 0 # no TCP listener at all
  bind            = ["127.0.0.1", "-::1"]
  unixsocket      = "/run/redis/redis-server.sock"
  unixsocketperm  = "770"
  protected_mode  = true
  restart_command = "systemctl restart redis-server"
  verify_live     = true
  on_destroy      = "keep"

  rename_commands = { FLUSHALL = "", DEBUG = "" } # "" removes the command
}
