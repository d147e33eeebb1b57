#!/usr/bin/env bash
# make demo: harden a throwaway Debian host with examples/quickstart, end to end.
#
# Boots the sandbox host of $NTOPNG_SANDBOX_RELEASE (default debian13; also debian11, debian12,
# debian13-valkey): systemd, the release's stock redis-server (or valkey-server) package, ntop's
# real ntopng built on that release as ntop's Debian package installs it (from $NTOPNG_DIST or
# ../shared/ntopng/RELEASE/), on a network link of its own; shows how open it is, runs real terraform on a copy of
# examples/quickstart with the provider built from this checkout, shows the result, edits
# files on the host behind Terraform's back and shows terraform plan catching it. Offline:
# no provider is downloaded; the certificate comes from openssl, the Redis password from
# /dev/urandom. The sandbox is stopped at the end, also on failure or Ctrl-C.
set -euo pipefail

STEPS=10
step_no=0
step() {
	if [ -n "$sandbox_pid" ] && ! kill -0 "$sandbox_pid" 2>/dev/null; then
		die "the sandbox host stopped before step $((step_no + 1)) (interrupted?)"
	fi
	step_no=$((step_no + 1))
	printf '\n==> step %d/%d: %s\n' "$step_no" "$STEPS" "$*"
}
note() { printf '    %s\n' "$*"; }
die() {
	printf '==> demo failed: %s\n' "$*" >&2
	exit 1
}

if [ "$(id -u)" != 0 ]; then
	echo "make demo must run as root: the sandbox host is booted with systemd-nspawn on an overlay mount." >&2
	echo "Run: sudo make demo" >&2
	exit 1
fi
for tool in go terraform openssl ssh ss curl; do
	command -v "$tool" >/dev/null || die "$tool is not on PATH (make deps installs the Debian packages; Go and Terraform >= 1.11 must be installed first)"
done

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
started=$SECONDS
work=$(mktemp -d /tmp/ntopng-demo-XXXXXX)
sandbox_pid=""
cleaned=""

