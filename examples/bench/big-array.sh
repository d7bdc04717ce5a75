#!/usr/bin/env bash
# One big array job against a running cluster (issue 15): how long the head takes to accept it, how much
# memory it holds afterwards, and how long another user's qstat of one job takes meanwhile.
#
#   usage (from the repository root, with a cluster up, e.g. bin/hpc local up):
#     examples/bench/big-array.sh [--size 1000000] [--held] [--run SECONDS] [--server HOST:PORT]
#
# With --run SECONDS the array's tasks run `true` and the script follows them for that long, every 5 s:
# tasks ended (from /metrics), the mean time of the active head's commits, its resident memory, and which
# head is active (a head that cannot commit in time loses its lease). Start simulated workers first, e.g.
# `bin/hpc worker --simulate 200 --cores 16 --task-seconds 1`, so that thousands of tasks end each second.
#
# It makes two tokens with role user through the admin token the commands use (~/.hpc/token or
# $HPC_TOKEN): the submitter (the user running this script, so that a root worker may run its tasks) and
# a reader (bench-reader, whose one job stays held). The reader asks for its job over one kept-alive
# connection every 5 ms from 2 s before the submission to 2 s after its answer. The array's tasks run
# `sleep 30` (--held keeps them held). At the end the jobs are cancelled and both tokens revoked. The
# head's resident memory and its heap after a full GC are read when the head runs on this machine.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SIZE=1000000
HELD=""
RUN=0
SERVER=""
while [ $# -gt 0 ]; do
  case "$1" in
    --size) SIZE=$2; shift 2 ;;
    --held) HELD=held; shift ;;
    --run) RUN=$2; shift 2 ;;
    --server) SERVER=$2; shift 2 ;;
    *) echo "usage: $0 [--size N] [--held] [--run SECONDS] [--server HOST:PORT]" >&2; exit 2 ;;
  esac
done
command -v python3 >/dev/null || { echo "$0: needs python3" >&2; exit 2; }
HPC=("$ROOT/bin/hpc")
if [ -z "$SERVER" ]; then
  CONFIG=${HPC_CONFIG:-$HOME/.hpc/config}
  SERVER=$(sed -n 's/^server=\([^,]*\).*/\1/p' "$CONFIG" 2>/dev/null | head -1)
  [ -n "$SERVER" ] || { echo "$0: no --server given and no server= in $CONFIG; start a cluster (bin/hpc local up)" >&2; exit 2; }
fi
WORK=$(mktemp -d /tmp/hpc-big-array.XXXXXX)
IDS=()
cleanup() {
  set +e
  for id in "${IDS[@]}"; do HPC_SERVER="$SERVER" "${HPC[@]}" admin token revoke "$id" >/dev/null 2>&1; done
  rm -rf "$WORK"
}
trap cleanup EXIT

token() { # USER -> prints the token, remembers its id for the cleanup
  local out
  out=$(HPC_SERVER="$SERVER" "${HPC[@]}" admin token create "$1" 2>&1)
  IDS+=("$(sed -n 's/^token \([0-9a-f]*\) for.*/\1/p' <<<"$out")")
  tail -1 <<<"$out"
}
SUBMITTER=$(id -un)
token "$SUBMITTER" > "$WORK/a.tok"
token bench-reader > "$WORK/b.tok"

SERVERS=$(sed -n 's/^server=//p' "${HPC_CONFIG:-$HOME/.hpc/config}" 2>/dev/null | head -1)
python3 - "$SERVER" "$SIZE" "$HELD" "$WORK" "$RUN" "${SERVERS:-$SERVER}" <<'EOF'
import http.client, json, os, re, statistics, subprocess, sys, threading, time
server, size, held, work = sys.argv[1], int(sys.argv[2]), sys.argv[3] == 'held', sys.argv[4]
run, servers = int(sys.argv[5]), sys.argv[6].split(',')
host, port = server.rsplit(':', 1)
A = open(work + '/a.tok').read().strip()
B = open(work + '/b.tok').read().strip()

def call(tok, method, path, body=None):
    c = http.client.HTTPConnection(host, int(port), timeout=600)
    c.request(method, path, None if body is None else json.dumps(body),
              {'Authorization': 'Bearer ' + tok, 'Content-Type': 'application/json'})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data

def head_pid():
    status, data = call(A, 'GET', '/api/v1/cluster')
    pid = json.loads(data).get('head', {}).get('pid', 0)
    return pid if pid and os.path.exists('/proc/%d' % pid) else 0

def rss_mib(pid):
    for line in open('/proc/%d/status' % pid):
        if line.startswith('VmRSS'):
            return int(line.split()[1]) // 1024

def heap_after_gc(pid):
    try:
        subprocess.run(['jcmd', str(pid), 'GC.run'], capture_output=True, timeout=60)
        out = subprocess.run(['jcmd', str(pid), 'GC.heap_info'], capture_output=True, text=True, timeout=60).stdout
        used = [l for l in out.splitlines() if 'used' in l][0]
        return used.split('used')[1].split()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return '?'

