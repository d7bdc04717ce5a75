#!/usr/bin/env bash
# Side by side with Slurm: the same submit, throughput and latency workloads against a one-host
# Slurm (Debian's slurm-wlm, on loopback) and against a local hpc cluster, one after the other in
# the same run, then both sets of figures and the ratios.
#
#   usage (as root, from the repository root, after mvn -q -DskipTests package):
#     examples/bench/compare-slurm.sh [--jobs N] [--latency-runs K] [--qsub-runs M] [--warmup W] [--submissions S]
#                                     [--batch B] [--batch-jobs J]
#   defaults: --jobs 1000 --latency-runs 20 --qsub-runs 100 --warmup 500 --submissions 2000 --batch 100
#             --batch-jobs 20000 (J held jobs submitted B to a request by 16 clients; --batch 0 skips it)
#   M is both the length of the held-submission loop and the number of single calls timed.
#
# The trivial jobs' rate is also given as a share of the machine's own rate of starting 'setsid bash -c true',
# four at a time (4N of them), measured in the same run.
#
# Both get W unmeasured trivial jobs first (hpc also 2W held submissions: W from one client, W from
# 16), so that the figures are of running systems rather than of the JVMs' first minute.
#
# Slurm gets the high-throughput guide's limits with batch_sched_delay=0 (the guide's delay of
# 20 s would hold every single job back; with it removed Slurm was fastest here) and one node
# of 16 declared CPUs; hpc gets the same: one worker of 16 cores. Installs slurm-wlm and
# munge when missing. Starts its daemons in the background and stops exactly those at the end.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
JOBS=1000
LAT=20
QSUB=100
WARMUP=500
SUBMISSIONS=2000
BATCH=100
BATCH_JOBS=20000
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) JOBS=$2; shift 2 ;;
    --latency-runs) LAT=$2; shift 2 ;;
    --qsub-runs) QSUB=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --submissions) SUBMISSIONS=$2; shift 2 ;;
    --batch) BATCH=$2; shift 2 ;;
    --batch-jobs) BATCH_JOBS=$2; shift 2 ;;
    *) echo "usage: $0 [--jobs N] [--latency-runs K] [--qsub-runs M] [--warmup W] [--submissions S] [--batch B] [--batch-jobs J]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "$0: run as root (it installs and starts Slurm's daemons)" >&2; exit 2; }
[ -f "$ROOT/cli/target/hpc-cli.jar" ] || { echo "$0: build first: mvn -q -DskipTests package" >&2; exit 2; }

WORK=$(mktemp -d /var/tmp/compare-slurm.XXXXXX)
NODE=$(hostname -s)
CONF=/etc/slurm/slurm.conf
PIDS=()
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.2f\", $* }"; }
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# ms of each call of a command, one per line into FILE, timed by bash itself (no date process per call)
timed() { local file=$1 s; shift; s=$EPOCHREALTIME; "$@" >/dev/null 2>&1 </dev/null || true
  awk -v a="$s" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }' >> "$file"; }

cleanup() {
  set +e
  if [ -n "${HPC_DIR:-}" ]; then "$ROOT/bin/hpc" local down --dir "$HPC_DIR" >/dev/null 2>&1; fi
  timeout 10 scancel --user=root >/dev/null 2>&1
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do for i in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done; kill -9 "$pid" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---- Slurm: install, configure, start
if ! dpkg-query -W -f='${Status}' slurm-wlm 2>/dev/null | grep -q 'install ok installed' \
   || ! dpkg-query -W -f='${Status}' munge 2>/dev/null | grep -q 'install ok installed'; then
  log "installing slurm-wlm and munge (their services are not started by the package)"
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1; fi
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends slurm-wlm slurmctld slurmd slurm-client munge >&2
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge /var/lib/munge /var/log/munge "$WORK/run"
chown slurm:slurm /var/spool/slurmctld /var/log/slurm "$WORK/run"
chown munge:munge /run/munge /var/lib/munge /var/log/munge
[ -s /etc/munge/munge.key ] || { if command -v mungekey >/dev/null; then mungekey --create --force; else dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; fi; }
chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
chmod 755 "$WORK"
cat > "$CONF" <<CONFEOF
ClusterName=compare
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=slurm
SlurmdUser=root
SlurmctldPort=6817-6820
SlurmdPort=6821
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$WORK/run/slurmctld.pid
SlurmdPidFile=$WORK/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldDebug=error
SlurmdDebug=error
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
PriorityType=priority/basic
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerParameters=batch_sched_delay=0
MaxJobCount=100000
MaxArraySize=100001
MinJobAge=2
SlurmdParameters=config_overrides
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=16 RealMemory=16000 State=UNKNOWN
PartitionName=batch Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONFEOF
chmod 644 "$CONF"

spawn() { "$@" >> "$WORK/daemons.log" 2>&1 < /dev/null & PIDS+=($!); }
pgrep -x munged >/dev/null || { rm -f /run/munge/munged.pid; spawn setpriv --reuid=munge --regid=munge --init-groups munged -F; }
for i in $(seq 50); do munge -n </dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
spawn slurmctld -D -f "$CONF"
spawn slurmd -D -f "$CONF"
for i in $(seq 300); do [ "$(sinfo -h -N -n "$NODE" -o %T 2>/dev/null | head -1)" = idle ] && break
  case "$(sinfo -h -N -n "$NODE" -o %T 2>/dev/null | head -1)" in down*|drain*) scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 ;; esac
  sleep 0.2; done
[ "$(sinfo -h -N -n "$NODE" -o %T 2>/dev/null | head -1)" = idle ] || { log "Slurm's node did not become idle; see $WORK/daemons.log and /var/log/slurm"; exit 1; }
log "Slurm is up on $NODE"

queue_empty() { [ -z "$(squeue -h -r -o %i 2>/dev/null)" ]; }
wait_empty() { local n; for n in $(seq 6000); do queue_empty && return 0; sleep 0.1; done; log "Slurm's queue did not empty"; return 1; }
SB=(sbatch --parsable --output=/dev/null --error=/dev/null)

# a warm-up that is not measured, as for hpc below (whose JVMs compile their hot code in the first minute)
for ((i = 0; i < WARMUP; i++)); do "${SB[@]}" --wrap=true >/dev/null; done; wait_empty
# submissions accepted per second: held jobs, as for hpc (acceptance alone), then cancelled
t0=$(now); for ((i = 0; i < QSUB; i++)); do "${SB[@]}" --hold --wrap=true >/dev/null; done; t1=$(now)
S_SUBMIT=$(calc "$QSUB / ($t1 - $t0)")
# one call at a time, as a tool calls them once per job: sbatch, and squeue of one (held) job
: > "$WORK/s-sbatch"; : > "$WORK/s-squeue"
HELD=$("${SB[@]}" --hold --wrap=true)
for ((i = 0; i < QSUB; i++)); do timed "$WORK/s-sbatch" "${SB[@]}" --hold --wrap=true; timed "$WORK/s-squeue" squeue -j "$HELD"; done
S_SBATCH_MS=$(median "$WORK/s-sbatch"); S_SQUEUE_MS=$(median "$WORK/s-squeue")
scancel --user=root; wait_empty
# trivial jobs from first submission to last completion, four parallel submitters
t0=$(now)
# wait for the submitters alone: a plain 'wait' would also wait for the daemons started above
submitters=()
for p in 1 2 3 4; do ( for ((i = 0; i < JOBS / 4; i++)); do "${SB[@]}" --wrap=true >/dev/null; done ) & submitters+=($!); done
wait "${submitters[@]}"
wait_empty; t1=$(now)
S_THROUGHPUT=$(calc "(int($JOBS / 4) * 4) / ($t1 - $t0)")
# submit to start of single jobs on an idle cluster (the job writes its start time)
: > "$WORK/slurm-lat"
for ((i = 0; i < LAT; i++)); do
  f=$WORK/lat.$i; rm -f "$f"; t0=$(now)
  "${SB[@]}" --wrap="date +%s.%N > $f" >/dev/null
  for k in $(seq 2400); do [ -s "$f" ] && break; sleep 0.02; done
  echo "$(calc "($(cat "$f") - $t0) * 1000")" >> "$WORK/slurm-lat"
  wait_empty
