# args: NMAP SUDOERS CRON UPDATER_CONF
# The grants probe (grants.go's GrantsProbe; run alone, or as a probe of livecheck's unit
# check): prints what ParseGrants reads: the capabilities of NMAP (never through a symbolic
# link), SUDOERS's lines, each behind "| ", and CRON's, each behind "c| " (so that no line of
# a file can pass for a line of the probe, or for a section marker), and the Redis that ntop's
# updater finds in UPDATER_CONF, parsed with the updater's own pipeline
# (ntopng-utils-manage-config -a print-redis-info, then its cuts), printing whether a
# password is there, never the password (it goes through pipes and shell built-ins only,
# never a command line). It runs as the login (root, or through sudo), and must not exit.
PATH=$PATH:/usr/sbin:/sbin
n=$NMAP
if [ -L "$n" ]; then echo 'nmap=!link'
elif [ ! -e "$n" ]; then echo 'nmap=!absent'
elif ! command -v getcap >/dev/null 2>&1; then echo 'nmap=!nogetcap'
else printf 'nmap=%s\n' "$(getcap "$n" 2>&1 | head -c 512 | tr '\n' ' ')"
fi
s=$SUDOERS
if [ -e "$s" ] || [ -L "$s" ]; then
  echo 'sudoers=present'
  head -c 4096 "$s" 2>&1 | sed 's/^/| /'
else echo 'sudoers=absent'
fi
c=$CRON
if [ -e "$c" ] || [ -L "$c" ]; then
  echo 'cron=present'
  head -c 4096 "$c" 2>&1 | sed 's/^/c| /'
else echo 'cron=absent'
fi
u=$UPDATER_CONF
# shellcheck disable=SC2086 # $i unquoted: the updater's own pipeline, word splitting and all
if [ -f "$u" ] && [ ! -L "$u" ] && [ "$(grep -v "#" "$u" | grep -c "\-r[= ]\|\-\-redis" 2>/dev/null)" = 1 ]; then
  i=$(grep -v "#" "$u" | grep "\-r[= ]\|\-\-redis" 2>/dev/null | awk -F"[= ]" '{print $NF}' | sed s/\"//g | sed s/\'//g)
  h=$(echo $i | cut -d'=' -f2 | cut -d'@' -f1 | cut -d':' -f1)
  p=$(echo $i | cut -d'=' -f2 | cut -d'@' -f1 | cut -d':' -f2 -s)
  w=$(echo $i | cut -d'=' -f2 | cut -d'@' -f1 | cut -d':' -f3 -s)
  printf 'updater=%s:%s password=%s\n' "$h" "$p" "$([ -n "$w" ] && echo yes || echo no)"
else echo 'updater=none'
fi
:
