# args:
# Runs redis-cli, or valkey-cli where there is no redis-cli (Debian 13's Valkey ships only
# valkey-cli), with the script's own arguments ("$@", never a secret: those go on standard
# input), and keeps no history.
cli=redis-cli
command -v redis-cli >/dev/null 2>&1 || cli=valkey-cli
REDISCLI_HISTFILE=/dev/null VALKEYCLI_HISTFILE=/dev/null exec "$cli" "$@"
