"""Background training runs started from the app: launch, watch, stop, resume, delete.

Each run is a `python -m seq2seq train` process in its own session, writing into
<runs>/<id>/ (see service.runs_root), so it survives page reloads and never blocks the app. The
app records what it asked for in status.json ("launching", "running", "stopping"); whether a run is
still alive, finished, stopped or crashed is derived from its process and the files it writes:
events.jsonl ends with a "done" event only when the trainer left its loop normally.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from seq2seq.catalog import REPO_ROOT, runs_root
from seq2seq.checkpoint import TRAINER_STATE, WEIGHTS
from seq2seq.data.upload import validate_tsv
from seq2seq.errors import UserError
from seq2seq.files import write_text
from seq2seq.jobs.events import Event, last_event, read_jsonl
from seq2seq.training.recipe import check_recipe

RUN_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
LIVE = ("launching", "running", "stopping")
STATUS, RECIPE, EVENTS, LOG, UPLOAD = "status.json", "recipe.json", "events.jsonl", "log.txt", "data.tsv"
MAX_RUNS_ENV = "SEQ2SEQ_MAX_RUNS"
# Half the cores at most: the app and its other users need the rest to stay responsive.
MAX_THREADS = max(1, (os.cpu_count() or 2) // 2)
# A run that has not got a process this long after "launching" was interrupted while starting.
LAUNCH_GRACE_S = 60.0
# A run written by a process outside the app (no status.json) counts as busy for this long.
EXTERNAL_QUIET_S = 15 * 60
# Our own children, kept so that they can be polled (and reaped) instead of lingering as zombies.
_CHILDREN: dict[int, subprocess.Popen] = {}


@dataclass(frozen=True)
class RunStatus:
    run_id: str
    state: str  # launching, running, stopping, stopped, finished, failed
    name: str
    data: str
    pid: int | None
    started: float | None
    ended: float | None
    reason: str  # the trainer's stop reason (target_reached, patience, max_steps, time_budget, finished, stopped)
    error: str  # why a failed run failed
    log_tail: str
    has_checkpoint: bool
    can_resume: bool

    @property
    def live(self) -> bool:
        return self.state in LIVE

    @property
    def model_name(self) -> str:
        """The name service.list_models gives this run's checkpoint."""
        return f"runs/{self.run_id}"


# ----- where runs live -----
def run_dir(run_id: str) -> Path:
    """The folder of a run; refuses ids that could point anywhere else."""
    if not isinstance(run_id, str) or not RUN_ID.match(run_id):
        raise UserError(f"invalid run id {run_id!r}: use lowercase letters, digits, '-' and '_' (at most 64)")
    root = runs_root()
    path = root / run_id
    if path.is_symlink() or (path.exists() and path.resolve().parent != root.resolve()):
        raise UserError(f"run {run_id!r} is not a folder inside {root}")
    return path


def make_run_id(name: str) -> str:
    """A new id from a display name: 'My dates run' -> 'my-dates-run', then -2, -3... if taken."""
    base = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_")[:56] or "run"
    candidates = [base] + [f"{base}-{n}" for n in range(2, 1000)]
    root = runs_root()
    free = next((c for c in candidates if not os.path.lexists(root / c)), None)
    if free is None:
        raise UserError(f"too many runs named {name!r}; choose another name")
    return free


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """One launcher at a time (across app sessions and processes), so limits cannot be overrun."""
    root = runs_root()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ----- status.json -----
def _read_record(directory: Path) -> dict[str, Any]:
    try:
        record = json.loads((directory / STATUS).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"no run {directory.name!r} (it was not started from the app or was deleted)") from None
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{directory / STATUS} is unreadable ({exc})") from None
    return record if isinstance(record, dict) else {}


def _write_record(directory: Path, record: dict[str, Any]) -> None:
    write_text(directory / STATUS, json.dumps(record, indent=2, ensure_ascii=False))


# ----- processes -----
def _alive(pid: int, directory: Path) -> bool:
    """True while the worker for `directory` runs; a recycled pid running something else is not it."""
    child = _CHILDREN.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    proc = Path(f"/proc/{pid}")
    if not proc.is_dir():
        return True  # no procfs to check against (macOS): trust the pid
    try:
        cmdline, stat = (proc / "cmdline").read_bytes(), (proc / "stat").read_text()
    except OSError:
        return False
    return str(directory).encode() in cmdline and stat.rsplit(")", 1)[-1].split()[0] != "Z"


def train_command(args: list[str], processes: int = 1) -> list[str]:
    """The training command line; several processes train data-parallel under torchrun (one host)."""
    launcher = ["-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}"] if processes > 1 else []
    return [sys.executable, *launcher, "-m", "seq2seq", "train", *args]


