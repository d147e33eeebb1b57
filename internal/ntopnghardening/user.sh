# args: NTOPNG_USER DATA_DIR REAL_DIR USER_GROUPS
# EnsureUser's script (live.go): creates NTOPNG_USER and the group ntop when missing, gives it
# the data directory (DATA_DIR as configured, REAL_DIR the same with its trusted links
# resolved by GuardPath: the script works on the directory it entered, cd -P checked with
# pwd -P, and changes "." only, so a swap after the check cannot redirect the chown), and
# adds the supplementary groups USER_GROUPS (one per line).
set -e
getent group ntop >/dev/null || groupadd --system ntop
if ! getent passwd "$NTOPNG_USER" >/dev/null; then
  useradd --system --gid ntop --no-create-home --home-dir "$DATA_DIR" --shell /usr/sbin/nologin --comment 'ntopng' "$NTOPNG_USER"
fi
mkdir -p -- "$REAL_DIR"
cd -P -- "$REAL_DIR"
if [ "$(pwd -P)" != "$REAL_DIR" ]; then echo "data_dir $DATA_DIR changed while it was prepared (it leads to $(pwd -P) now); its owner was not changed" >&2; exit 4; fi
chown "$NTOPNG_USER":"$(id -gn "$NTOPNG_USER")" .
chmod 0700 .
set -f
IFS='
'
for g in $USER_GROUPS; do
  getent group "$g" >/dev/null || { echo "group $g does not exist" >&2; exit 3; }
  id -Gn "$NTOPNG_USER" | tr ' ' '\n' | grep -qx "$g" || usermod -a -G "$g" "$NTOPNG_USER"
done
