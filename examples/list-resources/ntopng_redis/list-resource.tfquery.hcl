# The redis.conf (valkey.conf) of each probe's distribution and server, as ntopng_redis picks it.
list "ntopng_redis" "probes" {
  provider         = ntopng
  include_resource = true
  config {
    hosts = ["198.18.0.2", "198.18.0.10"]
  }
}
