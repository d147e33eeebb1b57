# args: MODE UNIT BOOTED PIDFILE CONF NTOPNG_UID PROPS NAMES
# The unit check (unitcheck.go runs it): prints the socket descriptors of a set of processes
# as "/proc/PID/fd socket:[INODE]" after "@@sockets", then "@@tcp", after which withTables
# puts the listeners of the kernel's TCP tables (read through SFTP, not by a cat: see
# hostTables). The processes are chosen by MODE:
#
#   - MODE=unit: the processes of a service. Where systemd runs (the directory BOOTED,
#     /run/systemd/system, exists: sd_booted's test; and systemctl is there), the unit's
#     processes the way the service manager knows them: every PID in UNIT's control group
#     (cgroup v2, or v1's systemd hierarchy), or, where that cannot be read, the unit's main
#     PID and its descendants. It first prints "@@unit" and the unit's ActiveState, MainPID
#     and ControlGroup as `systemctl show` gives them. A local process that merely calls
#     itself ntopng is in no unit's cgroup, so it neither hides nor fakes the real one. Where
#     systemd does not run (init scripts, containers), it prints "@@pidfile", PIDFile=PIDFILE,
#     Systemd=WHY (why systemd was not asked), and either MainPID=N (the PID in PIDFILE, the
#     --pid of ntopng's configuration, and its descendants; 0 when the file names a process
#     that is gone) or NotChecked=WHY. The file is read as root, so it is not read when it is
#     a symbolic link or not a regular file, never more than 32 bytes, and without blocking (a
#     FIFO swapped in). Its PID is trusted only for a process that is ntopng started with
#     CONF: its program (/proc/PID/exe) is named ntopng, owned by root and writable by nobody
#     else, it runs as root or as NTOPNG_UID (the user the configuration makes ntopng drop
#     to), and one of its arguments is CONF. A local user's process, the real binary run by a
#     local user, or another instance's ntopng is NotChecked, never taken for this ntopng.
#     With PROPS (a comma-separated list of `systemctl show` properties), it also prints those
#     properties of the unit and, of its main process, ProcNoNewPrivs= and ProcSeccomp= (from
#     /proc/PID/status: what the running process really has), in the same "@@unit" section.
#   - MODE=name: every process whose /proc/PID/comm is one of NAMES (newline-separated; any
#     local user can pick such a name: used only where no unit is known).
#
# Small files (cgroup.procs, /proc/PID/task/TID/children) are read with the shell's own read,
# never a cat: every process started on the host is paid on every plan (see make bench).
# Unlike `ss -p` it looks only at those processes' descriptors, not at every process on the
# host. The descriptors of all of them are read by ONE GNU find (a readlink per descriptor
# cost a process start each: with a busy ntopng that was most of a plan's server-side CPU,
# see make bench); where find has no -printf (busybox) it falls back to readlink per
# descriptor. Its standard input is kept on descriptor 3 for redisreach.sh, which may follow.
exec 3<&0 </dev/null
pids='' extra=$PROPS
case $MODE in
unit)
  main=0
  if [ -d "$BOOTED" ] && command -v systemctl >/dev/null 2>&1; then
    # One systemctl for the unit's facts and the extra properties; split on lines only, no
    # globbing: a property's value may hold spaces or a "*".
    facts=$(systemctl show -p ActiveState -p MainPID -p ControlGroup ${extra:+-p "$extra"} "$UNIT") || exit 3
    echo '@@unit'
    printf '%s\n' "$facts"
    cg=
    set -f; ifs=$IFS; IFS='
