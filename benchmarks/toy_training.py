"""Seconds of training to >= 99% exact match on the toy presets, through the real command line.

    python -m benchmarks.toy_training                       # dates and reverse, 2 threads
    python -m benchmarks.toy_training --max-steps 20        # quick check that everything runs

Runs `python -m seq2seq train --preset NAME` into a temporary folder and reads its history.csv
(training time at the first validation with exact match >= 0.99; validation time included, start-up
not) and metrics.json (exact match of the best checkpoint on the test split, greedy).
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import tempfile
from typing import Any

from benchmarks.common import machine, write_result
from benchmarks.ours_run import metrics, train
from seq2seq.training.history import read_history

GOAL = "<= 90 s to >= 99% exact match on 2 cores"
TARGET = 0.99


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", default="dates,reverse")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-steps", type=int, default=0, help="stop early (0 = the preset's own stopping)")
    parser.add_argument("--name", default="toy_training")
    return parser.parse_args(argv)


def first_reaching(out: Path, target: float) -> dict[str, Any] | None:
    for row in read_history(out / "history.csv"):
        if row.get("type") == "valid" and row.get("exact_match", 0) >= target:
            return row
    return None


def run_preset(preset: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"bench-{preset}-") as tmp:
        out = Path(tmp) / preset
        wall = train(out, args.threads, {}, {"max_steps": args.max_steps} if args.max_steps else {}, preset=preset)
        reached, final = first_reaching(out, TARGET), metrics(out)
    return {"seconds_to_99": reached["elapsed_s"] if reached else None,
            "step_at_99": reached["step"] if reached else None,
            "test_exact_match": final.get("test", {}).get("greedy", {}).get("exact_match"),
            "train_seconds": final.get("train_seconds"), "steps": final.get("steps"),
            "stop_reason": final.get("stop_reason"), "command_seconds": round(wall, 1)}


def main(argv=None) -> None:
    args = parse_args(argv)
    started = machine()
    results = {}
    for preset in args.presets.split(","):
        results[preset] = run_preset(preset, args)
        print(f"{preset}: {results[preset]}", flush=True)
    write_result(args.name, vars(args), results, GOAL, started)


if __name__ == "__main__":
    main()
