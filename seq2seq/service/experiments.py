"""Experiments for the Train page: sweeps queued under the run limit, several runs' curves on one
chart, and exact match by input length for toy-task runs (the cell × attention × length experiment)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from seq2seq.analysis.comparison import Comparison, compare
from seq2seq.analysis.length_accuracy import exact_match_by_length
from seq2seq.analysis.readings import Learning, learning, length_sentences
from seq2seq.checkpoint import load_checkpoint, read_config
from seq2seq.data.splits import load_split
from seq2seq.decoding.translator import Translator
from seq2seq.errors import UserError
from seq2seq.jobs import runs, sweeps
from seq2seq.jobs.curves import CURVE_FIELDS, curve_rows
from seq2seq.jobs.sweeps import MAX_VALUES, MIN_VALUES, SETTINGS, Sweep, Variant, cancel, list_sweeps, plan

# The sweep as it stands, after starting whatever the run limit now allows.
from seq2seq.jobs.sweeps import status as sweep_status

__all__ = ["CELL_ATTENTION", "LENGTH_PRESET", "MAX_VALUES", "MIN_VALUES", "SETTINGS", "Learning", "Sweep", "Variant",
           "cancel", "compare_runs", "curves", "final_loss", "learning", "learning_checks", "length_sentences",
           "length_table",
           "list_sweeps", "plan", "start_sweep", "sweep_status"]

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


def final_loss(run_id: str) -> float | None:
    """The run's last validation loss (nats per piece), else its last training loss; None before either."""
    rows = curve_rows(runs.read_events(run_id)[0])
    for split in ("valid", "train"):
        losses = [r["loss"] for r in rows if r["split"] == split and r["loss"] is not None]
        if losses:
            return float(losses[-1])
    return None


def learning_checks(checkpoints: dict[str, Path], lengths: pd.DataFrame) -> dict[str, Learning]:
    """Run id -> whether that run learned: its final loss against a uniform guess over its output
    vocabulary (ln V), and its exact match on the shortest inputs in `lengths` (length_table's rows)."""
    found = {}
    for run_id, path in checkpoints.items():
        vocabulary = int(read_config(path).get("model", {}).get("tgt_vocab_size", 2))
        rows = lengths[lengths["run"] == run_id].sort_values("low")
        shortest = rows.iloc[0] if len(rows) else None
        found[run_id] = learning(final_loss(run_id), vocabulary, None if shortest is None else shortest["lengths"],
                                 None if shortest is None else float(shortest["exact_match"]))
    return found


# The comparison facts (analysis.comparison) each sweep setting changes.
SETTING_FACTS = {"cell": "cell", "attention": "attention", "hidden size": "sizes", "learning rate": "recipe"}


def compare_runs(run_ids: list[str], checkpoints: dict[str, Path]) -> Comparison:
    """What differs between these runs' checkpoints (run id -> folder). When one sweep holds them all,
    the settings it varies are what the comparison is about; every other difference is named."""
    about: tuple[str, ...] = ()
    for sweep in list_sweeps():
        if run_ids and set(run_ids) <= set(sweep.run_ids):
            about = tuple(dict.fromkeys(SETTING_FACTS[s] for s in sweep.settings if s in SETTING_FACTS))
            break
    return compare({run_id: checkpoints[run_id] for run_id in run_ids}, about)
