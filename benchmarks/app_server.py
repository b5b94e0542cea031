"""The app as a local server, for the browser tests and the benchmarks: `streamlit run app.py` on a
free port with the repository's .streamlit/config.toml as it ships (headless, bound to localhost,
no usage pings, no file watcher), the Debian chromium that drives it through Playwright, and
deploy/classroom.sh (replicas behind HAProxy) on free ports.
"""
from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PASSPHRASE_ENV = "SEQ2SEQ_TEACHER_PASSPHRASE"  # seq2seq.service.passphrase's; not imported, to keep this light
SCRIPT = REPO / "deploy" / "classroom.sh"
CHROMIUM = Path("/usr/bin/chromium")
# No sandbox: CI runs as root in a container; the rest keeps chromium from phoning home mid-test.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(port: int, env: dict[str, str] | None = None, log=subprocess.DEVNULL,
          app_dir: Path = REPO) -> subprocess.Popen:
    """`log`: a file for the server's output, or None to let it print here. `app_dir`: another
    checkout of the app (an older commit, for a before/after comparison)."""
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    return subprocess.Popen(command, cwd=app_dir, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(url: str, server: subprocess.Popen, timeout: float = 180, log_path: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            where = f"; see {log_path}" if log_path else ""
            raise RuntimeError(f"streamlit exited with code {server.returncode}{where}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"streamlit did not become healthy within {timeout} s")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:  # a rerun still busy on a loaded machine
        server.kill()
        server.wait()


@contextlib.contextmanager
def running(env: dict[str, str] | None = None, log_path: Path | None = None,
            timeout: float = 180, app_dir: Path = REPO) -> Iterator[tuple[str, subprocess.Popen]]:
    """A healthy server for the duration of the block: yields its URL and process."""
    port = free_port()
    if log_path is None:
        server = start(port, env, app_dir=app_dir)
    else:
        with open(log_path, "wb") as log:  # the child keeps its own copy of the descriptor
            server = start(port, env, log, app_dir)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, server, timeout, log_path)
        yield url, server
    finally:
        stop(server)


_REPLICA_LINE = re.compile(r"^replica (r\d+): \S+ pid (\d+)", re.MULTILINE)


@dataclass
class Classroom:
    """deploy/classroom.sh running: the proxy's URL, each replica's process id by name (r1, r2, ...)
    when it became ready, and the script's output so far (it grows: restarts, stop messages)."""
    url: str
    replicas: dict[str, int]
    process: subprocess.Popen
    output: list[str]

    def current_replicas(self) -> dict[str, int]:
        """Each replica's latest pid: the script prints a new `replica rN: ... pid P` line at each restart."""
        return {name: int(pid) for name, pid in _REPLICA_LINE.findall("\n".join(self.output))}

    def proxy_pid(self) -> int | None:
        """HAProxy's latest pid: the script prints a new `proxy: pid P` line each time it starts it."""
        found = re.findall(r"^proxy: pid (\d+)", "\n".join(self.output), re.MULTILINE)
        return int(found[-1]) if found else None

    def in_rotation(self, names: set[str], requests: int = 20) -> bool:
        """True when new visitors (no cookie) land on every replica in `names`: the proxy sends each
        cookie-less request to the replica with the fewest connections, so a few requests reach them all."""
        seen = set()
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        for _ in range(requests):
            try:
                with opener.open(f"{self.url}/_stcore/health", timeout=10) as reply:
                    seen.add(reply.headers.get("X-Replica"))
            except OSError:
                pass
            if names <= seen:
                return True
        return False


def free_port_run(count: int) -> int:
    """The first of `count` consecutive free ports (the script puts replicas on consecutive ports)."""
    for _ in range(100):
        first = random.randrange(20_000, 60_000)
        try:
            with contextlib.ExitStack() as stack:
                for port in range(first, first + count):
                    sock = stack.enter_context(socket.socket())
                    sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
    raise RuntimeError(f"no {count} consecutive free ports")


def _read_lines(process: subprocess.Popen, into: list[str], log) -> None:
    for line in process.stdout:
        into.append(line.rstrip("\n"))
        if log is not None:
            log.write(line)
            log.flush()


@contextlib.contextmanager
def classroom(replicas: int, passphrase: str | None = None, env: dict[str, str] | None = None,
              log_path: Path | None = None, timeout: float = 240, app_dir: Path = REPO,
              script: Path = SCRIPT, options: tuple[str, ...] = ()) -> Iterator[Classroom]:
    """`bash deploy/classroom.sh` on free ports of 127.0.0.1 until the block ends. The passphrase goes
    through the environment, as the README advises; None starts it with --no-passphrase. An
    `app_dir` without the script (an older checkout) is served by this checkout's script; `script`:
    another version of it (a before/after comparison); `options`: more of its command-line options."""
    first = free_port_run(replicas + 1)
    command = ["bash", str(script), "--app-dir", str(app_dir), "--replicas", str(replicas),
               "--port", str(first), "--address", "127.0.0.1", "--first-replica-port", str(first + 1), *options]
    env = dict(os.environ if env is None else env)
    env.pop(PASSPHRASE_ENV, None)
    if passphrase is None:
        command.append("--no-passphrase")
    else:
        env[PASSPHRASE_ENV] = passphrase
    log = open(log_path, "w", encoding="utf-8") if log_path else None
    process = subprocess.Popen(command, cwd=app_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    output: list[str] = []
    reader = threading.Thread(target=_read_lines, args=(process, output, log), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + timeout
        while not any(line.startswith("classroom ready") for line in output):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("deploy/classroom.sh did not start:\n" + "\n".join(output))
            time.sleep(0.2)
        room = Classroom(f"http://127.0.0.1:{first}", {}, process, output)
        room.replicas = room.current_replicas()
        yield room
    finally:
        _stop_group(process)
        reader.join(timeout=10)
        if log is not None:
            log.close()


def _stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to the script (it stops the replicas and the proxy); SIGKILL to all of them if it hangs."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=150)  # replicas (30 s at most), then the runs launched from the app (--stop-grace)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
