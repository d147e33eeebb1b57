# args:
# Prints, for each Redis server program on the PATH, a section named after it with the first
# line of its --version (server.go's InstalledServers). Nothing secret.
for s in redis-server valkey-server; do
  if command -v "$s" >/dev/null 2>&1; then echo "@@$s"; "$s" --version 2>&1 | head -n 1; fi
done
