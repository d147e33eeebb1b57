terraform {
  required_version = ">= 1.11" # write-only attributes (*_wo); see the README for older versions
  required_providers {
    ntopng = {
      source = "hardenops/ntopng"
    }
  }
}

variable "web_admin_password" {
  description = "12 to 31 printable characters (ntopng's login form reads at most 31), e.g. from ephemeral random_password."
  type        = string
  ephemeral   = true # never stored in the state or the plan
}

resource "ntopng_user" "admin" {
  host                = "probe-1.example.net"
  username            = "admin" # the built-in one, or any other
  password_wo         = var.web_admin_password
  password_wo_version = 1               # bump to write a new password
  group               = "administrator" # or "unprivileged"
  allowed_networks    = ["10.0.0.0/8"]  # default: all
  # config_path = "/etc/ntopng/ntopng.conf" # default: where the provider finds ntopng's Redis
}

# Written on creation, when password_wo_version changes, and when the host's password drifted
# (e.g. admin back on admin/admin). Destroy removes a user; destroy of admin leaves it, since
# ntopng would recreate it as admin/admin.
