#!/usr/bin/env bash
# build-cli.sh TOOL VERSION: builds a Terraform-compatible CLI from its Go module, pinned, into
#   $NTOPNG_CLI_CACHE/TOOL-VERSION/TOOL   (default cache: /var/cache/terraform-provider-ntopng)
# and prints that path. TOOL is `tofu` (github.com/opentofu/opentofu, ./cmd/tofu) or `terraform`
# (github.com/hashicorp/terraform). `make test` runs it before the tests so that the acceptance
# tests can run through OpenTofu and an older Terraform; the tests themselves download nothing.
#
# The module comes from the Go module proxy (`go mod download`), outside this project's go.mod,
# and is built in a copy of its folder (`go install pkg@version` refuses modules with replace
# directives). A finished binary is reused; two builds never run at once (flock), and a failed
# one leaves nothing behind. The first build takes a few minutes (see the README).
set -euo pipefail
tool=${1:?usage: build-cli.sh tofu|terraform VERSION}
version=${2:?usage: build-cli.sh tofu|terraform VERSION}
cache=${NTOPNG_CLI_CACHE:-/var/cache/terraform-provider-ntopng}
case $tool in
  tofu) module=github.com/opentofu/opentofu pkg=./cmd/tofu ;;
  terraform) module=github.com/hashicorp/terraform pkg=. ;;
  *) echo "build-cli.sh: unknown tool $tool (tofu or terraform)" >&2; exit 2 ;;
esac
final=$cache/$tool-$version
if [ -x "$final/$tool" ]; then echo "$final/$tool"; exit 0; fi
mkdir -p "$cache"
exec 9>"$final.lock"
flock 9
if [ -x "$final/$tool" ]; then echo "$final/$tool"; exit 0; fi # built while we waited

work=$(mktemp -d "$cache/$tool-$version.tmp-XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
start=$(date +%s)
echo "==> building $tool $version from $module (first time only; a few minutes)" >&2
export GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0
dir=$(cd "$work" && go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$dir" ] || { echo "build-cli.sh: go mod download $module@$version gave no folder" >&2; exit 1; }
cp -r "$dir" "$work/src"
chmod -R u+w "$work/src"
cd "$work/src"
if [ "$tool" = terraform ]; then
  # Terraform's module zip lacks its nested modules (the remote-state backends s3, gcs,
  # azurerm, ... (oci since 1.13) and internal/legacy) that go.mod replaces with local folders.
  # The tests use the local backend only: drop those backends from the build.
  nested='internal/backend/remote-state/(azure|consul|cos|gcs|kubernetes|oci|oss|pg|s3)|internal/legacy'
  grep -Ev "github.com/hashicorp/terraform/($nested)( |$)" go.mod > go.mod.new && mv go.mod.new go.mod
  grep -Ev '^\s*(backend(Azure|Consul|Cos|GCS|Kubernetes|OCI|OSS|Pg|S3) "|"(azurerm|consul|cos|gcs|kubernetes|oci|oss|pg|s3)": )' \
    internal/backend/init/init.go > init.go.new && mv init.go.new internal/backend/init/init.go
fi
go build -trimpath -ldflags "-s -w -X $module/version.dev=no" -o "$work/bin/$tool" "$pkg"
"$work/bin/$tool" version >&2
mv "$work/bin" "$final.tmp" && mv "$final.tmp" "$final"
echo "==> built $final/$tool in $(( $(date +%s) - start )) s" >&2
echo "$final/$tool"
