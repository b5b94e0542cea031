#!/usr/bin/env bash
# A classroom on one server: N `streamlit run app.py` replicas on loopback, HAProxy in front.
#
#   SEQ2SEQ_TEACHER_PASSPHRASE='...' bash deploy/classroom.sh --replicas 2 --port 8501
#
# Streamlit keeps each session in the memory of one process, so the proxy pins every browser to a
# replica with a cookie (a classroom shares one public address: hashing addresses would send
# everyone to the same replica). Websockets pass through; /_stcore/health checks take a dead
# replica out, and its students' browsers reconnect to the others. Training runs live on disk,
# so every replica sees all of them; each replica has its own model cache.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bash deploy/classroom.sh [--replicas N] [--port PORT] [options]

  --replicas N               app processes (default 2; one per core or two is plenty)
  --port PORT                where students connect (default 8501)
  --address ADDR             the proxy's address (default 0.0.0.0: every interface;
                             127.0.0.1 to try it on this machine only)
  --first-replica-port P     replicas listen on 127.0.0.1:P, P+1, ... (default PORT+1)
  --teacher-passphrase TEXT  guards launching, stopping, resuming and deleting runs and uploads.
                             Anyone on this machine can read a command line: prefer the
                             environment variable SEQ2SEQ_TEACHER_PASSPHRASE or the file below.
  --teacher-passphrase-file F  read the passphrase from the first line of F
  --no-passphrase            no classroom mode: anyone who opens the page may train and delete
  --state-dir DIR            HAProxy config and logs (default: a new folder under /tmp)
  --app-dir DIR              the checkout to serve (default: the one holding this script)

Stops everything on Ctrl+C or SIGTERM.
EOF
}

die() { echo "classroom.sh: $*" >&2; exit 2; }

replicas=2 port=8501 address=0.0.0.0 first_port="" state_dir="" app_dir="" open=0
passphrase="${SEQ2SEQ_TEACHER_PASSPHRASE:-}"
while (($#)); do
  case "$1" in
    --replicas) replicas="${2:?}"; shift 2 ;;
    --port) port="${2:?}"; shift 2 ;;
    --address) address="${2:?}"; shift 2 ;;
    --first-replica-port) first_port="${2:?}"; shift 2 ;;
    --teacher-passphrase) passphrase="${2:?}"; shift 2 ;;
    --teacher-passphrase-file) IFS= read -r passphrase <"${2:?}" || true; shift 2 ;;
    --no-passphrase) open=1; shift ;;
    --state-dir) state_dir="${2:?}"; shift 2 ;;
    --app-dir) app_dir="${2:?}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

[[ "$replicas" =~ ^[1-9][0-9]?$ ]] || die "--replicas takes a number from 1 to 99"
[[ "$port" =~ ^[0-9]+$ ]] && ((port > 0 && port < 65536)) || die "--port takes a port number"
first_port="${first_port:-$((port + 1))}"
[[ "$first_port" =~ ^[0-9]+$ ]] && ((first_port > 0 && first_port + replicas < 65536)) \
  || die "--first-replica-port takes a port number"
if ((open)); then
  passphrase=""
elif [[ -z "$passphrase" ]]; then
  die "give a teacher passphrase (SEQ2SEQ_TEACHER_PASSPHRASE, --teacher-passphrase-file or --teacher-passphrase), or --no-passphrase to let anyone train and delete runs"
fi
haproxy_bin="$(command -v haproxy || echo /usr/sbin/haproxy)"
[[ -x "$haproxy_bin" ]] || die "HAProxy is not installed (Debian: apt-get install haproxy)"
python_bin="${PYTHON:-python}"

app_dir="$(cd "${app_dir:-$(dirname "${BASH_SOURCE[0]}")/..}" && pwd)"
[[ -f "$app_dir/app.py" ]] || die "no app.py in $app_dir"
state_dir="${state_dir:-$(mktemp -d "${TMPDIR:-/tmp}/seq2seq-classroom.XXXXXX")}"
mkdir -p "$state_dir"
config="$state_dir/haproxy.cfg"

