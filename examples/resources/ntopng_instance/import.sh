# host:config_path, or host:ssh_port:config_path when the SSH port is not 22. Everything written in
# the file is read back (listeners, user, Redis connection, interfaces, options after the
# provider's marker line); the Redis password is not stored, only a keyed hash of it.
terraform import ntopng_instance.probe probe-1.example.net:/etc/ntopng/ntopng.conf
# An IPv6 host goes in brackets: terraform import ... '[2001:db8::10]:/path' (or '[2001:db8::10]:2222:/path').
