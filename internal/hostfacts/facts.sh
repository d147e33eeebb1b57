# args: USERS
# What the ntopng_host data source reports (hostfacts.go runs it, livecheck's listeners.sh
# right after it): every fact in a section that starts with an "@@" marker line; the
# listeners come last. USERS are the user names to look up, one per line (the caller refuses
# odd ones). It holds no secret and changes nothing.
echo '@@hostname'; cat /proc/sys/kernel/hostname 2>/dev/null || hostname
echo '@@os-release'; cat /etc/os-release 2>/dev/null
echo '@@ntopng'; if command -v ntopng >/dev/null 2>&1; then timeout 10 ntopng --version 2>&1 | head -n 3; fi
echo '@@redis'; if command -v redis-server >/dev/null 2>&1; then redis-server --version 2>&1 | head -n 1; elif command -v valkey-server >/dev/null 2>&1; then valkey-server --version 2>&1 | head -n 1; fi
set -f
ifs=$IFS
IFS='
'
for u in $USERS; do
  printf '@@user %s\n' "$u"; if getent passwd "$u"; then id -Gn "$u"; fi
done
IFS=$ifs
set +f
echo '@@listeners'
