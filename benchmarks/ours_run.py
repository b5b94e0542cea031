"""Train our model through the real command line (`python -m seq2seq train`) and read what it recorded."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import REPO, thread_env
from seq2seq.training.history import read_history


def settings(section: str, values: dict[str, Any]) -> list[str]:
    return [arg for key, value in values.items() for arg in ("--set", f"{section}.{key}={json.dumps(value)}")]


def train(out: Path, threads: int, model: dict[str, Any], train_settings: dict[str, Any], preset: str | None,
          resume: bool = False) -> float:
    """Run one training command to completion; returns its wall-clock seconds (start-up included)."""
    command = [sys.executable, "-m", "seq2seq", "train", "--quiet"]
    command += ["--resume", str(out)] if resume else ["--preset", preset, "--out", str(out)] + settings("model", model)
    command += settings("train", {"threads": threads, **train_settings})
    started = time.monotonic()
    result = subprocess.run(command, cwd=REPO, env=thread_env(threads), capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"training failed ({' '.join(command)}):\n{result.stderr[-3000:]}")
    return time.monotonic() - started


def last_validation(out: Path) -> dict[str, Any]:
    rows = [row for row in read_history(out / "history.csv") if row.get("type") == "valid"]
    if not rows:
        raise SystemExit(f"{out}/history.csv has no validation row")
    return rows[-1]


def metrics(out: Path) -> dict[str, Any]:
    return json.loads((out / "metrics.json").read_text(encoding="utf-8"))
