# args: LOCK_PATH WAIT IDLE
# The host-side lock holder (hostlock.go's lockOnHost): takes an exclusive flock on LOCK_PATH
# (waiting at most WAIT seconds), prints "locked" and holds the lock until its standard input
# ends or stays silent for IDLE seconds (the heartbeats are dots). Without root (no sudo,
# non-root login: /run is not writable) or without flock it prints "nolock"; a lock still
# held by another after WAIT is "busy".
umask 077
if [ "$(id -u)" != 0 ] || ! command -v flock >/dev/null 2>&1; then echo nolock; exit 0; fi
exec 9>>"$LOCK_PATH" || exit 3
flock -w "$WAIT" 9 || { echo busy; exit 4; }
echo locked
if command -v timeout >/dev/null 2>&1; then
  while [ "$(timeout "$IDLE" head -c1)" = . ]; do :; done
else
  cat >/dev/null
fi
