"""Validation BLEU after N minutes of training on Tatoeba en→fr: ours vs Joey NMT 2.3.

    python -m benchmarks.quality_per_minute                  # 10 and 30 minutes, 2 threads, ~80 minutes
    python -m benchmarks.quality_per_minute --minutes 0.5    # quick check that everything runs

Both toolkits train the same architecture (--arch) on the same training pairs with the same
sentencepiece models, batch size in tokens, learning rate, label smoothing and clipping, with no
validation during training (every second goes to training; constant learning rate on both sides).
Each run stops after the first mark (minutes of training, start-up not counted), is scored, then
resumes to the next mark. Scores: greedy decoding of the first --valid-limit distinct validation
sources, sacreBLEU against all their references, the same code for both toolkits.
Joey's run folder is kept in --joey-dir: benchmarks/decoding.py times Joey with its checkpoint.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import tempfile
from typing import Any

from benchmarks.archs import ARCHS, model_options
from benchmarks.common import machine, write_result
from benchmarks.joey_config import decoding_config, resumed_config, training_section
from benchmarks.joey_env import joey_python
from benchmarks.joey_run import train_for, translate
from benchmarks.ours_run import last_validation, train
from benchmarks.tatoeba import joey_run_config, train_config
from seq2seq.data.pairs import Split, unique_with_refs
from seq2seq.data.splits import load_split
from seq2seq.data.tokenizer import load_tokenizer
from seq2seq.evaluate import bleu_chrf

GOAL = "higher validation BLEU than Joey NMT at 10 and at 30 minutes of training on 2 cores"
JOEY_DIR = Path.home() / ".cache" / "seq2seq" / "benchmarks"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", default="10,30", help="training-time marks, ascending, comma-separated")
    parser.add_argument("--arch", choices=sorted(ARCHS), default="preset")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-tokens", type=int, default=3000)
    parser.add_argument("--max-pairs", type=int, default=0, help="training pairs to use (0 = all; small = quick check)")
    parser.add_argument("--valid-limit", type=int, default=500, help="distinct validation sources scored")
    parser.add_argument("--joey-dir", type=Path, help=f"Joey run folder (default {JOEY_DIR}/joey-tatoeba-ARCH)")
    parser.add_argument("--skip-joey", action="store_true")
    parser.add_argument("--name", help="results file name (default quality_per_minute[-ARCH])")
    return parser.parse_args(argv)


def marks(args: argparse.Namespace) -> list[float]:
    values = [float(m) for m in args.minutes.split(",")]
    if values != sorted(values) or values[0] <= 0:
        raise SystemExit("--minutes must be positive and ascending, e.g. 10,30")
    return values


def our_settings(args: argparse.Namespace, seconds: float) -> dict[str, Any]:
    # No validation before the budget ends: the one at the end scores exactly --valid-limit sources.
    return {"batch_tokens": args.batch_tokens, "max_train_pairs": args.max_pairs, "precision": "fp32",
            "time_budget_s": seconds, "valid_every": 10**9, "valid_decode_limit": args.valid_limit,
            "patience": 0}


def run_ours(args: argparse.Namespace, out: Path, minutes: float, first: bool) -> dict[str, Any]:
    wall = train(out, args.threads, model_options(args.arch), our_settings(args, minutes * 60),
                 preset="tatoeba-en-fr", resume=not first)
    row = last_validation(out)
    return {"minutes": minutes, "bleu": row["bleu"], "steps": row["step"], "train_seconds": round(row["elapsed_s"], 1),
            "command_seconds": round(wall, 1)}


def joey_setup(args: argparse.Namespace, ours: Path, folder: Path, split: Split) -> Path:
    """Joey's run folder: the same training pairs, and the tokenizers our first run trained."""
    config = train_config(args.threads, args.batch_tokens, args.max_pairs)
    training = training_section(folder / "model-1", args.batch_tokens, config.lr, config.label_smoothing,
                                config.clip_norm, logging_freq=100, validation_freq=100 * 10**6)
    return joey_run_config(folder, split, load_tokenizer(ours / "src.model"), load_tokenizer(ours / "tgt.model"),
                           args.arch, config, training)


def run_joey(args: argparse.Namespace, folder: Path, minutes: float, previous: float, segment: int,
             valid: tuple[list[str], list[list[str]]]) -> dict[str, Any]:
    """Train Joey from the previous mark to this one (resuming after the first), then score it."""
    python, config = joey_python(), folder / "config.yaml"
    if segment > 1:
        checkpoint = folder / f"model-{segment - 1}" / "latest.ckpt"
        config = resumed_config(config, checkpoint, folder / f"model-{segment}", folder / f"resume-{segment}.yaml")
    trained = train_for(python, config, args.threads, (minutes - previous) * 60)
    checkpoint = folder / f"model-{segment}" / "latest.ckpt"
    decode = decoding_config(folder / "config.yaml", checkpoint, folder / "decode.yaml")
    sources, refs = valid
    _, hypotheses = translate(python, decode, args.threads, sources, folder)
    scores = bleu_chrf(hypotheses, refs)
    return {"minutes": minutes, "bleu": scores["bleu"], "chrf": scores["chrf"], "checkpoint": str(checkpoint),
            "segment_train_seconds": trained["train_seconds"], "steps": trained["steps"]}


def validation_set(split: Split, limit: int) -> tuple[list[str], list[list[str]]]:
    """The sources our trainer scores at validation (distinct, first `limit`) with all their references."""
    sources, refs = unique_with_refs(split.valid, split.valid_refs)
    return sources[:limit], refs[:limit]


def measure(args: argparse.Namespace, ours: Path) -> dict[str, list]:
    folder = args.joey_dir or JOEY_DIR / f"joey-tatoeba-{args.arch}"
    split = load_split(train_config(args.threads, args.batch_tokens, args.max_pairs))
    valid = validation_set(split, args.valid_limit)
    results: dict[str, list] = {"ours": [], "joey": []}
    previous = 0.0
    for segment, minutes in enumerate(marks(args), start=1):
        results["ours"].append(run_ours(args, ours, minutes, first=segment == 1))
        print(f"{minutes:g} min: ours BLEU {results['ours'][-1]['bleu']}", flush=True)
        if not args.skip_joey:
            if segment == 1:
                joey_setup(args, ours, folder, split)
            results["joey"].append(run_joey(args, folder, minutes, previous, segment, valid))
            results["joey"][-1]["train_seconds"] = sum(r["segment_train_seconds"] for r in results["joey"])
            print(f"{minutes:g} min: Joey BLEU {results['joey'][-1]['bleu']}", flush=True)
        previous = minutes
    return results


def main(argv=None) -> None:
    args = parse_args(argv)
    started = machine()
    with tempfile.TemporaryDirectory(prefix="bench-quality-") as tmp:
        results = measure(args, Path(tmp) / "ours")
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "name"}
    write_result(args.name or ("quality_per_minute" if args.arch == "preset" else f"quality_per_minute-{args.arch}"),
                 settings | {"architecture": ARCHS[args.arch]}, results, GOAL, started)


if __name__ == "__main__":
    main()
