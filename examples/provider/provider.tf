terraform {
  required_version = ">= 1.11" # write-only attributes (*_wo); see the README for older versions
  required_providers {
    ntopng = {
      source = "hardenops/ntopng"
    }
  }
}

# Log in with a key, verify the host key against known_hosts, elevate with sudo.
provider "ntopng" {
  ssh {
    user             = "deploy"
    private_key      = file(pathexpand("~/.ssh/id_ed25519"))
    known_hosts_file = "~/.ssh/known_hosts" # @cert-authority lines work too
    sudo             = true                 # the SFTP server and commands run through `sudo -n --`
    # sudo_password  = var.sudo_password    # only where sudo asks for a password (sensitive)
  }
}

# A second credential set, through a jump host, with a pinned host key and the SSH agent.
provider "ntopng" {
  alias = "dmz"
  ssh {
    user     = "ops"
    agent    = true # $SSH_AUTH_SOCK
    host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP5LkHJAegdrCqlHlDCE4hKxrhgSgrPxwVJKCtDXF+El"
    timeout  = "2m"
    bastion {
      host             = "jump.example.net"
      known_hosts_file = "~/.ssh/known_hosts"
    }
  }
  max_sessions_per_host = 4 # stay under sshd's MaxSessions (default 10)
}
