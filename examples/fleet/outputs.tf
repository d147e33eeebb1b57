output "audit" {
  description = "Per probe: the audit score (share of the applicable checks that pass, 0 to 100) and the IDs of the failing checks."
  value = {
    for name, a in data.ntopng_audit.probe : name => {
      score   = a.score
      failing = [for f in a.findings : f.id if f.status == "fail"]
    }
  }
}

output "redis_status" {
  description = "Per probe: \"ok\" when the running ntopng's Redis accepts the socket and password in ntopng's configuration."
  value       = { for name, p in ntopng_instance.probe : name => p.redis_status }
}

output "served_certificate" {
  description = "Per probe: SHA-256 of the certificate ntopng serves (equal to the configured one once applied)."
  value       = { for name, c in ntopng_tls_cert.web : name => c.served_fingerprint_sha256 }
}
