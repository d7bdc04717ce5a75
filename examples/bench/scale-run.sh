#!/usr/bin/env bash
# Scale run: one head, many simulated nodes (hpc worker --simulate) and a very large queue, then the
# figures docs/performance.md records: heap used, scheduling cycle time, tasks started per second,
# and the API latency of one job (qstat JOB) and of a paged listing while the cluster fills up.
#
#   usage (from the repository root, after mvn -q -DskipTests package):
#     examples/bench/scale-run.sh [--nodes 10000] [--cores 2] [--arrays 1000] [--array-size 1000]
#                                 [--head-heap 4g] [--heartbeat 1s] [--node-timeout 5s]
#                                 [--watch 60] [--keep DIR]
#
# Nodes have --cores cores (default 2: the cluster fills at 20,000 running tasks and the rest stays
# queued, so the run measures a large queue rather than 160,000 timers). The queue is submitted as --arrays array jobs of --array-size tasks (one task of one core each,
# walltime 10 minutes, so a simulated task "runs" 1 to 9 minutes) by 8 concurrent REST clients.
# The head runs with a flight recording (JFR) of the whole run, kept with the logs in the work
# directory when --keep is given. Everything it starts is stopped at the end, also on failure.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NODES=10000
CORES=2
ARRAYS=1000
SIZE=1000
HEAP=4g
HEARTBEAT=1s
NODE_TIMEOUT=5s
WATCH=60
KEEP=""
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) NODES=$2; shift 2 ;;
    --cores) CORES=$2; shift 2 ;;
    --arrays) ARRAYS=$2; shift 2 ;;
    --array-size) SIZE=$2; shift 2 ;;
    --head-heap) HEAP=$2; shift 2 ;;
    --heartbeat) HEARTBEAT=$2; shift 2 ;;
    --node-timeout) NODE_TIMEOUT=$2; shift 2 ;;
    --watch) WATCH=$2; shift 2 ;;
    --keep) KEEP=$2; shift 2 ;;
    *) echo "usage: $0 [--nodes N] [--cores C] [--arrays A] [--array-size S] [--head-heap 4g] [--heartbeat 1s]" \
            "[--node-timeout 5s] [--watch SECONDS] [--keep DIR]" >&2; exit 2 ;;
  esac
done
for jar in head-node/target/hpc-head.jar worker-agent/target/hpc-worker.jar cli/target/hpc-cli.jar; do
  [ -f "$ROOT/$jar" ] || { echo "$0: $jar is missing: build first (mvn -q -DskipTests package)" >&2; exit 2; }
done
command -v curl >/dev/null || { echo "$0: needs curl" >&2; exit 2; }

WORK=${KEEP:-$(mktemp -d /tmp/hpc-scale.XXXXXX)}
mkdir -p "$WORK"
PIDS=()
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do for _ in $(seq 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done; kill -9 "$pid" 2>/dev/null; done
  [ -n "$KEEP" ] || rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || echo $((20000 + RANDOM % 20000)); }
PORT=$(free_port)
PEER=$(free_port)
API="http://127.0.0.1:$PORT/api/v1"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

# the head and the simulated nodes prove this secret to each other; the admin token authenticates curl
head -c 48 /dev/urandom | base64 > "$WORK/cluster-secret"
chmod 600 "$WORK/cluster-secret"
AUTH="Authorization: Bearer $(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
printf '%s\n' "${AUTH#Authorization: Bearer }" > "$WORK/admin.token"
chmod 600 "$WORK/admin.token"

log "head: -Xmx$HEAP on port $PORT, heartbeat $HEARTBEAT, node timeout $NODE_TIMEOUT; work dir $WORK"
"$JAVA" -Xmx"$HEAP" -Djava.util.concurrent.ForkJoinPool.common.parallelism=4 \
  -XX:StartFlightRecording=filename="$WORK/head.jfr",settings=profile,dumponexit=true \
  -jar "$ROOT/head-node/target/hpc-head.jar" --port "$PORT" --peer-port "$PEER" --cluster scale \
  --data-dir "$WORK/data" --heartbeat "$HEARTBEAT" --node-timeout "$NODE_TIMEOUT" \
  --cluster-secret-file "$WORK/cluster-secret" --admin-token-file "$WORK/admin.token" > "$WORK/head.log" 2>&1 &
HEAD_PID=$!
PIDS+=("$HEAD_PID")
for _ in $(seq 300); do curl -sf "$API/cluster" >/dev/null && break; sleep 0.2; done

hb_ms=$(awk -v h="$HEARTBEAT" 'BEGIN { if (h ~ /ms$/) print h+0; else print (h+0)*1000 }')
log "simulator: $NODES nodes of $CORES cores"
HPC_SERVER="127.0.0.1:$PORT" HPC_TOKEN_FILE="$WORK/admin.token" "$ROOT/bin/hpc" worker --simulate "$NODES" \
  --cores "$CORES" --heartbeat-ms "$hb_ms" --cluster-secret-file "$WORK/cluster-secret" \
  --jvm-option=-Xmx3g > "$WORK/simulator.log" 2>&1 &
PIDS+=("$!")