pids=()
stop_all() {
  trap - EXIT INT TERM
  ((${#pids[@]})) && kill -TERM "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

write_config() {
  cat >"$config" <<EOF
# Written by deploy/classroom.sh; rewritten at each start.
global
    maxconn 4096
    # State changes only (a replica going down or up): requests are not logged.
    log stdout format raw local0 notice

defaults
    mode http
    log global
    timeout connect 5s
    timeout client 60s
    timeout server 120s
    # A websocket stays open for a whole lesson; a script run may take a while on a busy machine.
    timeout tunnel 2h
    timeout http-request 10s
    # A request pinned to a replica that is gone is sent to another one instead of failing.
    option redispatch 1
    retries 3

frontend classroom
    bind ${address}:${port}
    default_backend replicas

backend replicas
    # Websockets are long-lived: the replica with the fewest open ones takes the next student.
    balance leastconn
    # The browser keeps its replica in a cookie set on its first request (the page or the health
    # check it makes before opening the websocket); uploads and reconnects carry it.
    cookie SEQ2SEQ_REPLICA insert indirect nocache httponly attr "SameSite=Lax"
    option httpchk
    http-check send meth GET uri /_stcore/health
    http-check expect status 200
    # Which replica answered: for tests and for debugging a classroom, not a secret.
    http-response set-header X-Replica %s
    # A replica busy with a long script run answers its health check late: only three misses in a
    # row (a dead replica, not a slow one) take it out, and its open websockets are left alone.
    timeout check 5s
    default-server check inter 2s fall 3 rise 2
EOF
  for ((i = 1; i <= replicas; i++)); do
    echo "    server r$i 127.0.0.1:$((first_port + i - 1)) cookie r$i" >>"$config"
  done
}

wait_healthy() {  # every replica answers /_stcore/health, or one died, or 180 s passed
  "$python_bin" - "$first_port" "$replicas" "${pids[@]}" <<'EOF'
import os, sys, time, urllib.request
first, count, pids = int(sys.argv[1]), int(sys.argv[2]), [int(p) for p in sys.argv[3:]]
pending, deadline = set(range(count)), time.monotonic() + 180
while pending and time.monotonic() < deadline:
    for i in sorted(pending):
        try:
            os.kill(pids[i], 0)
        except ProcessLookupError:
            sys.exit(f"replica r{i + 1} exited while starting")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{first + i}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    pending.discard(i)
        except OSError:
            pass
    time.sleep(0.2)
sys.exit(f"replicas {sorted(f'r{i + 1}' for i in pending)} did not start within 180 s" if pending else 0)
EOF
}

write_config
"$haproxy_bin" -c -q -f "$config" || die "HAProxy refused $config"
cd "$app_dir"
for ((i = 1; i <= replicas; i++)); do
  replica_port=$((first_port + i - 1))
  # The passphrase reaches the app through its environment only; the app drops it from there.
  SEQ2SEQ_TEACHER_PASSPHRASE="$passphrase" OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" \
    "$python_bin" -m streamlit run app.py --server.port "$replica_port" --server.address 127.0.0.1 \
    >"$state_dir/replica-r$i.log" 2>&1 &
  pids+=("$!")
  echo "replica r$i: 127.0.0.1:$replica_port pid $! log $state_dir/replica-r$i.log"
done
wait_healthy || die "see the logs in $state_dir"
"$haproxy_bin" -db -f "$config" >>"$state_dir/haproxy.log" 2>&1 &
haproxy_pid=$!
pids+=("$haproxy_pid")
echo "proxy: pid $haproxy_pid log $state_dir/haproxy.log config $config"
local_address="$address"
[[ "$address" == 0.0.0.0 ]] && local_address=127.0.0.1
"$python_bin" - "$local_address" "$port" "$haproxy_pid" <<'EOF' || die "HAProxy did not answer; see $state_dir/haproxy.log"
import os, sys, time, urllib.request
address, port, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    os.kill(pid, 0)  # HAProxy gone: ProcessLookupError, exit code 1
    try:
        with urllib.request.urlopen(f"http://{address}:{port}/_stcore/health", timeout=2) as reply:
            sys.exit(0 if reply.status == 200 else 1)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
EOF
shown="$address"
if [[ "$address" == 0.0.0.0 ]]; then
  shown="$(hostname -I 2>/dev/null | awk '{print $1}')"
  shown="${shown:-localhost}"
fi
mode="teacher passphrase required for training, uploads and deleting"
((open)) && mode="no passphrase: anyone may train and delete runs"
echo "classroom ready: http://$shown:$port ($replicas replicas; $mode)"

# Until the proxy stops (or Ctrl+C): a replica that dies is reported, its students move to the others.
while true; do
  finished=0
  wait -n -p finished "${pids[@]}" || true
  if [[ "$finished" == "$haproxy_pid" ]]; then
    die "HAProxy exited; see $state_dir/haproxy.log"
  fi
  for i in "${!pids[@]}"; do
    if [[ "${pids[$i]}" == "$finished" ]]; then
      echo "replica r$((i + 1)) (pid $finished) exited; its students reconnect to the other replicas" >&2
      unset 'pids[i]'
    fi
  done
done
