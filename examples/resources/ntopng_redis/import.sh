# host:config_path, or host:ssh_port:config_path when the SSH port is not 22. The redis.conf
# settings are read from the host; the password is not stored (only a keyed hash of it), and
# requirepass_wo_version is assumed to be 1.
terraform import ntopng_redis.cache probe-1.example.net:/etc/redis/redis.conf
# An IPv6 host goes in brackets: terraform import ... '[2001:db8::10]:/path' (or '[2001:db8::10]:2222:/path').
