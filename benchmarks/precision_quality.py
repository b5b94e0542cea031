"""Does bf16 learn what fp32 learns, and how much faster? The shipped tatoeba-en-fr recipe trained for the same
number of steps in fp32 and in bf16 autocast, same seed, data and batches, then validation BLEU side by side.

    python benchmarks/precision_quality.py                       # 400 steps each, both at once, one thread each
    python benchmarks/precision_quality.py --steps 60 --max-pairs 5000 --out /tmp/pq   # a quick check

Goal (issue 29): after the same steps, bf16's validation BLEU within 0.5 of fp32's, on a CPU where bf16 is
native (on one without, bf16 is emulated and far slower: the script says so and still runs). Each run is
`python -m seq2seq train --preset tatoeba-en-fr` with `train.max_steps` and `train.precision` set; validated
at the end on 500 validation sentences (the trainer's own BLEU); the CPU seconds each run spent are compared
too (two runs side by side share the machine evenly, one core each).
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

from benchmarks.common import REPO, machine, thread_env, write_result
from seq2seq.training.history import read_history
from seq2seq.training.precision import native_bf16

GOAL = "same steps: bf16 validation BLEU within 0.5 of fp32"
PRECISIONS = ("fp32", "bf16")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=400, help="training steps per run")
    parser.add_argument("--max-pairs", type=int, default=0, help="training pairs (0 = all)")
    parser.add_argument("--out", type=Path, default=Path.home() / ".cache" / "seq2seq" / "benchmarks" / "precision")
    parser.add_argument("--name", default="precision_quality")
    return parser.parse_args(argv)


def command(args: argparse.Namespace, precision: str, out: Path) -> list[str]:
    settings = {"train.max_steps": args.steps, "train.precision": precision, "train.threads": 1,
                "train.valid_every": args.steps, "train.cpu_budget_s": 0, "train.time_budget_s": 0,
                "train.patience": 0, "train.max_train_pairs": args.max_pairs, "train.average_best": 1}
    words = [sys.executable, "-m", "seq2seq", "train", "--preset", "tatoeba-en-fr", "--out", str(out), "--quiet",
             "--force"]
    return words + [arg for key, value in settings.items() for arg in ("--set", f"{key}={json.dumps(value)}")]


def train(args: argparse.Namespace, precision: str) -> Path:
    out = args.out / precision
    words = command(args, precision, out)
    print("training:", " ".join(words[1:]), flush=True)
    subprocess.run(words, cwd=REPO, env=thread_env(1), check=True)
    return out


def summary(out: Path) -> dict:
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    history = read_history(out / "history.csv")
    valid = [row for row in history if row.get("type") == "valid"]
    return {"steps": metrics["steps"], "precision": metrics["precision"], "cpu_seconds": metrics["cpu_seconds"],
            "valid_bleu": valid[-1].get("bleu") if valid else None,
            "valid_loss": valid[-1].get("valid_loss") if valid else None,
            "test_bleu_greedy": metrics.get("test", {}).get("greedy", {}).get("bleu")}


def main(argv=None) -> None:
    args = parse_args(argv)
    started = machine()
    import torch

    if not native_bf16(torch.device("cpu")):
        print("this CPU has no native bf16: bf16 is emulated here, so its speed says nothing of a bf16 CPU")
    with concurrent.futures.ThreadPoolExecutor(len(PRECISIONS)) as pool:
        folders = dict(zip(PRECISIONS, pool.map(lambda precision: train(args, precision), PRECISIONS)))
    results = {precision: summary(out) for precision, out in folders.items()}
    fp32, bf16 = results["fp32"], results["bf16"]
    results["bleu_difference_bf16_minus_fp32"] = round(bf16["valid_bleu"] - fp32["valid_bleu"], 2)
    results["cpu_seconds_fp32_over_bf16"] = round(fp32["cpu_seconds"] / max(1e-9, bf16["cpu_seconds"]), 2)
    for key, value in results.items():
        print(key, value)
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    write_result(args.name, settings, results, GOAL, started)


if __name__ == "__main__":
    main()
