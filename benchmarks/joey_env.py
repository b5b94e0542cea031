"""The Joey NMT 2.3 environment: a separate virtual environment, created on first use and cached.

Joey NMT is never a dependency of the project; only the toolkit comparisons need it.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.common import REPO

JOEY_VENV = REPO / "benchmarks" / ".joey-venv"
# torch stays at the project's version: a looser pin would pull a multi-GB CUDA build.
PACKAGES = ("torch==2.13.0", "joeynmt==2.3.0", "sentencepiece==0.2.0", "importlib_metadata")
CHECK = "import joeynmt, torch; assert joeynmt.__version__ == '2.3.0' and torch.__version__.startswith('2.13.0')"


def joey_python() -> Path:
    """The environment's python, creating the environment first if needed (minutes, ~600 MB, once)."""
    python = JOEY_VENV / "bin" / "python"
    if not _works(python):
        _create()
        if not _works(python):
            raise SystemExit(f"Joey NMT environment in {JOEY_VENV} does not import; delete it and run again")
    return python


def _works(python: Path) -> bool:
    if not python.exists():
        return False
    return subprocess.run([str(python), "-c", CHECK], capture_output=True).returncode == 0


def _create() -> None:
    print(f"creating the Joey NMT environment in {JOEY_VENV.relative_to(REPO)} (once, a few minutes)",
          file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(JOEY_VENV)], check=True)
    subprocess.run([str(JOEY_VENV / "bin" / "pip"), "install", "--quiet", *PACKAGES], check=True)
