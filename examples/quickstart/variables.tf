# Where the probe is and how to log in. For the demo, demo.sh fills these from the sandbox
# host; on a real host set them in a terraform.tfvars file (see README.md).

variable "host" {
  description = "Address or name of the ntopng host, as SSH reaches it."
  type        = string
}

variable "ssh_user" {
  description = "SSH user: root, or a user with sudo (then set ssh_sudo = true, and ssh_sudo_password if sudo asks for one)."
  type        = string
  default     = "root"
}

variable "ssh_sudo" {
  description = "Run file operations and restarts through sudo (for a non-root ssh_user)."
  type        = bool
  default     = false
}

variable "ssh_sudo_password" {
  description = "sudo's password, only where sudo asks for one (with ssh_sudo = true); pass it as TF_VAR_ssh_sudo_password. Sent on standard input only, never stored."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true
}

variable "ssh_port" {
  description = "SSH port of the host."
  type        = number
  default     = 22
}

variable "private_key_file" {
  description = "Path of the SSH private key on the machine running Terraform."
  type        = string
}

variable "host_key" {
  description = "The host's SSH public key, pinned (\"ssh-ed25519 AAAA...\"): read it on the host from /etc/ssh/ssh_host_ed25519_key.pub."
  type        = string
}

variable "https_listen" {
  description = "Address:port where ntopng serves HTTPS, the only web listener left: the management address (e.g. \"192.0.2.10:443\")."
  type        = string
  default     = "127.0.0.1:8443"
}

variable "certificate_pem" {
  description = "The HTTPS leaf certificate (PEM), issued for the https_listen address or the host's name."
  type        = string
}

variable "ca_chain_pem" {
  description = "Intermediate certificates (PEM), leaf's issuer first; null for a self-signed certificate."
  type        = string
  default     = null
}

variable "private_key_pem" {
  description = "The certificate's unencrypted private key (PEM). Ephemeral: written to the host, never to the state or the plan."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "redis_password" {
  description = "Redis password, 32 to 64 characters without white space, quotes, \\ or backtick. Ephemeral: never in the state or the plan."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "web_admin_password" {
  description = "Password of ntopng's web user admin: 12 to 31 printable characters without spaces (ntopng's login form reads at most 31). Ephemeral: never in the state or the plan."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "redis_group" {
  description = "The group of the Redis server's Unix socket, which ntopng's user joins: redis (Debian's redis-server), valkey (Debian's valkey-server)."
  type        = string
  default     = "redis"
}

variable "web_allowed_networks" {
  description = "IPv4 networks (CIDR) that may reach ntopng's web server at all; every other client is refused. Include the host itself when https_listen is on loopback."
  type        = list(string)
  default     = ["127.0.0.1/32"]
}

variable "secrets_version" {
  description = "Bump to push new values of redis_password, private_key_pem and web_admin_password (write-only values are only sent when this changes)."
  type        = number
  default     = 1
}
