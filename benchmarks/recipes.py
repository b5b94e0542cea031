"""Which training recipe learns more per CPU-hour on Tatoeba en→fr: BLEU and attention-as-alignment after
the same CPU budget, for the default model's architecture with and without input feeding, guided from the
first step (weight halving every --halflife steps) or not guided at all.

    python benchmarks/recipes.py                      # 30 CPU-minutes each, two runs at a time, one thread each
    python benchmarks/recipes.py --minutes 1 --max-pairs 5000 --out /tmp/recipes   # a quick check

Each run is `python -m seq2seq train --preset tatoeba-en-fr` with `train.cpu_budget_s` (this process's CPU
seconds, so runs that share a crowded machine still get the same work), one thread, fp32, validated every
300 steps on 500 validation sentences; then its greedy test BLEU (the trainer's own, 1,944 sentences with
all references), the AER of its attention on the gold trial set (argmax and intersect read-outs) and its
attention mass on the source </s>. A run folder that already holds a finished run of the same command is
read, not trained again.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import concurrent.futures
import json
import subprocess

from benchmarks.alignment import gold_set, measure
from benchmarks.common import REPO, machine, thread_env, write_result
from seq2seq.training.history import read_history

GOAL = "keep as the default recipe whichever learns better per CPU-hour (validation BLEU and AER together)"
RECIPES = {
    "input-feeding-guided": {"model.input_feeding": True, "train.guided_alignment": 1.0},
    "no-feeding-guided": {"model.input_feeding": False, "train.guided_alignment": 1.0},
    "no-feeding-unguided": {"model.input_feeding": False, "train.guided_alignment": 0.0},
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30, help="CPU minutes of training per recipe")
    parser.add_argument("--halflife", type=int, default=1000, help="steps over which the guidance weight halves")
    parser.add_argument("--parallel", type=int, default=2, help="runs at a time (one thread each)")
    parser.add_argument("--max-pairs", type=int, default=0, help="training pairs (0 = all)")
    parser.add_argument("--out", type=Path, default=Path.home() / ".cache" / "seq2seq" / "benchmarks" / "recipes")
    parser.add_argument("--name", default="recipes")
    return parser.parse_args(argv)


def settings_of(args: argparse.Namespace, recipe: str) -> dict:
    settings = {**RECIPES[recipe], "train.cpu_budget_s": args.minutes * 60, "train.time_budget_s": 0,
                "train.threads": 1, "train.precision": "fp32", "train.valid_every": 300,
                "train.max_train_pairs": args.max_pairs}
    if RECIPES[recipe]["train.guided_alignment"]:
        settings["train.guided_alignment_halflife"] = args.halflife
    return settings


def command(settings: dict, out: Path) -> list[str]:
    words = [sys.executable, "-m", "seq2seq", "train", "--preset", "tatoeba-en-fr", "--out", str(out), "--quiet",
             "--force"]
    return words + [arg for key, value in settings.items() for arg in ("--set", f"{key}={json.dumps(value)}")]


def finished(out: Path, settings: dict) -> bool:
    """The folder holds a run that ended (it has a test score) with exactly these settings."""
    try:
        metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
        config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return False
    same = all(config.get(key.split(".")[0], {}).get(key.split(".")[1]) == value for key, value in settings.items())
    return same and "test" in metrics


def train(args: argparse.Namespace, recipe: str) -> Path:
    out, settings = args.out / recipe, settings_of(args, recipe)
    if not finished(out, settings):
        words = command(settings, out)
        print("training:", " ".join(words[1:]), flush=True)
        subprocess.run(words, cwd=REPO, env=thread_env(1), check=True)
    return out


def summary(out: Path, gold) -> dict:
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    history = read_history(out / "history.csv")
    valid = [row for row in history if row.get("type") == "valid"]
    rates = [row["tokens_per_s"] for row in history if row.get("type") == "train"]
    return {"steps": metrics["steps"], "cpu_seconds": metrics["cpu_seconds"], "wall_seconds": metrics["train_seconds"],
            "target_tokens_per_cpu_s": round(sum(rates) / max(1, len(rates)) * metrics["train_seconds"]
                                             / max(1.0, metrics["cpu_seconds"])),
            "valid_bleu_curve": [[row["step"], row.get("bleu")] for row in valid],
            "valid_bleu_last": valid[-1].get("bleu") if valid else None,
            "test_bleu_greedy": metrics["test"]["greedy"]["bleu"], **measure(out, *gold)}


def main(argv=None) -> None:
    args = parse_args(argv)
    started = machine()
    with concurrent.futures.ThreadPoolExecutor(args.parallel) as pool:
        folders = dict(zip(RECIPES, pool.map(lambda recipe: train(args, recipe), RECIPES)))
    gold = gold_set()
    results = {recipe: summary(out, gold) for recipe, out in folders.items()}
    for recipe, row in results.items():
        print(recipe, {k: v for k, v in row.items() if k != "valid_bleu_curve"})
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    write_result(args.name, settings | {"recipes": RECIPES}, results, GOAL, started)


if __name__ == "__main__":
    main()