done
S_LAT=$(sort -n "$WORK/slurm-lat" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
log "Slurm: $S_SUBMIT sbatch/s, $S_THROUGHPUT jobs/s, median submit-to-start $S_LAT ms"
timeout 10 scancel --user=root >/dev/null 2>&1 || true
for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
PIDS=()

# ---- hpc: a local cluster of 16 cores, the same workloads
HPC_DIR=$WORK/hpc
export HPC_CONFIG=$WORK/hpc-config
# the cluster's admin token goes here, not into the user's own ~/.hpc/token
export HPC_TOKEN_FILE=$WORK/hpc-token
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$ROOT/bin/hpc" local up --dir "$HPC_DIR" --port "$PORT" --workers 1 --cores 16 --cluster compare >&2
log "warming up hpc (not measured): $WARMUP trivial jobs and $WARMUP submissions"
"$ROOT/bin/hpc" bench throughput --jobs "$WARMUP" --clients 4 --no-array >/dev/null
"$ROOT/bin/hpc" bench submit --jobs "$WARMUP" --clients 16 --qsub 0 >/dev/null
# the per-job commands as a user has them on the PATH: the C client in cli/target/bin where the build made it
# (docs/commands.md), else the launchers in bin/
CMDS="$ROOT/bin"
[ -x "$ROOT/cli/target/bin/qsub" ] && CMDS="$ROOT/cli/target/bin"
log "qsub and qstat from $CMDS"
# the first call starts the user's command server (docs/commands.md), as a user's first after 10 idle minutes: not measured
echo true | "$CMDS/qsub" -h >/dev/null
t0=$(now); for ((i = 0; i < QSUB; i++)); do echo true | "$CMDS/qsub" -h >/dev/null; done; t1=$(now)
H_QSUB=$(calc "$QSUB / ($t1 - $t0)")
echo true > "$WORK/true.sh"
: > "$WORK/h-qsub"; : > "$WORK/h-qstat"
HELD=$("$CMDS/qsub" -h "$WORK/true.sh")
for ((i = 0; i < QSUB; i++)); do timed "$WORK/h-qsub" "$CMDS/qsub" -h "$WORK/true.sh"; timed "$WORK/h-qstat" "$CMDS/qstat" "$HELD"; done
H_QSUB_MS=$(median "$WORK/h-qsub"); H_QSTAT_MS=$(median "$WORK/h-qstat")
"$ROOT/bin/qdel" $("$ROOT/bin/qstat" -u root | awk '$5 == "H" { print $1 }') >/dev/null 2>&1 || true
# S submissions per measurement (default 2000): 400 at ~600/s would be mostly the clients' ramp-up
"$ROOT/bin/hpc" bench submit --jobs "$SUBMISSIONS" --clients 16 --qsub 0 --json > "$WORK/hpc-submit.json"
if [ "$BATCH" -gt 0 ]; then
  "$ROOT/bin/hpc" bench submit --jobs "$BATCH_JOBS" --clients 16 --qsub 0 --batch "$BATCH" --no-single --json \
    > "$WORK/hpc-batch.json"
fi
"$ROOT/bin/hpc" bench throughput --jobs "$JOBS" --clients 4 --no-array --json > "$WORK/hpc-throughput.json"
: > "$WORK/hpc-lat"
for ((i = 0; i < LAT; i++)); do
  f=$WORK/hlat.$i; rm -f "$f"; t0=$(now)
  echo "date +%s.%N > $f" | "$ROOT/bin/qsub" -o /dev/null -e /dev/null >/dev/null
  for k in $(seq 2400); do [ -s "$f" ] && break; sleep 0.02; done
  echo "$(calc "($(cat "$f") - $t0) * 1000")" >> "$WORK/hpc-lat"
done
H_LAT=$(sort -n "$WORK/hpc-lat" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
"$ROOT/bin/hpc" bench latency --runs "$LAT" --json > "$WORK/hpc-latency.json"
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval('d' + sys.argv[2]))" "$@"; }
H_API=$(field "$WORK/hpc-submit.json" '["concurrentPerSecond"]')
H_BATCH=-; [ "$BATCH" -gt 0 ] && H_BATCH=$(field "$WORK/hpc-batch.json" '["batchedPerSecond"]')
H_THROUGHPUT=$(field "$WORK/hpc-throughput.json" '["jobsPerSecond"]')
# the machine's own rate of starting a trivial process, as a job does (its own session, a shell), four at a time:
# what neither scheduler can beat on this machine, measured in the same run (issue 21)
RAW_N=$((JOBS * 4))
t0=$(now)
starters=()
for p in 1 2 3 4; do ( for ((i = 0; i < RAW_N / 4; i++)); do setsid bash -c true; done ) & starters+=($!); done
wait "${starters[@]}"
t1=$(now)
RAW_RATE=$(calc "(int($RAW_N / 4) * 4) / ($t1 - $t0)")
H_APILAT=$(field "$WORK/hpc-latency.json" '["submitToStart"]["medianMs"]')

echo
echo "side by side on $(nproc) cores, $JOBS jobs, $LAT latency runs, $QSUB submissions in a shell loop"
printf '%-48s %12s %12s %8s\n' "" "Slurm" "hpc" "ratio"
printf '%-48s %12s %12s %8s\n' "submissions/s, command in a shell loop (held)" "$S_SUBMIT" "$H_QSUB" "$(calc "$H_QSUB / $S_SUBMIT")"
printf '%-48s %12s %12s %8s\n' "sbatch / qsub, ms per call, median" "$S_SBATCH_MS" "$H_QSUB_MS" "$(calc "$S_SBATCH_MS / $H_QSUB_MS")"
printf '%-48s %12s %12s %8s\n' "squeue / qstat of one job, ms per call, median" "$S_SQUEUE_MS" "$H_QSTAT_MS" "$(calc "$S_SQUEUE_MS / $H_QSTAT_MS")"
printf '%-48s %12s %12s %8s\n' "submissions/s, hpc REST API with 16 clients" "-" "$H_API" "$(calc "$H_API / $S_SUBMIT")"
[ "$BATCH" -gt 0 ] && printf '%-48s %12s %12s %8s\n' "submissions/s, REST batches of $BATCH, 16 clients" "-" "$H_BATCH" "$(calc "$H_BATCH / $S_SUBMIT")"
printf '%-48s %12s %12s %8s\n' "trivial jobs completed/s, 4 submitters" "$S_THROUGHPUT" "$H_THROUGHPUT" "$(calc "$H_THROUGHPUT / $S_THROUGHPUT")"
printf '%-48s %12s %12s %8s\n' "  as a share of 'setsid bash -c true' x4: $RAW_RATE/s" "$(calc "$S_THROUGHPUT / $RAW_RATE")" "$(calc "$H_THROUGHPUT / $RAW_RATE")" "-"
printf '%-48s %12s %12s %8s\n' "submit to start, median ms, command line" "$S_LAT" "$H_LAT" "$(calc "$S_LAT / $H_LAT")"
printf '%-48s %12s %12s %8s\n' "submit to start, median ms, hpc API (head clock)" "-" "$H_APILAT" "-"
