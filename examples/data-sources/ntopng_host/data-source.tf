terraform {
  required_providers {
    ntopng = {
      source = "hardenops/ntopng"
    }
  }
}

# Read a host's ntopng-relevant facts at plan time; nothing is changed on the host.
data "ntopng_host" "probe" {
  host = "probe-1.example.net"
}

# Every TCP socket listening on all addresses: what the hardening should remove.
output "exposed_listeners" {
  value = [
    for l in data.ntopng_host.probe.listeners : "${l.process} on ${l.address}:${l.port}"
    if contains(["0.0.0.0", "::"], l.address)
  ]
}

output "ntopng_user_exists" {
  value = data.ntopng_host.probe.users["ntopng"].exists
}
