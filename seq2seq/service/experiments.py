"""Experiments for the Train page: sweeps queued under the run limit, several runs' curves on one
chart, and exact match by input length for toy-task runs (the cell × attention × length experiment)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from seq2seq.analysis.length_accuracy import exact_match_by_length
from seq2seq.checkpoint import load_checkpoint
from seq2seq.data.splits import load_split
from seq2seq.decoding.translator import Translator
from seq2seq.errors import UserError
from seq2seq.jobs import runs, sweeps
from seq2seq.jobs.curves import CURVE_FIELDS, curve_rows
from seq2seq.jobs.sweeps import MAX_VALUES, MIN_VALUES, SETTINGS, Sweep, Variant, cancel, list_sweeps, plan
# The sweep as it stands, after starting whatever the run limit now allows.
from seq2seq.jobs.sweeps import status as sweep_status

__all__ = ["CELL_ATTENTION", "LENGTH_PRESET", "MAX_VALUES", "MIN_VALUES", "SETTINGS", "Sweep", "Variant", "cancel",
           "curves", "length_table", "list_sweeps", "plan", "start_sweep", "sweep_status"]

# The cell × attention × length experiment: plain RNN against LSTM, each with and without attention,
# on strings long enough (up to 30 letters) for the difference to show.
LENGTH_PRESET = "copy30"
CELL_ATTENTION = {"cell": ["rnn", "lstm"], "attention": ["none", "bahdanau"]}
# Test strings scored per run: ~80 per 5-letter bucket of the 30-letter tasks.
LENGTH_SENTENCES = 500


def start_sweep(name: str, preset: str, axes: dict[str, list], threads: int = 1) -> str:
    """Queue a sweep's runs (see training.sweeps); its launcher starts them as slots free up."""
    if not name.strip():
        raise UserError("give the sweep a name")
    return sweeps.start(name.strip(), preset, axes, threads)


def curves(run_ids: list[str], labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Long format, one row per report of each run: run (its label), step, seconds, split, loss, score, metric."""
    frames = []
    for run_id in run_ids:
        rows = curve_rows(runs.read_events(run_id)[0])
        frame = pd.DataFrame(rows, columns=list(CURVE_FIELDS))
        frame.insert(0, "run", (labels or {}).get(run_id, run_id))
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["run", *CURVE_FIELDS])
    return pd.concat(frames, ignore_index=True)


def length_table(checkpoints: dict[str, Path], sentences: int = LENGTH_SENTENCES) -> pd.DataFrame:
    """Exact match by input length for each (label -> checkpoint) trained on a toy task, on that task's
    unseen test strings: columns run, lengths, low, sentences, exact_match (0..1)."""
    rows = []
    for label, path in checkpoints.items():
        bundle = load_checkpoint(path)
        data = bundle.train_config.data
        if not data.startswith("toy:"):
            raise UserError(f"{label} was trained on {data}; exact match by length is for toy tasks")
        pairs = load_split(bundle.train_config).test[:sentences]
        for bucket in exact_match_by_length(Translator(bundle), pairs):
            rows.append({"run": label, "lengths": bucket.label, "low": bucket.low, "sentences": bucket.sentences,
                         "exact_match": bucket.exact_match})
    return pd.DataFrame(rows, columns=["run", "lengths", "low", "sentences", "exact_match"])
