# A new random password on every run (hashicorp/random >= 3.7), never stored: it is only
# written to the host when the resource is created or requirepass_wo_version changes.
ephemeral "random_password" "redis" {
  length           = 48
  override_special = "!#%+-.:=^_~" # characters ntopng's --redis option can carry
}

resource "ntopng_redis" "cache" {
  host        = "probe-1.example.net"
  config_path = "/etc/redis/redis.conf" # default; a change replaces the resource

  requirepass_wo         = ephemeral.random_password.redis.result # write-only (Terraform >= 1.11)
  requirepass_wo_version = 1                                      # bump to rotate
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
