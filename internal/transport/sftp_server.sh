# args: SERVER
# Starts the SFTP server (sftp.go's sftpCommand) with umask 077, so that every file it creates
# is born 0600: SERVER when given (a path; one that starts with "-" comes as "./-..."), else
# the first sftp-server found in the usual places.
umask 077
if [ -n "$SERVER" ]; then exec "$SERVER"; fi
for p in /usr/lib/openssh/sftp-server /usr/libexec/openssh/sftp-server /usr/lib/ssh/sftp-server /usr/libexec/sftp-server /usr/lib/sftp-server; do [ -x "$p" ] && exec "$p"; done
echo "no sftp-server found" >&2
exit 127
