# Terraform >= 1.5: an import block, planned and applied like any change. The ID is
# host:username, host:ssh_port:username when the SSH port is not 22, host:/path/ntopng.conf:username
# for another ntopng configuration, and an IPv6 host in brackets: "[2001:db8::10]:admin" or
# "[2001:db8::10]:2222:admin".
import {
  to = ntopng_user.admin
  id = "probe-1.example.net:admin"
}
