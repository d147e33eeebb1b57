# admin and ops, where they exist in the Redis of each probe's ntopng.
list "ntopng_user" "probes" {
  provider         = ntopng
  include_resource = true
  config {
    hosts     = ["198.18.0.2", "198.18.0.10"]
    usernames = ["admin", "ops"]
  }
}
