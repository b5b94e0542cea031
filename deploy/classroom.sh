#!/usr/bin/env bash
# A classroom on one server: N `streamlit run app.py` replicas on loopback, HAProxy in front.
#
#   SEQ2SEQ_TEACHER_PASSPHRASE='...' bash deploy/classroom.sh --replicas 2 --port 8501
#
# Streamlit keeps each session in the memory of one process, so the proxy pins every browser to a
# replica with a cookie (a classroom shares one public address: hashing addresses would send
# everyone to the same replica). Websockets pass through; a dead replica is taken out at the first
# connection it refuses, its students' browsers reconnect to the others, and this script starts it
# again on the same port (back-off: 1 s, doubling up to 60 s while it keeps dying within a minute);
# health checks put it back in rotation. HAProxy is started again the same way: while it is gone no
# student can connect, but the replicas, their sessions and the runs carry on, and browsers reconnect
# to the same replica (their cookie) when it is back. Training runs live on disk, so every replica
# sees all of them; each replica has its own model cache.
#
# The teacher passphrase never stays in an environment or on a command line (both are readable by
# anyone on the machine who runs `ps eww`, and /proc/PID/environ keeps a process's initial
# environment for its whole life): the script writes it to a file readable by its owner only, in
# a state folder only the owner can enter, restarts itself without the variable or the option, and
# gives the replicas the file's path only. HAProxy never sees it. The file is removed at the end.
#
# Every replica, and so every training run and sweep launched from the app, carries a classroom
# tag in its environment; stopping the classroom asks each tagged process to stop (SIGTERM: a
# trainer finishes its step and saves a checkpoint, so the run can be resumed), even one whose
# replica was killed, and names any that are still running after --stop-grace seconds.
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
                             Anyone on this machine can read a command line while it starts:
                             prefer the environment variable SEQ2SEQ_TEACHER_PASSPHRASE or the
                             file below.
  --teacher-passphrase-file F  read the passphrase from the first line of F
                             (or SEQ2SEQ_TEACHER_PASSPHRASE_FILE=F)
  --no-passphrase            no classroom mode: anyone who opens the page may train and delete
  --state-dir DIR            HAProxy config, logs and the passphrase file (default: a new folder
                             under /tmp); made accessible to its owner only
  --app-dir DIR              the checkout to serve (default: the one holding this script)
  --stop-grace S             at the end, how long training runs launched from the app get to save
                             a checkpoint and stop (default 60)

A replica or HAProxy that exits is started again (its log says why it ended). Stops everything, the
training runs launched from this classroom included, on Ctrl+C or SIGTERM.
EOF
}

die() { echo "classroom.sh: $*" >&2; exit 2; }
note() { echo "classroom.sh: $(date '+%H:%M:%S') $*" >&2; }

PASSPHRASE_ENV=SEQ2SEQ_TEACHER_PASSPHRASE PASSPHRASE_FILE_ENV=SEQ2SEQ_TEACHER_PASSPHRASE_FILE
TAG_ENV=SEQ2SEQ_CLASSROOM  # in every replica's environment, inherited by the runs it launches
PASSPHRASE_FILE_NAME=teacher-passphrase

