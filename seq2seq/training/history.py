"""Training history as CSV: one row per training report or validation, blank where a column is absent."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from seq2seq.files import open_regular, write_text

COLUMNS = ("type", "step", "epoch", "loss", "ppl", "tokens_per_s", "lr", "progress", "elapsed_s", "cpu_s", "eta_s",
           "valid_loss", "valid_ppl", "bleu", "exact_match", "best", "improved")


def write_history(path: Path, rows: list[dict[str, Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    write_text(path, buffer.getvalue())


def read_history(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with io.TextIOWrapper(open_regular(path), encoding="utf-8", errors="replace", newline="") as handle:
        return [{k: _number(v) for k, v in row.items() if v not in ("", None)} for row in csv.DictReader(handle)]


def _number(value: str) -> Any:
    if value in ("True", "False"):
        return value == "True"
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return value
