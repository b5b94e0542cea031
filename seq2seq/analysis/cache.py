"""Per-checkpoint disk cache for derived analysis files (state samples, projections, scores).

Files live outside the checkpoint, under $SEQ2SEQ_CACHE (default ~/.cache/seq2seq)/derived/<digest
of the checkpoint's path>: they may hold corpus text and can outgrow the checkpoint itself, and
shipped checkpoint folders stay exactly as committed. Each file records the key it was built for
(weights mtime, sample size, ...) and is ignored once the key changes, e.g. after retraining.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from seq2seq.checkpoint import WEIGHTS, atomic_write
from seq2seq.data.corpora import cache_dir as corpus_cache_dir

# Bump when the layout of cached files changes so stale files are rebuilt rather than misread.
FORMAT = 1
KEY_FIELD = "_key"


def cache_dir(checkpoint: Path) -> Path:
    """A writable folder for this checkpoint's derived files."""
    digest = hashlib.sha256(str(Path(checkpoint).resolve()).encode()).hexdigest()[:16]
    folder = corpus_cache_dir("derived") / digest
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cache_key(checkpoint: Path, **parts: Any) -> str:
    """Identifies what a cached file was built from; the weights' mtime changes on retraining."""
    mtime = (Path(checkpoint) / WEIGHTS).stat().st_mtime
    return json.dumps({"format": FORMAT, "weights_mtime": mtime, **parts}, sort_keys=True)


def load_arrays(path: Path, key: str) -> dict[str, np.ndarray] | None:
    """The arrays saved under `key`, or None when missing, stale or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if KEY_FIELD not in data or str(data[KEY_FIELD]) != key:
                return None
            return {name: data[name] for name in data.files if name != KEY_FIELD}
    except (OSError, ValueError, KeyError):
        return None


def save_arrays(path: Path, key: str, arrays: dict[str, np.ndarray]) -> None:
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:  # a handle stops numpy from appending ".npz" to the name
            np.savez(handle, **arrays, **{KEY_FIELD: np.array(key)})

    atomic_write(path, write)


def load_json(path: Path, key: str) -> Any:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # RecursionError: nested past the parser's stack
        return None
    return data.get("value") if isinstance(data, dict) and data.get(KEY_FIELD) == key else None


def save_json(path: Path, key: str, value: Any) -> None:
    text = json.dumps({KEY_FIELD: key, "value": value}, ensure_ascii=False)
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
