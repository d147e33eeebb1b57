# args:
# Gives each path after the arguments ("$@") to root (live.go's GiveToRoot): owner root, never
# following a symbolic link, and no write permission for group and others (links have none).
for p; do chown -h -- 0 "$p" || exit 1; [ -L "$p" ] || chmod -- go-w "$p" || exit 1; done