replicas=2 port=8501 address=0.0.0.0 first_port="" state_dir="" app_dir="" open=0 grace=60
passphrase="${!PASSPHRASE_ENV:-}"
passphrase_file="${!PASSPHRASE_FILE_ENV:-}"
# Re-executed without the passphrase in the environment or on the command line (see the top).
secret_visible=0
[[ -n "$passphrase" ]] && secret_visible=1
unset "$PASSPHRASE_ENV" "$PASSPHRASE_FILE_ENV"  # no child ever inherits either
kept=()  # the arguments, but the passphrase itself
while (($#)); do
  case "$1" in
    --replicas) replicas="${2:?}"; kept+=("$1" "$2"); shift 2 ;;
    --port) port="${2:?}"; kept+=("$1" "$2"); shift 2 ;;
    --address) address="${2:?}"; kept+=("$1" "$2"); shift 2 ;;
    --first-replica-port) first_port="${2:?}"; kept+=("$1" "$2"); shift 2 ;;
    --teacher-passphrase) passphrase="${2:?}"; passphrase_file=""; secret_visible=1; shift 2 ;;
    --teacher-passphrase-file) passphrase_file="${2:?}"; passphrase=""; kept+=("$1" "$2"); shift 2 ;;
    --no-passphrase) open=1; kept+=("$1"); shift ;;
    --state-dir) state_dir="${2:?}"; kept+=("$1" "$2"); shift 2 ;;
    --app-dir) app_dir="${2:?}"; kept+=("$1" "$2"); shift 2 ;;
    --stop-grace) grace="${2:?}"; kept+=("$1" "$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

[[ "$replicas" =~ ^[1-9][0-9]?$ ]] || die "--replicas takes a number from 1 to 99"
{ [[ "$port" =~ ^[0-9]+$ ]] && ((port > 0 && port < 65536)); } || die "--port takes a port number"
first_port="${first_port:-$((port + 1))}"
{ [[ "$first_port" =~ ^[0-9]+$ ]] && ((first_port > 0 && first_port + replicas < 65536)); } \
  || die "--first-replica-port takes a port number"
[[ "$grace" =~ ^[0-9]+$ ]] || die "--stop-grace takes a number of seconds"
if [[ -n "$passphrase_file" ]]; then
  [[ -r "$passphrase_file" ]] || die "cannot read the passphrase file $passphrase_file"
  IFS= read -r passphrase <"$passphrase_file" || true
fi
if ((open)); then
  passphrase=""
elif [[ -z "$passphrase" ]]; then
  die "give a teacher passphrase (SEQ2SEQ_TEACHER_PASSPHRASE, --teacher-passphrase-file or --teacher-passphrase), or --no-passphrase to let anyone train and delete runs"
fi
[[ "$passphrase" != *$'\n'* ]] || die "the teacher passphrase must be one line"
haproxy_bin="$(command -v haproxy || echo /usr/sbin/haproxy)"
[[ -x "$haproxy_bin" ]] || die "HAProxy is not installed (Debian: apt-get install haproxy)"
python_bin="${PYTHON:-python}"

script="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
app_dir="$(cd "${app_dir:-$(dirname "$script")/..}" && pwd)"
[[ -f "$app_dir/app.py" ]] || die "no app.py in $app_dir"
if [[ -z "$state_dir" ]]; then
  state_dir="$(mktemp -d "${TMPDIR:-/tmp}/seq2seq-classroom.XXXXXX")"
  kept+=(--state-dir "$state_dir")
fi
(umask 077 && mkdir -p "$state_dir")
[[ -d "$state_dir" && -O "$state_dir" && ! -L "$state_dir" ]] || die "$state_dir is not a folder of yours"
chmod 700 "$state_dir"
state_dir="$(cd "$state_dir" && pwd)"
config="$state_dir/haproxy.cfg"
secret="$state_dir/$PASSPHRASE_FILE_NAME"

tag="$(printf '%08x%08x%08x' "$SRANDOM" "$SRANDOM" "$SRANDOM")"
replica_pid=() started_at=() delay=() timer_pid=() restarts=()
haproxy_pid="" proxy_started_at=0 proxy_delay=0 proxy_timer="" proxy_restarts=""

stop_runs() {  # SIGTERM to every process carrying this classroom's tag; wait up to $grace s for them
  "$python_bin" - "$TAG_ENV=$tag" "$grace" <<'EOF' || true
import os, signal, sys, time
tag, grace = sys.argv[1].encode(), float(sys.argv[2])

def tagged():
    """pid -> (session id, command line) of the live processes whose environment carries the tag."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as handle:
                if tag not in handle.read().split(b"\0"):
                    continue
            with open(f"/proc/{name}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{name}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # gone, or not ours to read
            continue
        if fields[0] not in "ZX":
            found[int(name)] = (int(fields[3]), command)
    return found

signalled, deadline = set(), time.monotonic() + grace
while True:
    found = tagged()
    if not found:
        break
    for pid, (session, command) in sorted(found.items()):
        # A run is its own session (its leader is the trainer or torchrun, which tells its workers):
        # one SIGTERM to the leader, which saves a checkpoint and ends. A second one would end it at once.
        if pid not in signalled and (session == pid or session not in found):
            print(f"classroom.sh: stopping pid {pid} (launched from the app): {command}", file=sys.stderr, flush=True)
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            signalled.add(pid)
    if time.monotonic() > deadline:
        for pid, (_, command) in sorted(found.items()):
            print(f"classroom.sh: still running {grace:.0f} s after it was asked to stop, left running: pid {pid}: "
                  f"{command} (`kill {pid}` again ends it at once)", file=sys.stderr, flush=True)
        sys.exit(1)
    time.sleep(0.5)
if signalled:
    print(f"classroom.sh: {len(signalled)} process(es) launched from the app stopped", file=sys.stderr, flush=True)
EOF
}

keep_running() {  # alive := the pids in alive that are still our own running children
  # `wait -n` skips a pid it already reaped (a replica that died, a finished restart back-off), and such a
  # pid may since name another process or thread, which must never be signalled: ask the shell's job table.
  local running pid still=()
  running=" $(jobs -pr | tr '\n' ' ') "
  for pid in "${alive[@]}"; do [[ "$running" == *" $pid "* ]] && still+=("$pid"); done
  alive=("${still[@]}")
}

stop_all() {
  trap '' INT TERM  # the stop is bounded; a second Ctrl+C must not leave runs or the passphrase behind
  trap - EXIT
  local pid finished timer waited=0
  alive=()
  for pid in "$haproxy_pid" "$proxy_timer" "${replica_pid[@]}" "${timer_pid[@]}"; do
    [[ -n "$pid" ]] && alive+=("$pid")
  done
  keep_running
  kill -TERM "${alive[@]}" 2>/dev/null || true
  while ((${#alive[@]})); do
    sleep 1 &
    timer=$!
    finished=""
    wait -n -p finished "${alive[@]}" "$timer" 2>/dev/null || true
    kill -KILL "$timer" 2>/dev/null || true  # the timer inherited the ignored SIGTERM of the trap above
    keep_running
    [[ -n "$finished" && "$finished" != "$timer" ]] && continue
    waited=$((waited + 1))
    if ((waited >= 30 && ${#alive[@]})); then
      echo "classroom.sh: pid(s) ${alive[*]} still running 30 s after SIGTERM: killed" >&2
      kill -KILL "${alive[@]}" 2>/dev/null || true
      break
    fi
    # Again, each second: a replica that was (re)starting when the first SIGTERM came can lose it before
    # Streamlit's handler is in place.
    kill -TERM "${alive[@]}" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  stop_runs
  rm -f "$secret"
}

trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The passphrase goes to a file only its owner can read; the replicas get the file's path.
if [[ -n "$passphrase" ]]; then
  if [[ "$passphrase_file" != "$secret" ]]; then
    rm -f "$secret"
    (umask 077 && printf '%s\n' "$passphrase" >"$secret")
  fi
  chmod 600 "$secret"
fi
if ((secret_visible)); then
  # This process's environment or command line holds the passphrase: start again without it.
  ((open)) || kept+=(--teacher-passphrase-file "$secret")
  exec "${BASH:-bash}" "$script" "${kept[@]}"
fi
unset passphrase

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
    # A request pinned to a replica that is gone is sent to another one at the first retry instead of
    # failing (a refused connection is retried at once; a replica that hangs, after timeout connect).
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
    # row take it out, and its open websockets are left alone. A dead one is out sooner: the first
    # connection it refuses (a student's request or a check) marks it down (observe layer4), and its
    # students' reconnects go to the others. While down it is checked every second, and twice
    # 0.5 s apart once it answers, so a restarted replica is back in rotation within ~2 s of starting.
    timeout check 5s
    default-server check inter 2s fastinter 500ms downinter 1s fall 3 rise 2 observe layer4 error-limit 1 on-error mark-down
EOF
  local i
  for ((i = 1; i <= replicas; i++)); do
    echo "    server r$i 127.0.0.1:$((first_port + i - 1)) cookie r$i" >>"$config"
  done
}

start_replica() {  # start_replica I [first]: replica rI on its port, appending to its log
  local i=$1 log="$state_dir/replica-r$1.log" replica_port=$((first_port + $1 - 1))
  local passing=()
  [[ -f "$secret" ]] && passing=("$PASSPHRASE_FILE_ENV=$secret")
  [[ "${2:-}" == first ]] && : >"$log"
  # The passphrase file's path and the classroom tag, in this replica's environment only.
  env "${passing[@]}" "$TAG_ENV=$tag" OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" \
    "$python_bin" -m streamlit run app.py --server.port "$replica_port" --server.address 127.0.0.1 \
    >>"$log" 2>&1 &
  replica_pid[i]=$!
  started_at[i]=$SECONDS
  echo "replica r$i: 127.0.0.1:$replica_port pid $! log $log${restarts[i]:+ (restart ${restarts[i]})}"
}

start_proxy() {  # HAProxy in the foreground (-db: a child this script waits for), appending to its log
  "$haproxy_bin" -db -f "$config" >>"$state_dir/haproxy.log" 2>&1 &
  haproxy_pid=$!
  proxy_started_at=$SECONDS
  echo "proxy: pid $haproxy_pid log $state_dir/haproxy.log config $config${proxy_restarts:+ (restart $proxy_restarts)}"
}

backoff() {  # backoff UP DELAY: the wait before a restart: 1 s after a process that stayed up a minute,
  # doubling (to 60 s) while it dies sooner (a port taken, a broken install: no restart storm)
  if (($1 >= 60 || $2 == 0)); then echo 1; else echo $(($2 * 2 > 60 ? 60 : $2 * 2)); fi
}

wait_healthy() {  # every replica answers /_stcore/health, or one died, or 180 s passed
  "$python_bin" - "$first_port" "$replicas" "${replica_pid[@]}" <<'EOF'
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
  delay[i]=0 restarts[i]="" timer_pid[i]=""
  start_replica "$i" first
done
wait_healthy || die "see the logs in $state_dir"
start_proxy
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
echo "classroom ready: http://$shown:$port ($replicas replicas, restarted if they exit; $mode)"

# Until Ctrl+C or SIGTERM: a replica or the proxy that exits is started again after its back-off.
while true; do
  waiting=()
  [[ -n "$haproxy_pid" ]] && waiting+=("$haproxy_pid")
  [[ -n "$proxy_timer" ]] && waiting+=("$proxy_timer")
  for ((i = 1; i <= replicas; i++)); do
    [[ -n "${replica_pid[i]}" ]] && waiting+=("${replica_pid[i]}")
    [[ -n "${timer_pid[i]}" ]] && waiting+=("${timer_pid[i]}")
  done
  finished="" status=0
  wait -n -p finished "${waiting[@]}" || status=$?
  if [[ -z "$finished" ]]; then  # not a child any more (cannot happen): do not spin
    sleep 1
    continue
  fi
  if [[ "$finished" == "$haproxy_pid" ]]; then
    up=$((SECONDS - proxy_started_at))
    proxy_delay=$(backoff "$up" "$proxy_delay")
    note "HAProxy (pid $finished) exited with status $status after ${up} s; no student can connect until it is back (replicas and runs carry on); restarting it in ${proxy_delay} s (see $state_dir/haproxy.log)"
    haproxy_pid=""
    sleep "$proxy_delay" &
    proxy_timer=$!
    continue
  elif [[ "$finished" == "$proxy_timer" ]]; then
    proxy_timer=""
    proxy_restarts=$((${proxy_restarts:-0} + 1))
    echo "--- $(date '+%F %T') classroom.sh: restart $proxy_restarts of HAProxy" >>"$state_dir/haproxy.log"
    start_proxy
    continue
  fi
  for ((i = 1; i <= replicas; i++)); do
    if [[ "$finished" == "${replica_pid[i]}" ]]; then
      up=$((SECONDS - started_at[i]))
      delay[i]=$(backoff "$up" "${delay[i]}")
      note "replica r$i (pid $finished) exited with status $status after ${up} s; its students reconnect to the others; restarting it in ${delay[i]} s (see $state_dir/replica-r$i.log)"
      replica_pid[i]=""
      sleep "${delay[i]}" &
      timer_pid[i]=$!
    elif [[ "$finished" == "${timer_pid[i]}" ]]; then
      timer_pid[i]=""
      restarts[i]=$((${restarts[i]:-0} + 1))
      echo "--- $(date '+%F %T') classroom.sh: restart ${restarts[i]} of replica r$i" >>"$state_dir/replica-r$i.log"
      start_replica "$i"
    fi
  done
done
