variable "probes" {
  description = <<-EOT
    The probes, by name. host: the address SSH reaches (its key must be in known_hosts_file);
    https_listen: ADDRESS:PORT of the only web listener; certificate_pem (and ca_chain_pem) its
    certificate, whose key is private_keys_pem[name]; redis_group: the group of the Redis socket
    (redis, or valkey on a Valkey host), also the name of its configuration folder;
    web_allowed_networks: IPv4 CIDRs that may reach the web server. Bump a *_version to write
    that probe's new secret from the ephemeral maps (rotation).
  EOT
  type = map(object({
    host                   = string
    https_listen           = string
    certificate_pem        = string
    ca_chain_pem           = optional(string)
    redis_group            = optional(string, "redis")
    web_allowed_networks   = list(string)
    redis_password_version = optional(number, 1)
    admin_password_version = optional(number, 1)
    certificate_version    = optional(number, 1)
  }))
}

variable "ssh_user" {
  description = "SSH user on every probe: root, or a user with passwordless sudo (then ssh_sudo = true)."
  type        = string
  default     = "root"
}

variable "ssh_sudo" {
  description = "Run file operations and restarts through sudo (for a non-root ssh_user)."
  type        = bool
  default     = false
}

variable "private_key_file" {
  description = "Path of the deploy key that every probe accepts."
  type        = string
}

variable "known_hosts_file" {
  description = "known_hosts file holding every probe's host key (checked on each probe's console first)."
  type        = string
}

variable "redis_passwords" {
  description = "Redis password per probe name: 32 to 64 characters without white space, quotes, \\ or backtick. Ephemeral: never in the state or the plan."
  type        = map(string)
  sensitive   = true
  ephemeral   = true
}

variable "web_admin_passwords" {
  description = "Password of the web user admin per probe name: 12 to 31 printable characters without spaces. Ephemeral."
  type        = map(string)
  sensitive   = true
  ephemeral   = true
}

variable "private_keys_pem" {
  description = "The certificate's unencrypted private key (PEM) per probe name. Ephemeral."
  type        = map(string)
  sensitive   = true
  ephemeral   = true
}