def _spawn(directory: Path, args: list[str], threads: int, processes: int = 1) -> int:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads), "PYTHONUNBUFFERED": "1"}
    command = train_command([*args, "--events", str(directory / EVENTS), "--quiet"], processes)
    with open(directory / LOG, "ab") as log:
        log.write(f"$ {shlex.join(command[1:])}\n".encode())
        log.flush()
        try:
            process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as exc:
            raise UserError(f"cannot start the training process ({exc})") from None
    _CHILDREN[process.pid] = process
    return process.pid


def _events_size(directory: Path) -> int:
    try:
        return (directory / EVENTS).stat().st_size
    except FileNotFoundError:
        return 0


# ----- deriving the state -----
def _still_running(record: dict[str, Any], directory: Path) -> bool:
    pid = record.get("pid")
    if pid is None:
        return record.get("state") == "launching" and time.time() - record.get("started", 0) < LAUNCH_GRACE_S
    return _alive(int(pid), directory)


def _refresh(directory: Path, record: dict[str, Any]) -> dict[str, Any]:
    """Settle a run whose process is gone; call with the lock held."""
    if record.get("state") not in LIVE or _still_running(record, directory):
        return record
    done = last_event(directory / EVENTS, record.get("events_from", 0))
    reason = done.get("reason", "") if done and done["type"] == "done" else ""
    if reason:
        state = "stopped" if reason == "stopped" else "finished"
    else:
        state = "stopped" if record.get("state") == "stopping" else "failed"
    record = {**record, "state": state, "reason": reason, "ended": time.time(), "pid": None}
    _write_record(directory, record)
    return record


def _current(directory: Path) -> dict[str, Any]:
    record = _read_record(directory)
    if record.get("state") in LIVE and not _still_running(record, directory):
        with _locked():
            record = _refresh(directory, _read_record(directory))  # re-read: another session may have resumed it
    return record


def log_tail(run_id: str, lines: int = 20, max_bytes: int = 8192) -> str:
    path = run_dir(run_id) / LOG
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, handle.seek(0, 2) - max_bytes))
            data = handle.read()
    except FileNotFoundError:
        return ""
    # The CLI's progress bar redraws with carriage returns; only the last drawing of a line matters.
    text = [line.rsplit("\r", 1)[-1] for line in data.decode("utf-8", errors="replace").splitlines()]
    return "\n".join(text[-lines:])


def _failure(tail: str) -> str:
    errors = [line[len("error: "):] for line in tail.splitlines() if line.startswith("error: ")]
    if errors:
        return errors[-1]
    return "the training process ended without finishing (killed or crashed); see the end of its log"


def _status(run_id: str, directory: Path, record: dict[str, Any]) -> RunStatus:
    state = record.get("state", "failed")
    tail = log_tail(run_id) if state == "failed" else ""
    checkpoint = (directory / WEIGHTS).is_file()
    return RunStatus(run_id, state, str(record.get("name", run_id)), str(record.get("data", "?")), record.get("pid"),
                     record.get("started"), record.get("ended"), str(record.get("reason", "")),
                     _failure(tail) if state == "failed" else "", tail, checkpoint,
                     state in ("stopped", "failed") and (directory / TRAINER_STATE).is_file())


def status(run_id: str) -> RunStatus:
    directory = run_dir(run_id)
    return _status(run_id, directory, _current(directory))


def list_runs() -> list[RunStatus]:
    """Runs started from the app, newest first."""
    root = runs_root()
    ids = [p.name for p in root.iterdir() if RUN_ID.match(p.name) and (p / STATUS).is_file()] \
        if root.is_dir() else []
    found = []
    for run_id in ids:
        with contextlib.suppress(UserError):
            found.append(status(run_id))
    return sorted(found, key=lambda s: s.started or 0, reverse=True)


def read_events(run_id: str, since_offset: int = 0) -> tuple[list[Event], int]:
    """New events of a run since a byte offset, and the offset for the next call."""
    return read_jsonl(run_dir(run_id) / EVENTS, since_offset)


# ----- actions -----
def max_concurrent_runs() -> int:
    try:
        return max(1, int(os.environ.get(MAX_RUNS_ENV, "1")))
    except ValueError:
        return 1


def _check_capacity(limit: int | None) -> None:
    limit = max_concurrent_runs() if limit is None else limit
    live = _live_ids()
    if len(live) >= limit:
        raise UserError(f"{len(live)} run(s) already training ({', '.join(sorted(live))}); the limit is {limit}. "
                        "Stop one or wait for it to finish.")


def _live_ids() -> list[str]:
    """Runs training now; call with the lock held (settling finished ones on the way)."""
    live = []
    for path in runs_root().iterdir():
        if (path / STATUS).is_file() and not path.is_symlink():
            with contextlib.suppress(UserError):
                if _refresh(path, _read_record(path)).get("state") in LIVE:
                    live.append(path.name)
    return live


def _check_threads(threads: int) -> int:
    if not isinstance(threads, int) or isinstance(threads, bool) or not 1 <= threads <= MAX_THREADS:
        raise UserError(f"threads must be between 1 and {MAX_THREADS} on this computer, got {threads!r}")
    return threads


