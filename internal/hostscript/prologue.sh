# args:
# The prologue of every host script (hostscript.Script.Command puts it first): each argument
# up to "--" is NAME=VALUE and sets the shell variable NAME; what follows "--" stays in "$@".
# The names are upper case, declared on the script's "# args:" line and checked on the Go
# side; values are never secrets (those come on standard input) and are never evaluated:
# eval only assigns the parameter's own text.
while [ $# -gt 0 ]; do
  hs_arg=$1
  shift
  [ "$hs_arg" = -- ] && break
  case ${hs_arg%%=*} in
  '' | [!A-Z]* | *[!A-Z0-9_]*) echo "hostscript: bad argument name ${hs_arg%%=*}" >&2; exit 2 ;;
  esac
  eval "${hs_arg%%=*}=\${hs_arg#*=}"
done
unset hs_arg