def active_metrics():
    """The active head's /metrics as {name{labels}: value}, and its name and pid; empty when none answers."""
    for s in servers:
        h, p = s.strip().rsplit(':', 1)
        try:
            c = http.client.HTTPConnection(h, int(p), timeout=30)
            c.request('GET', '/metrics', headers={'Authorization': 'Bearer ' + A})
            text = c.getresponse().read().decode()
            c.request('GET', '/api/v1/cluster', headers={'Authorization': 'Bearer ' + A})
            head = json.loads(c.getresponse().read()).get('head', {})
            c.close()
        except (OSError, ValueError, http.client.HTTPException):
            continue
        values = {}
        for line in re.finditer(r'^([a-z_]+)(\{[^}]*\})? (\S+)$', text, re.M):
            # the head's own labels (cluster, head) are dropped; other labels stay in the key
            labels = re.sub(r'(cluster|head)="[^"]*",?', '', line.group(2) or '')
            values[line.group(1) + ('' if labels in ('', '{}') else labels)] = float(line.group(3))
        if values.get('hpc_head_active') == 1.0:
            return values, head.get('name', s), head.get('pid', 0)
    return {}, '', 0

def ended_tasks(m):
    return sum(v for k, v in m.items() if k.startswith('hpc_queue_tasks{')
               and re.search(r'state="(completed|failed|cancelled)"', k))

# tasks of jobs that ended before, still held by the head, are not counted
ended_before = ended_tasks(active_metrics()[0]) if run else 0

pid = head_pid()
if pid:
    print('head pid %d: resident %d MiB, heap used after a full GC %s' % (pid, rss_mib(pid), heap_after_gc(pid)))
status, data = call(B, 'POST', '/api/v1/jobs', {'script': '#!/bin/sh\ntrue\n', 'options': ['-h', '-N', 'reader'],
                                              'submitDir': '/tmp'})
reader = json.loads(data)['id']
latencies = []
stop = threading.Event()

def poll():
    c = http.client.HTTPConnection(host, int(port), timeout=600)
    while not stop.is_set():
        t0 = time.perf_counter()
        c.request('GET', '/api/v1/jobs/' + reader.split('.')[0], headers={'Authorization': 'Bearer ' + B})
        c.getresponse().read()
        latencies.append((t0, (time.perf_counter() - t0) * 1000))
        time.sleep(0.005)

poller = threading.Thread(target=poll)
poller.start()
time.sleep(2)
options = ['-J', '0-%d' % (size - 1), '-N', 'big'] + (['-h'] if held else [])
t0 = time.perf_counter()
status, data = call(A, 'POST', '/api/v1/jobs', {'script': '#!/bin/sh\n%s\n' % ('true' if run else 'sleep 30'), 'options': options,
                                              'submitDir': '/tmp'})
t1 = time.perf_counter()
time.sleep(2)
t2 = time.perf_counter()
if not run:
    stop.set()
    poller.join()
print('qsub -J 0-%d%s: HTTP %d in %.1f ms, an answer of %d bytes' % (size - 1, ' -h' if held else '', status,
                                                                    (t1 - t0) * 1000, len(data)))
if status != 201:
    print('  ' + data.decode()[:400])

def spread(name, values):
    values = sorted(values)
    if values:
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        print('  %s: %d calls, median %.2f ms, p99 %.2f ms, max %.2f ms'
              % (name, len(values), statistics.median(values), p99, values[-1]))

spread("another user's qstat of one job, before", [ms for t, ms in latencies if t < t0])
spread("the same, from the submission to 2 s after its answer", [ms for t, ms in latencies if t0 <= t < t2])
array = json.loads(data)['id'].split('.')[0].replace('[]', '') if status == 201 else ''
if array and not run:
    shown = call(A, 'GET', '/api/v1/jobs/' + array)[1]
    print('  GET of the array job: %d bytes' % len(shown))

if run and status == 201:
    print('following the array for %d s (every 5 s: tasks ended, mean commit, active head, its resident memory)' % run)
    before, began = {}, time.time()
    while time.time() - began < run:
        time.sleep(5)
        m, name, hpid = active_metrics()
        ended = ended_tasks(m) - ended_before
        sums, counts = m.get('hpc_store_commit_seconds_sum', 0), m.get('hpc_store_commit_seconds_count', 0)
        mean = ((sums - before.get('s', 0)) / (counts - before.get('c', 0)) * 1000
                if counts > before.get('c', 0) and before.get('n') == name else float('nan'))
        before = {'s': sums, 'c': counts, 'n': name}
        rss = rss_mib(hpid) if hpid and os.path.exists('/proc/%d' % hpid) else 0
        print('  %4.0f s: %8d tasks ended, mean commit %7.1f ms, active %s, resident %d MiB'
              % (time.time() - began, ended, mean, name or 'NONE', rss), flush=True)
    stop.set()
    poller.join()
    spread("another user's qstat of one job while the array ran", [ms for t, ms in latencies if t >= t2])
if pid:
    print('head: resident %d MiB, heap used after a full GC %s' % (rss_mib(pid), heap_after_gc(pid)))
if array:
    call(A, 'DELETE', '/api/v1/jobs/' + array)
call(B, 'DELETE', '/api/v1/jobs/' + reader.split('.')[0])
EOF
