# ntop's /etc/ntopng/ntopng.conf on each probe; config_path names another file.
list "ntopng_instance" "probes" {
  provider         = ntopng
  include_resource = true
  config {
    hosts = ["198.18.0.2", "198.18.0.10"]
  }
}
