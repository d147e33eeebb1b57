# ntop's /etc/ntopng/ntopng.conf and ntopng-IFACE.conf on each probe; config_path names one file.
list "ntopng_instance" "probes" {
  provider         = ntopng
  include_resource = true
  config {
    hosts = ["198.18.0.2", "198.18.0.10"]
  }
}
