# args:
# Prints every listening TCP socket: `ss -Htlnp` after "@@ss" when ss exists, otherwise the
# raw /proc/net/tcp and tcp6 tables after "@@proc". It takes no input and holds no secret.
if command -v ss >/dev/null 2>&1; then echo '@@ss'; ss -Htlnp; else echo '@@proc'; cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; fi
