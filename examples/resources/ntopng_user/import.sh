# host:username, or host:port:username when SSH listens elsewhere than 22. The import reads
# ntopng's Redis from the default config_path (/etc/ntopng/ntopng.conf).
terraform import ntopng_user.admin probe-1.example.net:admin
