# Terraform >= 1.12: the identity names the same thing as the import ID: the user, and the
# ntopng whose Redis holds it (config_path, default /etc/ntopng/ntopng.conf).
import {
  to = ntopng_user.admin
  identity = {
    host        = "probe-1.example.net"
    config_path = "/etc/ntopng/ntopng.conf"
    username    = "admin"
  }
}
