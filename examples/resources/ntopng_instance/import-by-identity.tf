# Terraform >= 1.12: the identity names the same thing as the import ID. ssh_port is left out
# (null: the provider's ssh.port), and so may config_path be (default /etc/ntopng/ntopng.conf).
import {
  to = ntopng_instance.probe
  identity = {
    host        = "probe-1.example.net"
    config_path = "/etc/ntopng/ntopng.conf"
  }
}
