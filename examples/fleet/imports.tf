# Adoption: each probe's existing files come under management by import, over the same map.
# Terraform ignores an import block whose resource is already in the state, so these stay:
# a probe added to var.probes later is imported too, and its first plan shows, per probe,
# exactly the hardening that will change there (nothing is created over the host's files).
import {
  for_each = var.probes
  to       = ntopng_redis.cache[each.key]
  id       = "${each.value.host}:/etc/${each.value.redis_group}/${each.value.redis_group}.conf"
}

import {
  for_each = var.probes
  to       = ntopng_tls_cert.web[each.key]
  id       = "${each.value.host}:/usr/share/ntopng/httpdocs/ssl/ntopng-cert.pem"
}

import {
  for_each = var.probes
  to       = ntopng_instance.probe[each.key]
  id       = "${each.value.host}:/etc/ntopng/ntopng.conf"
}

import {
  for_each = var.probes
  to       = ntopng_user.admin[each.key]
  id       = "${each.value.host}:admin"
}
