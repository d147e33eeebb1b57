# terraform query -generate-config-out=probes.tf
# Each list block looks for one resource type on every host of var.hosts, where the resource
# would look by default: ntop's /etc/ntopng/ntopng.conf (and ntopng-IFACE.conf beside it) and
# certificate, the redis.conf (or valkey.conf) of the host's distribution and server, ntopng's
# web user admin. config_path, path, ssh_port and usernames narrow it, as in the resource blocks.

list "ntopng_instance" "probes" {
  provider         = ntopng
  include_resource = true
  config {
    hosts = var.hosts
  }
}

list "ntopng_redis" "probes" {
  provider         = ntopng
  include_resource = true
  config {
    hosts = var.hosts
  }
}

list "ntopng_tls_cert" "probes" {
  provider         = ntopng
  include_resource = true
  config {
    hosts = var.hosts
  }
}

list "ntopng_user" "probes" {
  provider         = ntopng
  include_resource = true
  config {
    hosts = var.hosts
  }
}
