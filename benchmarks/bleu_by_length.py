"""Greedy BLEU by source length for checkpoints set side by side (the Inside page's Bottleneck view computes
and caches the same figures, `analysis.bottleneck.scores_by_length`).

    python benchmarks/bleu_by_length.py --checkpoint checkpoints/tatoeba-en-fr-attn \
        --checkpoint checkpoints/tatoeba-en-fr-noattn --checkpoint checkpoints/plain-rnn-en-fr

Each model translates the first 1,000 distinct test sentences of its own data split; sentences are
bucketed by source words (1-5, 6-10, 11-15, 16-20, 21-30, 31+) and scored by sacreBLEU per bucket.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse

from benchmarks.common import machine, set_threads, write_result
from seq2seq import service

GOAL = "the gap between attention and the fixed-length vector by source length, in checkpoints/README.md"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, action="append", required=True, help="repeatable")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--name", default="bleu_by_length")
    args = parser.parse_args(argv)
    started = machine()
    set_threads(args.threads)
    results = {}
    for path in args.checkpoint:
        scores = service.scores_by_length(service.load_translator(path), path, toy=False)
        results[path.name] = scores
        buckets = "  ".join(f"{b['bucket']} ({b['sentences']}): {b['score']:.1f}" for b in scores["buckets"])
        print(f"{path.name:24} {buckets}")
    settings = {"checkpoints": [str(p) for p in args.checkpoint], "threads": args.threads}
    write_result(args.name, settings, results, GOAL, started)


if __name__ == "__main__":
    main()
