"""What every benchmark shares: where results go, what machine produced them, thread settings."""
from __future__ import annotations

import datetime
import json
import os
import platform
from pathlib import Path
from typing import Any

import torch

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    """Enough to tell whether two results are comparable; the load average flags a busy machine."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "torch": torch.__version__,
            "cpu_capability": torch.backends.cpu.get_cpu_capability(), "python": platform.python_version(),
            "load_average_at_start": [round(x, 2) for x in load] if load else None}


def set_threads(threads: int) -> None:
    torch.set_num_threads(threads)


def thread_env(threads: int) -> dict[str, str]:
    """Environment for a child process so that it uses exactly `threads` compute threads."""
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), CUDA_VISIBLE_DEVICES="")
    return env


def write_result(name: str, settings: dict[str, Any], results: dict[str, Any], goal: str,
                 started: dict[str, Any]) -> Path:
    """benchmarks/results/<name>.json: settings, figures, the goal and the machine they came from."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"benchmark": name, "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               "machine": started, "goal": goal, "settings": settings, "results": results}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    print(f"wrote {path.relative_to(REPO)}")
    return path
