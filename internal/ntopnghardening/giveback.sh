# args: NMAP CAPS GIVE_NMAP NTOPNG_USER GIVE_JOURNAL GROUP
# Gives back what revoke.sh took (grants.go's RevokeLive, for an apply that then fails), and
# nothing else: NMAP's capabilities CAPS (GIVE_NMAP; never through a link) and NTOPNG_USER's
# membership of GROUP (GIVE_JOURNAL); "1" or "".
set -e
PATH=$PATH:/usr/sbin:/sbin
if [ -n "$GIVE_NMAP" ]; then [ -L "$NMAP" ] || setcap "$CAPS" "$NMAP"; fi
if [ -n "$GIVE_JOURNAL" ]; then gpasswd -a "$NTOPNG_USER" "$GROUP" >/dev/null; fi
