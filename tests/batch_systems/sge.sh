#!/usr/bin/env bash
# sge.sh start|stop|status DIR — a real single-node Son of Grid Engine cell on 127.0.0.1.
#
# A private cell: SGE_ROOT is DIR/root (cell "default"), spooled as flat files under
# DIR/spool, so the machine's /var/lib/gridengine and /var/spool/gridengine (the cell
# Debian's postinst makes) are neither used nor changed.
#   DIR/env                 `. DIR/env` exports SGE_ROOT, SGE_CELL, SGE_QMASTER_PORT and
#                           SGE_EXECD_PORT for qsub/qstat/qdel/qconf
#   DIR/spool/qmaster/qmaster.pid, DIR/spool/execd/localhost/execd.pid   the PID files
#   DIR/spool/qmaster/messages, DIR/spool/execd/localhost/messages      the daemon logs
# Host "localhost", queue "all.q" with one slot per CPU, parallel environment "smp",
# root may submit, the scheduler runs every second.
#
# start   idempotent: creates the cell once, starts what is not running, waits until all.q
#         takes jobs (timeout TROUPE_SGE_TIMEOUT, default 60 s); on failure prints the logs' tail.
# stop    deletes every job, stops the daemons by PID file (SIGTERM, SIGKILL after 15 s).
#         Each start takes a lease for its caller (ctest, or the shell); stop drops it and
#         leaves the daemons running while another live caller holds one (unless --force).
# status  exit 0 when both daemons run and all.q@localhost takes jobs, 1 otherwise.
# Needs root and the packages of tools/install-deps (gridengine-master gridengine-exec
# gridengine-client).
set -euo pipefail
NAME=sge.sh
. "$(dirname "$0")/lib.sh"

fixture_args "$@"
TIMEOUT=${TROUPE_SGE_TIMEOUT:-60}
export SGE_ROOT=$DIR/root SGE_CELL=default SGE_QMASTER_PORT=6444 SGE_EXECD_PORT=6445
COMMON=$SGE_ROOT/$SGE_CELL/common
QSPOOL=$DIR/spool/qmaster
ESPOOL=$DIR/spool/execd
QPID=$QSPOOL/qmaster.pid
EPID=$ESPOOL/localhost/execd.pid

queue_ready() {
  # the queue instance shows a load value and no state letters (a, u, E, d...)
  qstat -f -q all.q 2>/dev/null | awk '$1=="all.q@localhost" && $4 ~ /^[0-9.]+$/ && NF==5 {f=1} END {exit !f}'
}

# The cell: bootstrap file, classic (flat file) spool, default configuration and complexes.
create_cell() {
  [ -f "$DIR/spool/.cell-created" ] && return 0
  say "creating cell $SGE_ROOT/$SGE_CELL"
  rm -rf "$SGE_ROOT" "$DIR/spool"
  mkdir -p "$COMMON" "$QSPOOL/job_scripts" "$ESPOOL" "$DIR/spool/config"
  ln -s /usr/share/gridengine/util "$SGE_ROOT/util"
  cat > "$COMMON/bootstrap" <<BOOT
# written by tests/batch_systems/sge.sh
admin_user              none
default_domain          none
ignore_fqdn             true
spooling_method         classic
spooling_lib            libspoolc
spooling_params         $COMMON;$QSPOOL
binary_path             /usr/sbin
qmaster_spool_dir       $QSPOOL
security_mode           none
listener_threads        2
worker_threads          2
scheduler_threads       1
BOOT
  printf 'SGE_ROOT=%q; export SGE_ROOT\nSGE_CELL=default; export SGE_CELL\n' "$SGE_ROOT" > "$COMMON/settings.sh"
  # root may run jobs (Debian's default min_uid/min_gid 1000 refuses them); the execd spool
  # is ours; no mail
  sed -e "s|^execd_spool_dir .*|execd_spool_dir        $ESPOOL|" \
      -e 's|^min_uid .*|min_uid                0|' -e 's|^min_gid .*|min_gid                0|' \
      -e 's|^mailer .*|mailer                 /bin/true|' \
      -e 's|^load_report_time .*|load_report_time       00:00:05|' \
      /usr/share/gridengine/default-configuration > "$DIR/spool/config/global"
  local log=$DIR/spool/create-cell.log
  {
    /usr/lib/gridengine/spoolinit classic libspoolc "$COMMON;$QSPOOL" init &&
    /usr/lib/gridengine/spooldefaults configuration "$DIR/spool/config/global" &&
    /usr/lib/gridengine/spooldefaults complexes /usr/share/gridengine/util/resources/centry &&
    /usr/lib/gridengine/spooldefaults usersets /usr/share/gridengine/util/resources/usersets &&
    /usr/lib/gridengine/spooldefaults managers root
  } >"$log" 2>&1 || { log_tail "$log"; die "creating the cell failed"; }
  touch "$DIR/spool/.cell-created"
}