def _check_processes(processes: int, threads: int) -> int:
    if not isinstance(processes, int) or isinstance(processes, bool) or not 1 <= processes * threads <= MAX_THREADS:
        raise UserError(f"processes × threads must be between 1 and {MAX_THREADS} on this computer, "
                        f"got {processes!r} × {threads}")
    return processes


def launch(recipe: dict[str, Any], name: str, threads: int = 1, upload: bytes | None = None,
           max_concurrent: int | None = None, processes: int = 1) -> str:
    """Start training `recipe` in the background; returns the new run's id.

    `upload` is a `source<TAB>target` file to train on; it is checked before anything is written.
    `processes` > 1 trains data-parallel, each process with `threads` threads and its own
    `batch_tokens` batch per step (README, "Distributed training").
    """
    recipe = check_recipe(recipe)
    recipe["train"]["threads"] = _check_threads(threads)
    _check_processes(processes, threads)
    if upload is not None:
        validate_tsv(upload)
    with _locked():
        _check_capacity(max_concurrent)
        run_id = make_run_id(name)
        directory = run_dir(run_id)
        directory.mkdir()
        if upload is not None:
            (directory / UPLOAD).write_bytes(upload)
            recipe["train"]["data"] = f"tsv:{directory / UPLOAD}"
        write_text(directory / RECIPE, json.dumps(recipe, indent=2, ensure_ascii=False))
        record = {"run_id": run_id, "name": name, "data": recipe["train"].get("data", "toy:dates"),
                  "threads": threads, "processes": processes, "state": "launching", "pid": None,
                  "started": time.time(), "ended": None}
        _write_record(directory, record)
        _start(directory, record, ["--config", str(directory / RECIPE), "--out", str(directory)])
    return run_id


def _start(directory: Path, record: dict[str, Any], args: list[str]) -> None:
    record["events_from"] = _events_size(directory)
    try:
        pid = _spawn(directory, args, int(record.get("threads", 1)), int(record.get("processes", 1)))
    except UserError:
        _write_record(directory, {**record, "state": "failed", "ended": time.time()})
        raise
    _write_record(directory, {**record, "state": "running", "pid": pid})


def stop(run_id: str) -> None:
    """Ask the trainer to stop after its current step; it saves a checkpoint first (SIGTERM)."""
    directory = run_dir(run_id)
    with _locked():
        record = _refresh(directory, _read_record(directory))
        if record.get("state") not in ("running", "launching"):
            if record.get("state") == "stopping":
                return
            raise UserError(f"run {run_id} is not training (it is {record.get('state')})")
        if record.get("pid") is None:
            raise UserError(f"run {run_id} is still starting; try again in a moment")
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(record["pid"]), signal.SIGTERM)
        _write_record(directory, {**record, "state": "stopping"})


def resume(run_id: str, max_concurrent: int | None = None) -> None:
    """Continue a stopped or crashed run from its last saved step (step count and curves go on)."""
    directory = run_dir(run_id)
    with _locked():
        record = _refresh(directory, _read_record(directory))
        if record.get("state") not in ("stopped", "failed"):
            raise UserError(f"run {run_id} is {record.get('state')}; only a stopped or failed run can be resumed")
        if not (directory / TRAINER_STATE).is_file():
            raise UserError(f"run {run_id} saved no checkpoint before it ended (the first is written at the "
                            "first validation); delete it and launch it again")
        _check_capacity(max_concurrent)
        record = {**record, "state": "launching", "pid": None, "ended": None, "reason": "", "resumed": time.time()}
        _write_record(directory, record)
        _start(directory, record, ["--resume", str(directory)])


def delete(run_id: str) -> None:
    """Remove a user run's folder; refused while it trains. Shipped models are not in the runs folder."""
    directory = run_dir(run_id)
    if not directory.is_dir():
        raise UserError(f"no run {run_id!r}")
    with _locked():
        if (directory / STATUS).is_file():
            state = _refresh(directory, _read_record(directory)).get("state")
            if state in LIVE:
                raise UserError(f"run {run_id} is {state}; stop it before deleting it")
        elif _external_busy(directory):
            raise UserError(f"run {run_id} was written in the last {EXTERNAL_QUIET_S // 60} minutes by a training "
                            "process outside the app and has not finished; stop that process first")
        shutil.rmtree(directory)


def _external_busy(directory: Path) -> bool:
    """A run from the command line: busy unless the trainer recorded its end or went quiet long ago."""
    try:
        if "stop_reason" in json.loads((directory / "metrics.json").read_text(encoding="utf-8")):
            return False
    except (OSError, ValueError):
        pass
    newest = max((p.stat().st_mtime for p in directory.iterdir() if p.is_file()), default=0.0)
    return time.time() - newest < EXTERNAL_QUIET_S
