"""Run Joey NMT in its own environment and read figures from its log."""
from __future__ import annotations

import collections
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

from benchmarks.common import thread_env

TOKENS_PER_S = re.compile(r"Tokens per Sec:\s+([\d.]+)")
# "Epoch 1, Step: 100, ..." while training; "Interrupt at epoch 1, step 122." when stopped.
STEP = re.compile(r"[Ss]tep:?\s+(\d+)")
EPOCH = re.compile(r"EPOCH\s+\d+")
GENERATION = re.compile(r"Generation took ([\d.]+)\[sec\]")


def start(python: Path, mode: str, config: Path, threads: int, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([str(python), "-m", "joeynmt", mode, str(config), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=thread_env(threads))


def _failure(what: str, tail) -> SystemExit:
    return SystemExit(f"Joey NMT {what}; last lines of its log:\n" + "".join(tail))


def training_rates(python: Path, config: Path, threads: int, skip: int, keep: int) -> list[float]:
    """Joey's own "Tokens per Sec" for `keep` logging windows after `skip` warm-up windows."""
    process = start(python, "train", config, threads, "--skip-test")
    rates, tail = [], collections.deque(maxlen=30)
    try:
        for line in process.stdout:
            tail.append(line)
            match = TOKENS_PER_S.search(line)
            if match:
                rates.append(float(match.group(1)))
            if len(rates) >= skip + keep:
                break
    finally:
        process.terminate()
        process.wait()
    if len(rates) < skip + keep:
        raise _failure("training stopped early", tail)
    return rates[skip:]


class _LogWatcher(threading.Thread):
    """Drains a process's output; notes when training has started and the last step it reported."""

    def __init__(self, process: subprocess.Popen):
        super().__init__(daemon=True)
        self.process, self.started = process, threading.Event()
        self.tail, self.last_step = collections.deque(maxlen=30), 0

    def run(self) -> None:
        for line in self.process.stdout:
            self.tail.append(line)
            if EPOCH.search(line):
                self.started.set()
            match = STEP.search(line)
            if match:
                self.last_step = int(match.group(1))


def train_for(python: Path, config: Path, threads: int, seconds: float, startup_limit: float = 600) -> dict:
    """Train for `seconds` of wall-clock time after start-up, then interrupt: Joey saves latest.ckpt."""
    process = start(python, "train", config, threads, "--skip-test")
    watcher = _LogWatcher(process)
    watcher.start()
    if not watcher.started.wait(startup_limit):
        process.kill()
        raise _failure("did not start training", watcher.tail)
    began = time.monotonic()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)  # Joey catches it and saves the current weights
    elapsed = time.monotonic() - began
    process.wait()
    watcher.join(timeout=30)
    if process.returncode != 0:
        raise _failure(f"training failed (exit code {process.returncode})", watcher.tail)
    return {"train_seconds": round(elapsed, 1), "steps": watcher.last_step}


def translate(python: Path, config: Path, threads: int, sources: list[str], folder: Path) -> tuple[float, list[str]]:
    """Translate `sources` with Joey's batched `translate` mode: its own generation time (s) and the output.

    Output goes to stdout and the log to stderr: Joey 2.3's --output-path fails (`args.n_best`).
    """
    source_file = folder / "joey-input.txt"
    source_file.write_text("".join(s + "\n" for s in sources), encoding="utf-8")
    with open(source_file, encoding="utf-8") as stdin:
        process = subprocess.run([str(python), "-m", "joeynmt", "translate", str(config)], stdin=stdin,
                                 capture_output=True, text=True, env=thread_env(threads))
    match = GENERATION.search(process.stderr)
    hypotheses = process.stdout.splitlines()
    if process.returncode != 0 or not match or len(hypotheses) != len(sources):
        raise _failure("translation failed", process.stderr.splitlines(keepends=True)[-30:])
    return float(match.group(1)), hypotheses
