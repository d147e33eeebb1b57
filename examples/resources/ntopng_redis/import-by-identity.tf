# Terraform >= 1.12: the identity names the same thing as the import ID; config_path is
# required (the default depends on the host), ssh_port may be left out.
import {
  to = ntopng_redis.cache
  identity = {
    host        = "probe-1.example.net"
    ssh_port    = 2222
    config_path = "/etc/redis/redis.conf"
  }
}