up() { curl -sf -m 30 "$API/cluster" | grep -o '"up":[0-9]*' | head -1 | cut -d: -f2; }
t0=$(date +%s.%N)
for _ in $(seq 600); do
  n=$(up || echo 0)
  [ "${n:-0}" -ge "$NODES" ] && break
  sleep 1
done
log "nodes up: $(up) of $NODES after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"

body="{\"script\":\"#!/bin/bash\\ntrue\\n\",\"options\":[\"-t\",\"1-$SIZE\",\"-l\",\"walltime=00:10:00\",\"-N\",\"scale\"],\"submitHost\":\"bench\",\"submitDir\":\"/tmp\",\"environment\":{}}"
echo "$body" > "$WORK/array.json"
log "submitting $ARRAYS arrays of $SIZE tasks ($((ARRAYS * SIZE)) tasks) with 8 concurrent clients"
t0=$(date +%s.%N)
seq "$ARRAYS" | xargs -P 8 -I{} curl -sf -o /dev/null -H "$AUTH" -H 'Content-Type: application/json' \
  --data-binary @"$WORK/array.json" "$API/jobs"
t1=$(date +%s.%N)
log "submitted in $(awk -v a="$t0" -v b="$t1" -v n="$ARRAYS" -v s="$SIZE" 'BEGIN{printf "%.1f s (%.1f arrays/s, %.0f tasks/s)", b-a, n/(b-a), n*s/(b-a)}')"

sched() { curl -sf -m 60 "$API/cluster" | tr -d '\n '; }
field() { echo "$1" | grep -o "\"$2\":[0-9.]*" | head -1 | cut -d: -f2; }
median() { sort -n | awk '{a[NR]=$1} END { if (NR==0) {print "-"; exit} p=int(NR*0.9+0.5); if (p<1) p=1; printf "median %.1f ms (min %.1f, p90 %.1f, max %.1f, n=%d)", a[int((NR+1)/2)], a[1], a[p], a[NR], NR }'; }

echo "time(s)  tasks-started  started/s  cores-used  nodes-up  last-cycle(ms)  max-cycle(ms)  load"
prev_started=0; prev_t=$(date +%s.%N); start_t=$prev_t
first=""
for _ in $(seq $((WATCH / 5))); do
  sleep 5
  s=$(sched || true)
  now=$(date +%s.%N)
  started=$(field "$s" tasksStarted); used=$(echo "$s" | grep -o '"used":[0-9]*' | cut -d: -f2)
  nup=$(field "$s" up); last=$(field "$s" lastCycleMs); max=$(field "$s" maxCycleMs)
  rate=$(awk -v a="${started:-0}" -v b="$prev_started" -v t="$now" -v u="$prev_t" 'BEGIN{printf "%.0f", (a-b)/(t-u)}')
  printf "%7.0f  %13s  %9s  %10s  %8s  %14s  %13s  %s\n" "$(awk -v t="$now" -v s="$start_t" 'BEGIN{print t-s}')" \
    "${started:--}" "$rate" "${used:--}" "${nup:--}" "${last:--}" "${max:--}" "$(cut -d' ' -f1 /proc/loadavg)"
  prev_started=${started:-0}; prev_t=$now
done

# A job in the middle of the queue, and pages far into the listing.
mid=$(( ARRAYS / 2 ))
: > "$WORK/lat-job.txt"; : > "$WORK/lat-page.txt"; : > "$WORK/lat-filtered.txt"
for _ in $(seq 20); do
  curl -sf -H "$AUTH" -o /dev/null -w '%{time_total}\n' "$API/jobs/$mid" >> "$WORK/lat-job.txt"
  curl -sf -H "$AUTH" -o /dev/null -w '%{time_total}\n' "$API/jobs?limit=100&after=$mid" >> "$WORK/lat-page.txt"
  curl -sf -H "$AUTH" -o /dev/null -w '%{time_total}\n' "$API/jobs?limit=100&after=$mid&state=QUEUED&user=$(id -un)" >> "$WORK/lat-filtered.txt"
done
echo "GET /jobs/$mid (qstat of one array job of $SIZE tasks): $(awk '{print $1*1000}' "$WORK/lat-job.txt" | median)"
echo "GET /jobs?limit=100&after=$mid:                         $(awk '{print $1*1000}' "$WORK/lat-page.txt" | median)"
echo "GET /jobs?limit=100&after=$mid&state=QUEUED&user=$(id -un): $(awk '{print $1*1000}' "$WORK/lat-filtered.txt" | median)"

s=$(sched)
echo "scheduler: $(echo "$s" | grep -o '"scheduler":{[^}]*}')"
echo "jobs: $(echo "$s" | grep -o '"jobs":{[^}]*}')"
echo "heap (before a full GC):"
jcmd "$HEAD_PID" GC.heap_info 2>/dev/null | sed -n '2,3p'
jcmd "$HEAD_PID" GC.run >/dev/null 2>&1
echo "heap (after a full GC, the live set):"
jcmd "$HEAD_PID" GC.heap_info 2>/dev/null | sed -n '2,3p'
jcmd "$HEAD_PID" JFR.dump filename="$WORK/head-dump.jfr" >/dev/null 2>&1 || true
log "done; logs and the flight recording in $WORK${KEEP:+ (kept)}"
