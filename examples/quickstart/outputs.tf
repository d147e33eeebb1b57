output "listeners" {
  description = "Every listening TCP socket on the host after the hardening, as \"address:port process\"."
  value       = sort([for l in data.ntopng_host.probe.listeners : "${l.address}:${l.port} ${l.process}"])
}

output "ntopng_listeners" {
  description = "Where the running ntopng listens, as ntopng_instance read it back."
  value       = ntopng_instance.probe.observed_listeners
}

output "ntopng_redis_status" {
  description = "\"ok\" when the running ntopng's Redis accepts the password and socket in ntopng's configuration."
  value       = ntopng_instance.probe.redis_status
}

output "ntopng_user_groups" {
  description = "Supplementary groups of the ntopng user."
  value       = data.ntopng_host.probe.users["ntopng"].groups
}

output "redis_auth_required" {
  description = "true when the running Redis refused an unauthenticated PING."
  value       = ntopng_redis.cache.live_auth_required
}

output "redis_tcp_listening" {
  description = "false when Redis has no TCP listener left."
  value       = ntopng_redis.cache.live_tcp_listening
}

output "certificate" {
  description = "The certificate on the host and the one the HTTPS server serves (the same fingerprint once applied)."
  value = {
    subject   = ntopng_tls_cert.web.subject
    not_after = ntopng_tls_cert.web.not_after
    file      = ntopng_tls_cert.web.remote_fingerprint_sha256
    served    = ntopng_tls_cert.web.served_fingerprint_sha256
  }
}

output "audit" {
  description = "The hardening checklist after the apply: one line per check, status first."
  value       = join("\n", [for f in data.ntopng_audit.probe.findings : format("%-14s %-22s %s", f.status, f.id, f.summary)])
}

output "audit_score" {
  description = "Share of the applicable checks that pass, 0 to 100."
  value       = data.ntopng_audit.probe.score
}
