# Terraform >= 1.5: an import block, planned and applied like any change. The ID is
# host:config_path, host:ssh_port:config_path when the SSH port is not 22, and an IPv6 host in
# brackets: "[2001:db8::10]:/etc/ntopng/ntopng.conf" or "[2001:db8::10]:2222:/etc/ntopng/ntopng.conf".
import {
  to = ntopng_instance.probe
  id = "probe-1.example.net:/etc/ntopng/ntopng.conf"
}
