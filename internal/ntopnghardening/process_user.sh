# args: PID
# Prints the effective uid of process PID (process.go's ProcessUser); nothing for PID 0.
[ "$PID" = 0 ] || awk '/^Uid:/ { print $3; exit }' "/proc/$PID/status" 2>/dev/null
:
