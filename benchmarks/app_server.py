"""The app as a local server, for the browser tests and the benchmarks: `streamlit run app.py` on a
free port with the repository's .streamlit/config.toml as it ships (headless, bound to localhost,
no usage pings, no file watcher), and the Debian chromium that drives it through Playwright.
"""
from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
# No sandbox: CI runs as root in a container; the rest keeps chromium from phoning home mid-test.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(port: int, env: dict[str, str] | None = None, log=subprocess.DEVNULL) -> subprocess.Popen:
    """`log`: a file for the server's output, or None to let it print here."""
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)


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
            timeout: float = 180) -> Iterator[tuple[str, subprocess.Popen]]:
    """A healthy server for the duration of the block: yields its URL and process."""
    port = free_port()
    if log_path is None:
        server = start(port, env)
    else:
        with open(log_path, "wb") as log:  # the child keeps its own copy of the descriptor
            server = start(port, env, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, server, timeout, log_path)
        yield url, server
    finally:
        stop(server)
