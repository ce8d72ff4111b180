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

# Leases: several test runs (two ctest processes in one build tree, or a person's shell)
# may use the same scheduler. `start` takes a lease named after its caller (the ctest
# process or the shell: $PPID, or TROUPE_FIXTURE_OWNER); `stop` drops the caller's lease
# and stops the daemons only when no other lease's process is still alive (or with
# --force). Leases of processes that are gone do not count.
lease_take() { mkdir -p "$1/leases"; : > "$1/leases/${TROUPE_FIXTURE_OWNER:-$PPID}"; }
# lease_others DIR: drop the caller's lease, print the live holders of the others
lease_others() {
  local f pid out=""
  rm -f "$1/leases/${TROUPE_FIXTURE_OWNER:-$PPID}"
  for f in "$1"/leases/*; do
    [ -e "$f" ] || continue
    pid=$(basename "$f")
    if [[ "$pid" =~ ^[0-9]+$ ]] && ps -L -o stat= -p "$pid" 2>/dev/null | grep -qv '^Z'; then
      out="$out $pid"
    else
      rm -f "$f"
    fi
  done
  echo "${out# }"
}

# alive PIDFILE: the PID file names a live process: one of its threads is not a zombie.
# PID 1 on these machines reaps orphans late, so an exited daemon can still pass
# `kill -0` for a while; and a multi-threaded daemon whose main thread has returned shows
# as a zombie (Zl) while its other threads still shut down and hold its ports: so every
# thread is looked at (ps -L).
alive() {
  [ -s "$1" ] || return 1
  ps -L -o stat= -p "$(cat "$1")" 2>/dev/null | grep -qv '^Z'
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

# The command line of slurm.sh and sge.sh: CMD DIR [--force]. Sets cmd, DIR
# (made absolute) and FORCE, and locks DIR against a concurrent start/stop.
fixture_args() {
  cmd=${1:-}; DIR=${2:-}; FORCE=${3:-}
  [ -n "$cmd" ] && [ -n "$DIR" ] || { echo "usage: $NAME start DIR | stop DIR [--force] | status DIR" >&2; exit 2; }
  mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
  lock_dir "$DIR"
}
