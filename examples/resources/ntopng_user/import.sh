# host:username, or host:ssh_port:username when SSH listens elsewhere than 22; the import then
# reads ntopng's Redis through the default config_path (/etc/ntopng/ntopng.conf). With another
# file: host[:ssh_port]:/path/ntopng.conf:username.
terraform import ntopng_user.admin probe-1.example.net:admin