'
    for kv in $facts; do
      case $kv in MainPID=*) main=${kv#*=};; ControlGroup=*) cg=${kv#*=};; esac
    done
    IFS=$ifs; set +f
    if [ -n "$extra" ] && [ "$main" != 0 ] && [ -r "/proc/$main/status" ]; then
      while IFS= read -r l || [ -n "$l" ]; do
        case $l in NoNewPrivs:*|Seccomp:*) v=${l#*:}; v=${v#"${v%%[![:space:]]*}"}; printf 'Proc%s=%s\n' "${l%%:*}" "$v";; esac
      done < "/proc/$main/status"
    fi
    if [ -n "$cg" ]; then
      for f in "/sys/fs/cgroup$cg/cgroup.procs" "/sys/fs/cgroup/unified$cg/cgroup.procs" "/sys/fs/cgroup/systemd$cg/cgroup.procs"; do
        if [ -r "$f" ]; then
          while read -r p || [ -n "$p" ]; do pids="$pids $p"; done < "$f"
          break
        fi
      done
    fi
  else
    echo '@@pidfile'
    f=$PIDFILE why='' p=''
    printf 'PIDFile=%s\n' "$f"
    if [ -z "$f" ]; then why="ntopng's configuration names no PID file (--pid)"
    elif [ -L "$f" ]; then why="the PID file $f is a symbolic link (not followed)"
    elif [ ! -e "$f" ]; then why="the PID file $f does not exist (ntopng is not running, or was started with another PID file)"
    elif [ ! -f "$f" ]; then why="the PID file $f is not a regular file"
    elif ! p=$(dd if="$f" bs=32 count=1 iflag=nonblock 2>/dev/null); then why="the PID file $f cannot be read without blocking (no GNU dd)"
    else
      p=$(printf '%s' "$p" | tr -d '\n')
      case $p in
      ''|0*|*[!0-9]*) why="the PID file $f holds no PID";;
      *)
        if [ ! -d "/proc/$p" ]; then main=0
        else
          exe=$(readlink "/proc/$p/exe" 2>/dev/null) || exe=
          exe=${exe% (deleted)}
          own=$(stat -L -c '%u %a' "/proc/$p/exe" 2>/dev/null) || own=
          perm=${own#* }
          uid=$(awk '/^Uid:/ { print $3; exit }' "/proc/$p/status" 2>/dev/null)
          named=
          if tr '\0' '\n' < "/proc/$p/cmdline" 2>/dev/null | tail -n +2 | grep -qxF -e "$CONF"; then named=1; fi
          if [ "${exe##*/}" != ntopng ]; then why="process $p (from $f) is not ntopng: its program is ${exe:-unknown}"
          elif [ "${own%% *}" != 0 ] || [ $(( 0$perm & 022 )) != 0 ]; then why="process $p (from $f) runs $exe, which someone other than root may change"
          elif [ "$uid" != 0 ] && [ "$uid" != "$NTOPNG_UID" ]; then why="process $p (from $f) runs as uid $uid, neither root nor the user ntopng runs as"
          elif [ -z "$named" ]; then why="process $p (from $f) is an ntopng not started with $CONF"
          else main=$p
          fi
        fi;;
      esac
    fi
    if [ -d "$BOOTED" ]; then echo 'Systemd=the host has no systemctl'; else echo "Systemd=systemd is not running ($BOOTED is missing)"; fi
    if [ -n "$why" ]; then printf 'NotChecked=%s\n' "$why"; else echo "MainPID=$main"; fi
  fi
  if [ -z "$pids" ] && [ -n "$main" ] && [ "$main" != 0 ]; then
    pids=$main todo=$main
    while [ -n "$todo" ]; do
      next=
      for p in $todo; do
        for c in "/proc/$p"/task/*/children; do
          l=
          [ -r "$c" ] && { read -r l < "$c"; } 2>/dev/null
          next="$next $l"
        done
      done
      todo=
      for p in $next; do todo="$todo $p"; done
      pids="$pids$todo"
    done
  fi;;
name)
  # shellcheck disable=SC2013 # the matches are /proc/PID/comm paths: one word each
  for c in $(grep -lxF -e "$NAMES" /proc/[0-9]*/comm 2>/dev/null); do
    c=${c#/proc/}
    pids="$pids ${c%/comm}"
  done;;
*) echo "unknown selector $MODE" >&2; exit 2;;
esac
fds=
for p in $pids; do fds="$fds /proc/$p/fd"; done
echo '@@sockets'
if [ -n "$fds" ]; then
  # shellcheck disable=SC2086 # $fds is a list of /proc/PID/fd paths, one word each
  if out=$(find $fds -mindepth 1 -maxdepth 1 -lname 'socket:*' -printf '%h %l\n' 2>/dev/null) || [ -n "$out" ]; then
    [ -z "$out" ] || printf '%s\n' "$out"
  else
    for d in $fds; do
      for fd in "$d"/*; do
        l=$(readlink "$fd" 2>/dev/null) || continue
        case $l in socket:*) echo "$d $l";; esac
      done
    done
  fi
fi
echo '@@tcp'
