# args: NMAP REVOKE_NMAP NTOPNG_USER REVOKE_JOURNAL GROUP
# RevokeLive's script (grants.go): each grant asked for (REVOKE_NMAP: NMAP's file
# capabilities; REVOKE_JOURNAL: NTOPNG_USER's membership of GROUP; "1" or "") is checked
# again and taken back when the host still has it, saying so on standard output with the
# lines of grants.go's didNmap and didJournal. setcap runs on NMAP only when it is a regular
# file owned by root (never through a link: setcap follows them).
set -e
PATH=$PATH:/usr/sbin:/sbin
if [ -n "$REVOKE_NMAP" ] && [ -n "$(getcap "$NMAP" 2>/dev/null)" ]; then
  if [ -L "$NMAP" ] || [ ! -f "$NMAP" ] || [ "$(stat -c %u "$NMAP")" != 0 ]; then echo "$NMAP is not a regular file owned by root: its capabilities were not changed" >&2; exit 3; fi
  if setcap -r "$NMAP"; then echo 'took: nmap capabilities'; elif [ -n "$(getcap "$NMAP" 2>/dev/null)" ]; then exit 5; fi
fi
member() { id -nG "$NTOPNG_USER" 2>/dev/null | tr ' ' '\n' | grep -qx "$GROUP"; }
if [ -n "$REVOKE_JOURNAL" ] && member; then
  if gpasswd -d "$NTOPNG_USER" "$GROUP" >/dev/null; then echo 'took: journal membership'; elif member; then exit 6; fi
fi
