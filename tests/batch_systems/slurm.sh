#!/usr/bin/env bash
# slurm.sh start|stop|status DIR — a real single-node Slurm on 127.0.0.1 for the tests.
#
# Everything lives under DIR (the build tree's batch_systems/slurm by default in CTest):
#   DIR/slurm.conf          the configuration; clients and daemons find it through SLURM_CONF
#   DIR/env                 `. DIR/env` exports SLURM_CONF for sbatch/squeue/scancel/sinfo
#   DIR/munge/              munged's key, socket, PID file and log (a private munged: the
#                           machine's /etc/munge and /run/munge are not used)
#   DIR/run/*.pid           PID files of munged, slurmctld and slurmd
#   DIR/log/*.log           daemon logs; DIR/state: slurmctld's state
#   DIR/sock/               munged's socket and slurmd's spool (/tmp/troupe-slurm-HASH when
#                           DIR is long: unix socket paths are limited to 107 bytes)
# Node "localhost" (NodeAddr 127.0.0.1), partition "debug" (default), no accounting
# (sacct does not work: poll squeue), authentication through munge.
#
# start   idempotent: starts what is not running, waits until the node is idle (timeout
#         TROUPE_SLURM_TIMEOUT, default 60 s); on failure prints the daemon logs' tail.
# stop    cancels every job, stops the daemons by PID file (SIGTERM, SIGKILL after 15 s).
#         Each start takes a lease for its caller (ctest, or the shell); stop drops it and
#         leaves the daemons running while another live caller holds one (unless --force).
# status  exit 0 when every daemon runs and the node takes jobs, 1 otherwise.
# Needs root and the packages of tools/install-deps (slurmctld slurmd slurm-client munge).
set -euo pipefail
NAME=slurm.sh
. "$(dirname "$0")/lib.sh"

fixture_args "$@"
TIMEOUT=${TROUPE_SLURM_TIMEOUT:-60}
NODE=localhost
CTLD_PORT=6817 SLURMD_PORT=6818
export SLURM_CONF=$DIR/slurm.conf
# munged's socket and slurmd's spool (which holds one socket per job step) are unix sockets,
# whose paths may not exceed 107 bytes: under a deep build tree they go to a short directory
# named after DIR, removed by `stop`.
if [ ${#DIR} -le 60 ]; then SOCKDIR=$DIR/sock
else SOCKDIR=/tmp/troupe-slurm-$(printf '%s' "$DIR" | md5sum | cut -c1-12); fi
MUNGE_SOCK=$SOCKDIR/munge.sock
PIDS="$DIR/run/slurmd.pid $DIR/run/slurmctld.pid $DIR/munge/munged.pid"

node_ready() {
  local st; st=$(sinfo -h -n "$NODE" -o %T 2>/dev/null | head -n 1)
  case "$st" in idle|mixed|allocated|completing) return 0 ;; *) return 1 ;; esac
}

write_config() {
  local mem cpus conf
  cpus=$(nproc)
  # leave 1 GiB to the machine; slurmd refuses to register if RealMemory exceeds what it sees
  mem=$(( $(awk '/^MemTotal:/ {print int($2/1024)}' /proc/meminfo) - 1024 ))
  conf=$(cat <<CONF
# written by tests/batch_systems/slurm.sh — single node on the loopback address
ClusterName=troupe
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCK
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$SOCKDIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# processes are tracked by parentage; nothing is enforced through cgroups
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
# the default batch_sched_delay of 3 s would delay every sbatch'd job
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# without DefMemPerCPU a job that gives no --mem takes all of the node's memory
DefMemPerCPU=512
# an impossible request (bad partition, too many CPUs, too much memory) is refused by
# sbatch instead of pending forever
EnforcePartLimits=ALL
ReturnToService=2
MinJobAge=60
KillWait=5
InactiveLimit=0
SlurmdTimeout=60
SlurmctldTimeout=30
MessageTimeout=10
NodeName=$NODE NodeAddr=127.0.0.1 NodeHostname=$NODE CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONF
)
  if [ -f "$SLURM_CONF" ] && [ "$(cat "$SLURM_CONF")" = "$conf" ]; then return 0; fi
  printf '%s\n' "$conf" > "$SLURM_CONF"
  say "wrote $SLURM_CONF"
  # running daemons would disagree with the new file
  local p
  for p in slurmd slurmctld; do
    if alive "$DIR/run/$p.pid"; then stop_pidfile "$p (config changed)" "$DIR/run/$p.pid"; fi
  done
}

start_munge() {
  install -d -m 0700 "$DIR/munge"
  if [ ! -s "$DIR/munge/munge.key" ]; then
    (umask 077; head -c 1024 /dev/urandom > "$DIR/munge/munge.key")
    say "created munge key $DIR/munge/munge.key"
  fi
  chmod 0600 "$DIR/munge/munge.key"
  if ! alive "$DIR/munge/munged.pid"; then
    say "starting munged (socket $MUNGE_SOCK)"
    # --force: a stale socket left by a killed munged is taken over
    /usr/sbin/munged --force 9>&- --socket="$MUNGE_SOCK" --key-file="$DIR/munge/munge.key" \
      --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/munge/munged.log" \
      --seed-file="$DIR/munge/munged.seed" || {
        log_tail "$DIR/munge/munged.log"; die "munged did not start"; }
    wait_until 30 alive "$DIR/munge/munged.pid" || { log_tail "$DIR/munge/munged.log"; die "munged wrote no PID file within 30 s"; }
  fi
  wait_until 10 sh -c "munge -S '$MUNGE_SOCK' -n </dev/null | unmunge -S '$MUNGE_SOCK'" || {
    log_tail "$DIR/munge/munged.log"; die "munge does not answer on $MUNGE_SOCK within 10 s"; }
}