# Host names: Grid Engine compares the name the peer's address resolves to (127.0.0.1 ->
# localhost) with the name the peer gives (gethostname(), e.g. "vm") and refuses a mismatch;
# host_aliases makes them one host.
write_host_files() {
  local hn; hn=$(hostname)
  if [ "$hn" != localhost ]; then printf 'localhost %s\n' "$hn" > "$COMMON/host_aliases"
  else rm -f "$COMMON/host_aliases"; fi
  echo localhost > "$COMMON/act_qmaster"
}

# Scheduler, hosts, PE and queue: applied on every start, each step only when needed.
configure() {
  local w=$DIR/spool/config
  qconf -ssconf > "$w/sched"
  if ! grep -q '^schedule_interval *0:0:1$' "$w/sched"; then
    sed -i -e 's/^schedule_interval .*/schedule_interval                 0:0:1/' \
           -e 's/^flush_submit_sec .*/flush_submit_sec                  1/' \
           -e 's/^flush_finish_sec .*/flush_finish_sec                  1/' "$w/sched"
    qconf -Msconf "$w/sched" >/dev/null 2>&1
    say "configured: scheduling every second"
  fi
  qconf -ss 2>/dev/null | grep -qx localhost || { qconf -as localhost >/dev/null 2>&1; say "configured: submit host localhost"; }
  qconf -sel 2>/dev/null | grep -qx localhost || {
    printf 'hostname localhost\nload_scaling NONE\ncomplex_values NONE\nuser_lists NONE\nxuser_lists NONE\nprojects NONE\nxprojects NONE\nusage_scaling NONE\nreport_variables NONE\n' > "$w/exechost"
    qconf -Ae "$w/exechost" >/dev/null 2>&1; say "configured: execution host localhost"; }
  qconf -spl 2>/dev/null | grep -qx smp || {
    printf 'pe_name smp\nslots %s\nuser_lists NONE\nxuser_lists NONE\nstart_proc_args NONE\nstop_proc_args NONE\nallocation_rule $pe_slots\ncontrol_slaves FALSE\njob_is_first_task TRUE\nurgency_slots min\naccounting_summary FALSE\nqsort_args NONE\n' "$(nproc)" > "$w/smp"
    qconf -Ap "$w/smp" >/dev/null 2>&1; say "configured: parallel environment smp"; }
  qconf -sql 2>/dev/null | grep -qx all.q || {
    # no load thresholds: np_load_avg=1.75 would put the queue in alarm on a busy 2-core box
    qconf -sq | sed -e 's/^qname .*/qname all.q/' -e 's/^hostlist .*/hostlist localhost/' \
        -e "s/^slots .*/slots $(nproc)/" -e 's/^pe_list .*/pe_list smp/' \
        -e 's/^load_thresholds .*/load_thresholds NONE/' -e 's|^shell .*|shell /bin/bash|' > "$w/allq"
    qconf -Aq "$w/allq" >/dev/null 2>&1; say "configured: queue all.q"; }
}

