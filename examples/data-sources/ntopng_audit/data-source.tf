terraform {
  required_providers {
    ntopng = {
      source = "hardenops/ntopng"
    }
  }
}

data "ntopng_audit" "probe" {
  host = "probe-1.example.net"
  # config_path       = "/etc/ntopng/ntopng.conf" # default
  # redis_config_path = "/etc/redis/redis.conf"   # default
}

# Every plan and apply checks the host, managed by Terraform or not, and lists what fails.
check "ntopng_hardened" {
  assert {
    condition     = data.ntopng_audit.probe.passed
    error_message = join("\n", [for f in data.ntopng_audit.probe.findings : "${f.id}: ${f.summary}" if f.status == "fail"])
  }
}

output "ntopng_audit_score" {
  value = data.ntopng_audit.probe.score
}
