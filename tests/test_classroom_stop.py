"""Stopping deploy/classroom.sh stops the training runs launched from it, gracefully, even when the
replica that launched one was killed (its run was reparented to PID 1), and removes the passphrase
file. One replica, one run launched through the proxy by a teacher's browser session (benchmarks/load.py).
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
from pathlib import Path

import pytest
from conftest import wait_until

from benchmarks import app_server, load
from seq2seq.catalog import RUNS_ENV
from seq2seq.jobs import runs

pytestmark = pytest.mark.slow  # real training runs or subprocesses: left out of the quick loop

if not shutil.which("haproxy") and not os.path.exists("/usr/sbin/haproxy"):
    pytest.skip("HAProxy is not installed (apt package `haproxy`)", allow_module_level=True)

PASSPHRASE = "chalk and cheese"
START_DEADLINE_S = 300  # the run builds its data and model on a busy machine before its first step


async def launch_as_teacher(url: str) -> str:
    """Train page: unlock with the passphrase, then Launch the default preset; the replica that served it."""
    teacher = load.Browser(url)
    tab = await teacher.open("", "Train")
    try:
        await tab.run()
        await tab.run([load.WidgetState(id=tab.widget("Teacher passphrase"), string_value=PASSPHRASE),
                       load.WidgetState(id=tab.widget("Unlock teacher actions"), trigger_value=True)])
        page = await tab.click(tab.widget("🚀 Launch"))
        assert not page.errors, page.errors
    finally:
        await tab.close()
    return teacher.replicas[-1]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


def started(directory: Path) -> bool:
    """The trainer's first event: it is in its loop, where SIGTERM means "save and stop"."""
    try:
        lines = (directory / runs.EVENTS).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return False
    return any(json.loads(line).get("type") == "start" for line in lines if line.strip())


def test_stopping_the_classroom_stops_its_runs_even_when_their_replica_was_killed(tmp_path, monkeypatch):
    runs_dir = tmp_path / "runs"
    monkeypatch.setenv(RUNS_ENV, str(runs_dir))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    with app_server.classroom(1, passphrase=PASSPHRASE, env=env, log_path=tmp_path / "classroom.log") as room:
        state_dir = Path(re.search(r"^proxy: pid \d+ log (\S+)/haproxy\.log", "\n".join(room.output), re.M).group(1))
        secret = state_dir / "teacher-passphrase"
        assert secret.read_text(encoding="utf-8") == PASSPHRASE + "\n"

        replica = asyncio.run(asyncio.wait_for(launch_as_teacher(room.url), 300))
        (run,) = wait_until(runs.list_runs, 60, "the launched run")
        wait_until(lambda: started(runs_dir / run.run_id), START_DEADLINE_S, "the run's first step")
        pid = runs.status(run.run_id).pid
        assert pid and alive(pid)
        # The replica that launched it dies: the run is reparented, out of every process tree of the classroom.
        os.kill(room.current_replicas()[replica], signal.SIGKILL)
        wait_until(lambda: any("restarting it in" in line for line in room.output), 60, "the script to see it")
        assert alive(pid)
    # Leaving the block sent SIGTERM to the script and waited for it to end.
    assert room.process.returncode is not None
    assert not alive(pid)
    output = "\n".join(room.output)
    assert f"stopping pid {pid} (launched from the app)" in output, output
    assert "left running" not in output
    assert "still running 30 s after SIGTERM" not in output  # the replica, its restart and the proxy ended at once
    status = runs.status(run.run_id)
    assert status.state == "stopped" and status.reason == "stopped", status  # the trainer's own graceful stop
    assert status.can_resume  # it saved its checkpoint on the way out
    assert not secret.exists()
