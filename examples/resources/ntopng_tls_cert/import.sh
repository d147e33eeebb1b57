# host:path, or host:ssh_port:path when the SSH port is not 22. The certificate and chain are read
# from the file; the private key stays out of the state and comes from the configuration.
terraform import ntopng_tls_cert.web probe-1.example.net:/usr/share/ntopng/httpdocs/ssl/ntopng-cert.pem
# An IPv6 host goes in brackets: terraform import ... '[2001:db8::10]:/path' (or '[2001:db8::10]:2222:/path').