start() {
  [ "$(id -u)" = 0 ] || die "must run as root"
  local b
  for b in /usr/lib/gridengine/sge_qmaster /usr/lib/gridengine/sge_execd /usr/lib/gridengine/qsub /usr/lib/gridengine/spoolinit; do
    [ -x "$b" ] || die "$b is missing: run tools/install-deps (packages gridengine-master gridengine-exec gridengine-client)"
  done
  create_cell
  write_host_files
  printf 'export SGE_ROOT=%q SGE_CELL=%q SGE_QMASTER_PORT=%q SGE_EXECD_PORT=%q\n' \
    "$SGE_ROOT" "$SGE_CELL" "$SGE_QMASTER_PORT" "$SGE_EXECD_PORT" > "$DIR/env"
  if ! alive "$QPID"; then
    port_is_ours "$SGE_QMASTER_PORT" "$QPID" || die "port $SGE_QMASTER_PORT is taken by another process (another Grid Engine, or this fixture started from another directory: stop it with sge.sh stop THAT_DIR)"
    if ! alive "$QPID"; then
      say "starting sge_qmaster (port $SGE_QMASTER_PORT)"
      /usr/sbin/sge_qmaster 9>&- || { log_tail "$QSPOOL/messages"; die "sge_qmaster did not start"; }
      # it daemonizes first and writes its PID file ~1 s later: wait for it, so that a start
      # that fails further on leaves a daemon that the next start or stop finds
      wait_until 30 alive "$QPID" || { log_tail "$QSPOOL/messages"; die "sge_qmaster wrote no PID file within 30 s"; }
    fi
  fi
  wait_until "$TIMEOUT" qconf -sh || {
    log_tail "$QSPOOL/messages"; die "sge_qmaster does not answer after ${TIMEOUT} s"; }
  configure
  if ! alive "$EPID"; then
    port_is_ours "$SGE_EXECD_PORT" "$EPID" || die "port $SGE_EXECD_PORT is taken by another process (another sge_execd?)"
    if ! alive "$EPID"; then
      say "starting sge_execd (port $SGE_EXECD_PORT)"
      /usr/sbin/sge_execd 9>&- || { log_tail "$ESPOOL/localhost/messages"; die "sge_execd did not start"; }
      wait_until 30 alive "$EPID" || { log_tail "$ESPOOL/localhost/messages"; die "sge_execd wrote no PID file within 30 s"; }
    fi
  fi
  wait_until "$TIMEOUT" queue_ready || {
    qstat -f >&2 || true
    log_tail "$QSPOOL/messages" "$ESPOOL/localhost/messages"
    die "queue all.q@localhost does not take jobs after ${TIMEOUT} s"; }
  say "ready: queue all.q@localhost, $(nproc) slots; use: . $DIR/env"
}

stop() {
  local others; others=$(lease_others "$DIR")
  if [ -n "$others" ] && [ "$FORCE" != --force ]; then
    say "left running: still used by process(es) $others (see $DIR/leases; stop DIR --force stops it anyway)"
    return 0
  fi
  if alive "$QPID" && [ -f "$DIR/env" ]; then
    local n; n=$(qstat -u '*' 2>/dev/null | awk 'NR>2' | wc -l || echo 0)
    if [ "$n" -gt 0 ]; then
      say "deleting $n job(s)"
      qdel -f -u '*' >/dev/null 2>&1 || true
      wait_until 15 sh -c '[ -z "$(qstat -u "*" 2>/dev/null)" ]' || say "jobs still listed after 15 s"
    fi
  fi
  stop_pidfile sge_execd "$EPID"
  # a controlled shutdown of sge_qmaster takes 8-10 s (it writes its spool): be patient
  stop_pidfile sge_qmaster "$QPID" 40
}

status() {
  local ok=0
  if alive "$QPID"; then echo "sge_qmaster: running (pid $(cat "$QPID"))"; else echo "sge_qmaster: not running"; ok=1; fi
  if alive "$EPID"; then echo "sge_execd: running (pid $(cat "$EPID"))"; else echo "sge_execd: not running"; ok=1; fi
  if [ $ok = 0 ]; then
    if queue_ready; then qstat -f -q all.q; else echo "all.q@localhost does not take jobs"; ok=1; fi
  fi
  return $ok
}

case "$cmd" in
  start) start; lease_take "$DIR" ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start DIR | stop DIR [--force] | status DIR" >&2; exit 2 ;;
esac
