#!/usr/bin/env bash
# smoke.sh SYSTEM CHECK STATE_DIR WORK_DIR — prove a fixture of slurm.sh / sge.sh works.
#   SYSTEM  slurm | sge
#   CHECK   runs-a-job         submit a script that writes a unique token to a file, poll the
#                              queue (squeue / qstat, every 0.1 s, deadline TROUPE_SMOKE_DEADLINE,
#                              default 60 s) until the job has left it, then the file must hold
#                              the token: completion is judged by the file alone (no sacct/qacct)
#           refuses-bad-queue  a job for a partition/queue that does not exist is refused at
#                              submit, with the scheduler's own error text, and nothing is queued
# Prints the scheduler's answers and the timings (submit -> running, submit -> gone).
set -euo pipefail
SYSTEM=${1:-} CHECK=${2:-} STATE=${3:-} WORK=${4:-}
[ -n "$WORK" ] || { echo "usage: $0 slurm|sge runs-a-job|refuses-bad-queue STATE_DIR WORK_DIR" >&2; exit 2; }
[ -f "$STATE/env" ] || { echo "FAIL: $STATE/env is missing: the $SYSTEM fixture did not start" >&2; exit 1; }
. "$STATE/env"
DEADLINE=${TROUPE_SMOKE_DEADLINE:-60}
rm -rf "$WORK"; mkdir -p "$WORK"
fail() { echo "FAIL: $*" >&2; exit 1; }
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }

# state JOBID: the job's state while the scheduler lists it as queued or running, "" once
# it has left the queue
state() {
  case $SYSTEM in
    slurm)
      local s; s=$(squeue -h -j "$1" -o %T 2>/dev/null || true)
      # squeue -j also shows a finished job for a while (MinJobAge): that has left the queue
      case "$s" in
        PENDING|CONFIGURING|RUNNING|COMPLETING|SUSPENDED|REQUEUED*|RESIZING|SIGNALING|STAGE_OUT|RESV_DEL_HOLD) echo "$s" ;;
        *) echo "" ;;
      esac ;;
    sge) qstat -u '*' 2>/dev/null | awk -v id="$1" '$1 == id {print $5}' ;;
  esac
}

show_job() {
  case $SYSTEM in
    slurm) scontrol show job "$1" >&2 || true ;;
    sge) qstat -j "$1" >&2 || true ;;
  esac
}

runs_a_job() {
  local token script id out t_submit t_run="" t_gone st
  token="troupe-$SYSTEM-$(now)-$$-$RANDOM"
  script=$WORK/job.sh
  case $SYSTEM in
    slurm) cat > "$script" <<JOB
#!/bin/bash
#SBATCH --job-name=troupe-smoke
#SBATCH --output=$WORK/job.log
#SBATCH --time=00:05:00
#SBATCH --cpus-per-task=1
#SBATCH --mem=100M
date +%s%N > "$WORK/started"
echo "running as \$SLURM_JOB_ID on \$(hostname)"
echo "$token" > "$WORK/result.tmp" && mv "$WORK/result.tmp" "$WORK/result.txt"
JOB
    ;;
    sge) cat > "$script" <<JOB
#!/bin/bash
#\$ -N troupe-smoke
#\$ -S /bin/bash
#\$ -j y
#\$ -o $WORK/job.log
#\$ -l h_rt=00:05:00
date +%s%N > "$WORK/started"
echo "running as \$JOB_ID on \$(hostname)"
echo "$token" > "$WORK/result.tmp" && mv "$WORK/result.tmp" "$WORK/result.txt"
JOB
    ;;
  esac
  t_submit=$(now)
  case $SYSTEM in
    slurm) out=$(sbatch --parsable "$script" 2>&1) || fail "sbatch refused the job: $out"; id=${out%%;*} ;;
    sge) out=$(qsub -terse "$script" 2>&1) || fail "qsub refused the job: $out"; id=$out ;;
  esac
  [[ "$id" =~ ^[0-9]+$ ]] || fail "no job id in the submit command's output: $out"
  echo "submitted job $id"
  local end=$(( t_submit + DEADLINE * 1000000000 ))
  while :; do
    st=$(state "$id")
    [ -z "$st" ] && break
    case "$st" in
      RUNNING|r) [ -n "$t_run" ] || { t_run=$(now); echo "job $id running after $(ms "$t_submit" "$t_run") ms"; } ;;
    esac
    # Grid Engine's E (as in Eqw): the job failed to start and waits for a person forever
    if [ "$SYSTEM" = sge ] && [[ "$st" == *E* ]]; then
      show_job "$id"; qdel "$id" >/dev/null 2>&1 || true; fail "job $id is in error state $st"
    fi
    if [ "$(now)" -ge "$end" ]; then
      show_job "$id"
      case $SYSTEM in slurm) scancel "$id" || true ;; sge) qdel "$id" || true ;; esac
      fail "job $id still in the queue ($st) after $DEADLINE s"
    fi
    sleep 0.1
  done
  t_gone=$(now)
  echo "job $id left the queue after $(ms "$t_submit" "$t_gone") ms"
  [ -f "$WORK/job.log" ] && { echo "--- job log:"; cat "$WORK/job.log"; }
  [ -f "$WORK/result.txt" ] || fail "job $id left the queue without writing $WORK/result.txt"
  [ "$(cat "$WORK/result.txt")" = "$token" ] || fail "$WORK/result.txt holds '$(cat "$WORK/result.txt")', not the token $token"
  local started=""; [ -s "$WORK/started" ] && started="$(ms "$t_submit" "$(cat "$WORK/started")") ms"
  echo "PASS: job $id wrote its token; submit -> script started ${started:-?} (seen running by polling: $( [ -n "$t_run" ] && echo "$(ms "$t_submit" "$t_run") ms" || echo 'no, it ran between two polls')), submit -> gone $(ms "$t_submit" "$t_gone") ms"
}

refuses_bad_queue() {
  local q=troupe-no-such-queue out rc=0 want
  case $SYSTEM in
    slurm) out=$(sbatch --job-name=troupe-bad-queue --partition=$q --output=/dev/null --wrap true 2>&1) || rc=$?
           want='invalid partition' ;;
    sge) out=$(qsub -N troupe-bad-queue -q $q -o /dev/null -j y -b y true 2>&1) || rc=$?
         want="unknown queue \"$q\"" ;;
  esac
  echo "submit exit code $rc, output:"; echo "$out"
  [ "$rc" -ne 0 ] || fail "the submit command accepted a job for the nonexistent queue $q"
  grep -qiF -- "$want" <<<"$out" || fail "the submit error does not say '$want'"
  local queued
  case $SYSTEM in
    slurm) queued=$(squeue -h -n troupe-bad-queue -o %i) ;;
    sge) queued=$(qstat -u '*' | awk '$3 == "troupe-bad"') ;;
  esac
  [ -z "$queued" ] || fail "a job for the nonexistent queue is in the queue: $queued"
  echo "PASS: refused at submit with the scheduler's error"
}

case $CHECK in
  runs-a-job) runs_a_job ;;
  refuses-bad-queue) refuses_bad_queue ;;
  *) echo "unknown check: $CHECK" >&2; exit 2 ;;
esac
