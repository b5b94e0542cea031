"""Vanishing gradients, measured on the three shipped models that differ only in their cell
(checkpoints/grad-rnn, grad-gru, grad-lstm: reverse up to 30 letters, no attention, one-way encoder).

    python benchmarks/vanishing_gradients.py
    python benchmarks/vanishing_gradients.py --sentences 50

For N unseen test strings of each model's task: the gradient norm of every output step's loss
with respect to every source letter's embedding, geometric mean by distance (recurrent steps
between reading the letter and producing the output); and greedy exact match by input length on
500 test strings.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse

from benchmarks.common import REPO, machine, set_threads, write_result
from seq2seq import service
from seq2seq.analysis.gradient_flow import mean_curve
from seq2seq.data.splits import load_split

GOAL = "the gradient-by-distance curves and the length-accuracy table of the three shipped cells, in the README"
DISTANCES = (1, 5, 10, 20, 30, 40, 50, 60)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=100, help="test strings for the gradient curves")
    parser.add_argument("--threads", type=int, default=1)
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    started = machine()
    set_threads(args.threads)
    results = {}
    for cell, name in service.GRADIENT_MODELS.items():
        path = REPO / "checkpoints" / name
        translator = service.load_translator(path)
        test = load_split(translator.bundle.train_config).test
        pairs = [(translator.source_ids(p.source)[0], translator.target_ids(p.target)) for p in test[:args.sentences]]
        curve = mean_curve(translator.model, pairs)
        lengths = service.experiments.length_table({name: path})
        results[cell] = {"model": name, "gradient_by_distance": {d: curve[d] for d in DISTANCES if d in curve},
                         "exact_match_by_length": dict(zip(lengths["lengths"], lengths["exact_match"].round(3))),
                         "exact_match": round(float((lengths["exact_match"] * lengths["sentences"]).sum()
                                                    / lengths["sentences"].sum()), 3)}
        print(cell, results[cell])
    write_result("vanishing_gradients", {"sentences": args.sentences, "threads": args.threads}, results, GOAL, started)


if __name__ == "__main__":
    main()
