# Helpers shared by slurm.sh and sge.sh (sourced, not run).
# Daemons are found only through the PID files these scripts keep; nothing is
# ever looked up or signalled by process name.

t0=$(date +%s.%N)
say() { printf '[%s %5.2fs] %s\n' "$NAME" "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')" "$*"; }
die() { echo "$NAME: error: $*" >&2; exit 1; }

# lock_dir DIR: one slurm.sh/sge.sh at a time per state directory (waits up to 300 s)
lock_dir() {
  exec 9>"$1/.lock"
  flock -w 300 9 || die "another $NAME has held $1/.lock for 300 s"
}

# alive PIDFILE: the PID file names a live process that is not a zombie
# (PID 1 on these machines reaps orphans late, so an exited daemon can still
# pass `kill -0` for a while).
alive() {
  [ -s "$1" ] || return 1
  local st
  st=$(ps -o stat= -p "$(cat "$1")" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "${st:0:1}" != Z ]
}

# wait_until SECONDS CMD...: run CMD every 0.1 s until it succeeds or time runs out.
wait_until() {
  local end=$(( $(date +%s%N) + $1 * 1000000000 )); shift
  while [ "$(date +%s%N)" -lt "$end" ]; do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# stop_pidfile LABEL PIDFILE [GRACE]: SIGTERM, wait up to GRACE seconds (default 15),
# then SIGKILL.
stop_pidfile() {
  local label=$1 pf=$2 grace=${3:-15} pid
  if [ ! -s "$pf" ]; then say "$label: not running (no PID file)"; return 0; fi
  pid=$(cat "$pf")
  if ! alive "$pf"; then say "$label: not running (stale PID file, pid $pid)"; rm -f "$pf"; return 0; fi
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_until "$grace" eval "! alive '$pf'"; then
    say "$label: still alive $grace s after SIGTERM, sending SIGKILL to $pid"
    kill -KILL "$pid" 2>/dev/null || true
    wait_until 5 eval "! alive '$pf'" || die "$label (pid $pid) survives SIGKILL"
  fi
  rm -f "$pf"
  say "$label: stopped (pid $pid)"
}

# port_busy PORT: something accepts TCP connections on 127.0.0.1:PORT
port_busy() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# port_is_ours PORT PIDFILE: nothing listens on PORT, or the daemon of PIDFILE does. A
# daemon that was just started (by an earlier, failed `start`) may listen a moment
# before it writes its PID file: give it 10 s.
port_is_ours() {
  port_busy "$1" || return 0
  wait_until 10 alive "$2"
}

# log_tail FILE...: the last lines of each existing log, to stderr
log_tail() {
  local f
  for f in "$@"; do
    [ -s "$f" ] || continue
    echo "---- last 25 lines of $f" >&2
    tail -n 25 "$f" >&2
  done
}