# cleanup stops the sandbox by its PID (SIGTERM, then wait: it shuts the container down,
# unmounts its overlay and removes its folder) and removes the demo's temporary files.
cleanup() {
	[ -n "$cleaned" ] && return
	cleaned=1
	if [ -n "$sandbox_pid" ] && kill -0 "$sandbox_pid" 2>/dev/null; then
		echo "==> stopping the sandbox host (pid $sandbox_pid)"
		kill -TERM "$sandbox_pid" 2>/dev/null || true
		wait "$sandbox_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
# on_exit runs cleanup on every exit: success, a failed step, Ctrl-C or SIGTERM.
on_exit() {
	local rc=$?
	cleanup
	if [ "$rc" != 0 ]; then
		echo "==> demo ended at step $step_no/$STEPS with exit code $rc; the sandbox host is stopped and the temporary files are removed" >&2
	fi
}
trap on_exit EXIT
trap 'echo; echo "==> interrupted"; exit 130' INT
trap 'echo "==> terminated"; exit 143' TERM

color=()
[ -t 1 ] || color=(-no-color)
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

step "build the provider and the sandbox command from this checkout"
go build -o "$work/plugins/terraform-provider-ntopng" .
# Not -trimpath: the sandbox command finds the default ntopng tarball (../shared/ntopng beside
# this checkout) through its own source path.
go build -o "$work/ntopng-sandbox" ./internal/sandbox/cmd/ntopng-sandbox
# dev_overrides and no installation method: Terraform uses this build and downloads nothing.
cat >"$work/terraformrc" <<EOF
provider_installation {
  dev_overrides {
    "hardenops/ntopng" = "$work/plugins"
  }
}
EOF
export TF_CLI_CONFIG_FILE="$work/terraformrc"
note "provider: $work/plugins/terraform-provider-ntopng (dev_overrides in $TF_CLI_CONFIG_FILE)"

step "generate the HTTPS certificate (openssl, EC P-256) and the Redis password (/dev/urandom)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 90 \
	-keyout "$work/web-key.pem" -out "$work/web-cert.pem" \
	-subj /CN=probe.demo -addext subjectAltName=DNS:probe.demo 2>/dev/null
redis_password=$(head -c 4096 /dev/urandom | tr -dc 'A-Za-z0-9' | cut -c1-48)
[ "${#redis_password}" = 48 ] || die "could not make a 48-character password from /dev/urandom"
# ntopng's login form reads at most 31 characters.
web_admin_password=$(head -c 4096 /dev/urandom | tr -dc 'A-Za-z0-9' | cut -c1-31)
[ "${#web_admin_password}" = 31 ] || die "could not make a 31-character password from /dev/urandom"
note "certificate: $(openssl x509 -in "$work/web-cert.pem" -noout -subject), $(openssl x509 -in "$work/web-cert.pem" -noout -enddate)"
note "Redis password: 48 random letters and digits (not shown; never stored in the state)"
note "web password of admin: 31 random letters and digits (not shown; never stored in the state)"

release=${NTOPNG_SANDBOX_RELEASE:-debian13}
step "boot the throwaway $release sandbox host, a machine of its own on a link of its own (the first run builds its image: a few minutes)"
: >"$work/sandbox.log"
"$work/ntopng-sandbox" -release "$release" -env "$work/sandbox.env" >"$work/sandbox.out" 2>>"$work/sandbox.log" &
sandbox_pid=$!
# Show the sandbox's progress lines (the image build, the boot) until its facts appear.
shown=0
show_progress() {
	local n
	n=$(wc -l <"$work/sandbox.log")
	if [ "$n" -gt "$shown" ]; then
		sed -n "$((shown + 1)),${n}p" "$work/sandbox.log" | sed 's/^/    | /'
		shown=$n
	fi
}
while [ ! -f "$work/sandbox.env" ]; do
	if ! kill -0 "$sandbox_pid" 2>/dev/null; then
		wait "$sandbox_pid" || true
		sandbox_pid=""
		show_progress
		die "the sandbox host did not come up (its messages are above)"
	fi
	show_progress
	sleep 0.5
done
show_progress
# shellcheck disable=SC1091
. "$work/sandbox.env"
note "sandbox up ($SANDBOX_RELEASE, $SANDBOX_REDIS_SERVER): ssh root@$SANDBOX_ADDR, host key $SANDBOX_HOST_KEY_FINGERPRINT; this machine is $SANDBOX_LINK_ADDR on its link"
# HTTPS on port 443 of the sandbox's own address, as on a real probe's management address.
https_listen="$SANDBOX_ADDR:443"
note "HTTPS will listen on $https_listen"

# remote runs a shell command on the sandbox host over SSH, with its pinned host key, and
# leaves its output (stdout and stderr) in $out. It ends the demo when SSH itself fails.
remote() {
	local rc=0
	out=$(ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$SANDBOX_KNOWN_HOSTS_FILE" \
		-o LogLevel=ERROR -i "$SANDBOX_ROOT_KEY_FILE" -p "$SANDBOX_PORT" "root@$SANDBOX_ADDR" "$1" 2>&1) || rc=$?
	if [ "$rc" = 255 ]; then
		# The sandbox command removes its facts file first when it stops (Ctrl-C reaches it too).
		[ -f "$work/sandbox.env" ] || die "the sandbox host is stopping (interrupted?)"
		die "cannot reach the sandbox host over SSH to run: $1: $out"
	fi
}
# port_state says whether a TCP port of the sandbox accepts connections from this machine.
port_state() {
	if (exec 3<>"/dev/tcp/$SANDBOX_ADDR/$1") 2>/dev/null; then echo "open"; else echo "closed (connection refused)"; fi
}
# listeners shows the TCP listeners of ntopng (whose main thread renames itself ntopng-main
# once it runs) and of the Redis server on the sandbox host.
listeners() {
	remote "ss -Htlnp | grep -E 'users:\(\(\"(ntopng|ntopng-main|$SANDBOX_REDIS_SERVER-server)\"' | awk '{print \$4, \$6}'"
	printf '%s\n' "$out" | sed 's/^/      /'
}

# least_privilege shows what limits ntopng beyond its user: its unit's confinement (the exposure
# figure of systemd-analyze security) and what ntop's package grants (nmap's file capabilities,
# ntopng in systemd-journal, the sudoers rule for ntopctl).
least_privilege() {
	remote "systemd-analyze security ntopng.service 2>/dev/null | tail -n 1"
	note "systemd-analyze security ntopng.service: $out"
	remote "getcap /usr/bin/nmap 2>/dev/null || true"
	note "getcap /usr/bin/nmap: ${out:-(no file capabilities)}"
	remote "id -nG ntopng"
	note "groups of ntopng: $out"
	remote "cat /etc/sudoers.d/ntopng 2>/dev/null | grep -v '^#' || echo '(no /etc/sudoers.d/ntopng)'"
	note "/etc/sudoers.d/ntopng: $out"
}

# captured_packets prints how many packets ntopng has captured on its first interface and that
# interface's name ("N IFNAME"), from ntopng's REST API over HTTPS as admin: the certificate is
# checked against the generated one, and the password goes to curl on its standard input, never
# on a command line.
captured_packets() {
	local json
	json=$(printf 'user = "admin:%s"\n' "$web_admin_password" |
		curl -sS --max-time 10 -K - --cacert "$work/web-cert.pem" --resolve "probe.demo:443:$SANDBOX_ADDR" \
			"https://probe.demo/lua/rest/v2/get/interface/data.lua?ifid=0")
	echo "$(grep -oE '[{,]"packets":[0-9]+' <<<"$json" | head -n 1 | grep -oE '[0-9]+$')" \
		"$(grep -oE '[{,]"ifname":"[^"]*"' <<<"$json" | head -n 1 | cut -d '"' -f 4)"
}

# audit runs the ntopng_audit data source alone (a configuration with nothing else) and prints
# its findings: the hardening checklist of the host as the provider sees it.
audit() {
	mkdir -p "$work/audit"
	cat >"$work/audit/main.tf" <<EOF
terraform {
  required_providers {
    ntopng = { source = "hardenops/ntopng" }
  }
}
provider "ntopng" {
  ssh {
    user        = "root"
    port        = $SANDBOX_PORT
    private_key = file("$SANDBOX_ROOT_KEY_FILE")
    host_key    = "$SANDBOX_HOST_KEY"
  }
}
data "ntopng_audit" "probe" {
  host = "$SANDBOX_ADDR"
}
output "audit" {
  value = join("\\n", [for f in data.ntopng_audit.probe.findings : format("%-14s %-22s %s", f.status, f.id, f.summary)])
}
output "score" {
  value = data.ntopng_audit.probe.score
}
EOF
	(cd "$work/audit" && terraform apply -auto-approve -no-color >/dev/null && terraform output -raw audit && echo &&
		echo "score: $(terraform output -raw score) / 100") | sed 's/^/      /' || die "the ntopng_audit data source failed"
}

step "BEFORE: the stock, insecure host"
remote 'ntopng --version | sed -n "s/^Version:[[:space:]]*//p; s/^GIT rev:[[:space:]]*/commit /p" | tr "\n" " "'
note "ntopng: $out(ntop's own build, installed as ntop's Debian package does)"
note "ntopng_audit, the hardening checklist (data source):"
audit
note "TCP listeners of ntopng and $SANDBOX_REDIS_SERVER-server (ss -tlnp):"
listeners
remote "$SANDBOX_REDIS_CLI -p $SANDBOX_STOCK_REDIS_PORT ping"
note "$SANDBOX_REDIS_CLI -p $SANDBOX_STOCK_REDIS_PORT ping (no password):  $out"
remote 'ps -o user= -p "$(systemctl show -p MainPID --value ntopng)"; stat -c "%U:%G %a" /etc/ntopng /etc/ntopng/ntopng.conf | tr "\n" " "'
note "ntopng.service's main process runs as: $(echo "$out" | head -n 1); /etc/ntopng, ntopng.conf: $(echo "$out" | tail -n 1) (the service account owns its configuration)"
note "least privilege, stock:"
least_privilege
note "stock HTTP port $SANDBOX_ADDR:$SANDBOX_STOCK_HTTP_PORT: $(port_state "$SANDBOX_STOCK_HTTP_PORT")"

step "terraform apply on a copy of examples/quickstart"
cp -r examples/quickstart "$work/quickstart"
rm -f "$work/quickstart/demo.sh" "$work/quickstart/README.md"
cd "$work/quickstart"
export TF_VAR_host="$SANDBOX_ADDR" TF_VAR_ssh_port="$SANDBOX_PORT" TF_VAR_ssh_user=root \
	TF_VAR_redis_group="$SANDBOX_REDIS_SERVER" TF_VAR_web_allowed_networks="[\"$SANDBOX_LINK_ADDR/32\", \"$SANDBOX_ADDR/32\"]" \
	TF_VAR_private_key_file="$SANDBOX_ROOT_KEY_FILE" TF_VAR_host_key="$SANDBOX_HOST_KEY" \
	TF_VAR_https_listen="$https_listen" TF_VAR_redis_password="$redis_password" \
	TF_VAR_web_admin_password="$web_admin_password"
TF_VAR_certificate_pem=$(cat "$work/web-cert.pem")
TF_VAR_private_key_pem=$(cat "$work/web-key.pem")
export TF_VAR_certificate_pem TF_VAR_private_key_pem
note "no terraform init: with dev_overrides Terraform uses the build above directly"
note "(on a real install, terraform init fetches hardenops/ntopng from the Registry)"
terraform validate "${color[@]}" >/dev/null
terraform apply -auto-approve -compact-warnings "${color[@]}"
cd "$repo"

step "AFTER: the hardened host"
note "TCP listeners of ntopng and $SANDBOX_REDIS_SERVER-server (ss -tlnp): only ntopng on $https_listen"
listeners
[[ "$out" != *"$SANDBOX_REDIS_SERVER-server"* && "$out" == *"$https_listen "* ]] || die "unexpected listeners after the apply"
remote "$SANDBOX_REDIS_CLI -p $SANDBOX_STOCK_REDIS_PORT ping"
note "$SANDBOX_REDIS_CLI -p $SANDBOX_STOCK_REDIS_PORT ping:  $out"
remote "$SANDBOX_REDIS_CLI -s $SANDBOX_REDIS_SOCKET ping"
note "$SANDBOX_REDIS_CLI -s $SANDBOX_REDIS_SOCKET ping (no password):  $out"
[[ "$out" == NOAUTH* ]] || die "Redis did not refuse an unauthenticated client"
served=$(openssl s_client -connect "$https_listen" </dev/null 2>/dev/null | openssl x509 -noout -subject -fingerprint -sha256 2>/dev/null || true)
[ -n "$served" ] || die "nothing serves TLS on $https_listen"
expected=$(openssl x509 -in "$work/web-cert.pem" -noout -subject -fingerprint -sha256)
note "openssl s_client -connect $https_listen serves: $(echo "$served" | tr '\n' ' ')"
note "expected (the generated certificate):          $(echo "$expected" | tr '\n' ' ')"
[ "$served" = "$expected" ] || die "the HTTPS server does not serve the generated certificate"
note "stock HTTP port $SANDBOX_ADDR:$SANDBOX_STOCK_HTTP_PORT: $(port_state "$SANDBOX_STOCK_HTTP_PORT")"
remote 'echo "$(ps -o user= -p "$(systemctl show -p MainPID --value ntopng)"), groups: $(id -nG ntopng)"'
note "ntopng.service's main process runs as: $out"
[[ "$out" == "ntopng, groups: "*"$SANDBOX_REDIS_SERVER"* ]] || die "ntopng does not run as user ntopng in group $SANDBOX_REDIS_SERVER"
note "least privilege, after (ntopng_instance confinement and revoke_package_grants, by default):"
least_privilege
remote "getcap /usr/bin/nmap 2>/dev/null || true"
[ -z "$out" ] || die "nmap still has file capabilities: $out"
read -r before ifname <<<"$(captured_packets)"
remote "true" # a login: packets on the sandbox's link
sleep 2
read -r after _ <<<"$(captured_packets)"
note "ntopng captures on $ifname (its REST API, as admin over HTTPS): $before packets, then $after after one more SSH login"
[[ "$before" =~ ^[0-9]+$ && "$after" =~ ^[0-9]+$ && "$after" -gt "$before" ]] || die "ntopng does not capture: packets $before, then $after"
status=$(cd "$work/quickstart" && terraform output -raw ntopng_redis_status)
note "ntopng reaches its Redis with the password and socket of its file (redis_status): $status"
[ "$status" = ok ] || die "ntopng_instance.redis_status is \"$status\", not ok"
note "ntopng_audit after the apply (the quickstart's check block runs it on every plan):"
(cd "$work/quickstart" && terraform output -raw audit && echo && echo "score: $(terraform output -raw audit_score) / 100") | sed 's/^/      /'

step "DRIFT: edit files on the host behind Terraform's back"
note "re-enable Redis on TCP:  sed -i 's/^port 0\$/port 6379/' $SANDBOX_REDIS_CONF"
remote "sed -i 's/^port 0\$/port 6379/' $SANDBOX_REDIS_CONF && grep -n '^port ' $SANDBOX_REDIS_CONF"
note "  $SANDBOX_REDIS_CONF now: $out"
[[ "$out" == *"port 6379"* ]] || die "redis.conf had no line 'port 0' to change"
note "re-enable ntopng's HTTP: echo --http-port=3000 >> /etc/ntopng/ntopng.conf"
remote "echo --http-port=3000 >> /etc/ntopng/ntopng.conf && tail -n 1 /etc/ntopng/ntopng.conf"
note "  ntopng.conf now ends with: $out"

step "terraform plan -detailed-exitcode catches the drift"
cd "$work/quickstart"
rc=0
terraform plan -detailed-exitcode -compact-warnings "${color[@]}" || rc=$?
case $rc in
2) echo "==> plan caught the drift: exit code 2 (changes to apply)" ;;
0) die "terraform plan found no changes after the edits on the host" ;;
*) die "terraform plan failed (exit code $rc)" ;;
esac

step "terraform apply repairs the drift; the next plan is empty"
terraform apply -auto-approve -compact-warnings "${color[@]}"
rc=0
terraform plan -detailed-exitcode "${color[@]}" >/dev/null || rc=$?
if [ "$rc" != 0 ]; then
	terraform plan "${color[@]}" || true
	die "terraform plan after the repair exited $rc instead of 0 (the plan is above)"
fi
note "terraform plan -detailed-exitcode: exit code 0, no changes"
remote "grep '^port ' $SANDBOX_REDIS_CONF; grep -E '^--https?-port' /etc/ntopng/ntopng.conf"
note "on the host again: $(echo "$out" | tr '\n' ' ')"
cd "$repo"

step "stop the sandbox host"
cleanup
echo
echo "==> demo done in $((SECONDS - started))s: the stock host became HTTPS-only on $https_listen, Redis socket-only behind a password, ntopng running as ntopng; plan caught the drift and apply repaired it."