start() {
  [ "$(id -u)" = 0 ] || die "must run as root (slurmd runs jobs as their user)"
  local b
  for b in /usr/sbin/slurmctld /usr/sbin/slurmd /usr/bin/sbatch /usr/sbin/munged; do
    [ -x "$b" ] || die "$b is missing: run tools/install-deps (packages slurmctld slurmd slurm-client munge)"
  done
  mkdir -p "$DIR"/{state,log,run} "$SOCKDIR/spool"
  printf 'export SLURM_CONF=%q\n' "$SLURM_CONF" > "$DIR/env"
  write_config
  start_munge
  if ! alive "$DIR/run/slurmctld.pid"; then
    port_is_ours $CTLD_PORT "$DIR/run/slurmctld.pid" || die "port $CTLD_PORT is taken by another process (another Slurm, or this fixture started from another directory: stop it with slurm.sh stop THAT_DIR)"
    if ! alive "$DIR/run/slurmctld.pid"; then
      say "starting slurmctld (port $CTLD_PORT)"
      # -i: ignore state files that cannot be read (an earlier crash) instead of refusing to start
      /usr/sbin/slurmctld -i 9>&- || { log_tail "$DIR/log/slurmctld.log"; die "slurmctld did not start"; }
      wait_until 30 alive "$DIR/run/slurmctld.pid" || { log_tail "$DIR/log/slurmctld.log"; die "slurmctld wrote no PID file within 30 s"; }
    fi
  fi
  wait_until "$TIMEOUT" scontrol ping || {
    log_tail "$DIR/log/slurmctld.log"; die "slurmctld does not answer after ${TIMEOUT} s"; }
  if ! alive "$DIR/run/slurmd.pid"; then
    port_is_ours $SLURMD_PORT "$DIR/run/slurmd.pid" || die "port $SLURMD_PORT is taken by another process (another slurmd?)"
    if ! alive "$DIR/run/slurmd.pid"; then
      say "starting slurmd -N $NODE (port $SLURMD_PORT)"
      # -N: our NodeName; the machine's hostname need not resolve to 127.0.0.1
      /usr/sbin/slurmd -N "$NODE" 9>&- || { log_tail "$DIR/log/slurmd.log"; die "slurmd did not start"; }
      wait_until 30 alive "$DIR/run/slurmd.pid" || { log_tail "$DIR/log/slurmd.log"; die "slurmd wrote no PID file within 30 s"; }
    fi
  fi
  local end=$(( $(date +%s) + TIMEOUT ))
  until node_ready; do
    if [ "$(date +%s)" -ge "$end" ]; then
      sinfo -N -l >&2 || true
      log_tail "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" "$DIR/munge/munged.log"
      die "node $NODE is not ready after ${TIMEOUT} s (logs in $DIR/log)"
    fi
    # a node that was down when slurmctld last ran comes back as down: return it to service
    case "$(sinfo -h -n "$NODE" -o %T 2>/dev/null | head -n 1)" in
      down*|drain*|*drain) scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true ;;
    esac
    sleep 0.2
  done
  say "ready: node $NODE $(sinfo -h -n "$NODE" -o %T | head -n 1), partition debug; use: . $DIR/env"
}

stop() {
  local others; others=$(lease_others "$DIR")
  if [ -n "$others" ] && [ "$FORCE" != --force ]; then
    say "left running: still used by process(es) $others (see $DIR/leases; stop DIR --force stops it anyway)"
    return 0
  fi
  if alive "$DIR/run/slurmctld.pid" && [ -f "$SLURM_CONF" ]; then
    local n; n=$(squeue -h -o %i 2>/dev/null | wc -l || echo 0)
    if [ "$n" -gt 0 ]; then
      say "cancelling $n job(s)"
      scancel --full --user=root >/dev/null 2>&1 || true
      # let slurmd kill the jobs' processes before it goes itself
      wait_until 15 sh -c '[ -z "$(squeue -h -o %i)" ]' || say "jobs still listed after 15 s: $(squeue -h -o '%i %T' | tr '\n' ' ')"
    fi
  fi
  stop_pidfile slurmd "$DIR/run/slurmd.pid"
  stop_pidfile slurmctld "$DIR/run/slurmctld.pid"
  stop_pidfile munged "$DIR/munge/munged.pid"
  if [ "$SOCKDIR" != "$DIR/sock" ] && [ -d "$SOCKDIR" ]; then rm -rf "$SOCKDIR"; say "removed $SOCKDIR"; fi
}

status() {
  local ok=0 pf
  for pf in $PIDS; do
    if alive "$pf"; then echo "$(basename "$pf" .pid): running (pid $(cat "$pf"))"
    else echo "$(basename "$pf" .pid): not running"; ok=1; fi
  done
  if [ $ok = 0 ]; then
    if node_ready; then sinfo; else echo "node $NODE not ready"; ok=1; fi
  fi
  return $ok
}

case "$cmd" in
  start) start; lease_take "$DIR" ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start DIR | stop DIR [--force] | status DIR" >&2; exit 2 ;;
esac
