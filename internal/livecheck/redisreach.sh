# args: REDIS_NET REDIS_ADDR REDIS_PORT
# Follows unitcheck.sh (and the probes) when the Redis question is asked on the host, the
# fallback of the SSH tunnel (unitcheck.go's unitCheck): it asks that Redis, as a client
# configured like ntopng, whether it answers. It prints "@@redis" and the replies of redis-cli
# to the commands on the script's standard input (descriptor 3: AUTH with the password,
# SELECT, PING), or "@@nocli" when the host has neither redis-cli nor valkey-cli (Debian 13's
# Valkey ships only valkey-cli). The password is only ever on standard input. What the Redis
# answers is cut at 4 KiB: the file may name a server another account runs; it is the last
# section (hostscript.Sections reads it raw, so no answer can pass for a marker). The Redis
# question does not need ntopng's processes: it is asked on hosts without systemd too.
# REDIS_NET is unix (REDIS_ADDR the socket) or tcp (REDIS_ADDR the host, REDIS_PORT the port).
printf '\n@@redis\n'
cli=redis-cli
command -v redis-cli >/dev/null 2>&1 || cli=valkey-cli
export REDISCLI_HISTFILE=/dev/null VALKEYCLI_HISTFILE=/dev/null
if ! command -v $cli >/dev/null 2>&1; then echo '@@nocli'
elif [ "$REDIS_NET" = unix ]; then $cli --no-raw -s "$REDIS_ADDR" <&3 2>&1 | head -c 4096
else $cli --no-raw -h "$REDIS_ADDR" -p "$REDIS_PORT" <&3 2>&1 | head -c 4096
fi
:
