"""Benchmarks are scripts, not tests; this only checks that each one starts the way the issue and
benchmarks/README.md say it is run (`python benchmarks/NAME.py`), which needs no package context."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # real training runs or subprocesses: left out of the quick loop

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = ["app_cold_start", "attribution", "decoding", "inside_page", "latency", "load", "profile_train_step",
           "quality_per_minute", "throughput", "toy_training", "vanishing_gradients", "alignment", "step_click",
           "rerun_profile", "classroom_failover"]


@pytest.mark.parametrize("name", SCRIPTS)
def test_a_benchmark_runs_as_a_plain_script(name, tmp_path):
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / f"{name}.py"), "--help"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("usage:")
