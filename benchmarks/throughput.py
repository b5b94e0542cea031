"""Training throughput (target tokens/s) on Tatoeba en→fr: ours (fp32, bf16) vs Joey NMT 2.3, alternately.

    python -m benchmarks.throughput                 # classic architecture, 2 threads, ~3k-token batches
    python -m benchmarks.throughput --arch preset   # the shipped tatoeba-en-fr architecture

Ours: the batches of `make_batches`, `collate` and `Trainer.train_step` (forward, label-smoothed loss,
backward, clipping, Adam), timed over --steps steps after --warmup steps. Joey: `joeynmt train` on the
same training pairs with our sentencepiece models, same batch size in tokens, same threads; its own
"Tokens per Sec" log figure over the same number of steps after a warm-up window. Joey has no bf16 on
CPU (it switches half precision off there), so every ratio divides by Joey's fp32 figure.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import dataclasses
import statistics
import tempfile
import time

from benchmarks.archs import ARCHS
from benchmarks.common import machine, write_result
from benchmarks.joey_config import training_section
from benchmarks.joey_env import joey_python
from benchmarks.joey_run import training_rates
from benchmarks.tatoeba import joey_run_config, make_trainer
from seq2seq.data.batches import collate, make_batches
from seq2seq.training.trainer import Trainer

GOAL = ">= 4x Joey NMT and >= 5,000 target tokens/s on 2 cores (classic architecture)"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=sorted(ARCHS), default="classic")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-tokens", type=int, default=3000)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per measurement")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first (Joey: one log window)")
    parser.add_argument("--rounds", type=int, default=2, help="alternations of ours and Joey")
    parser.add_argument("--max-seconds", type=float, default=120, help="cap on one measurement of ours")
    parser.add_argument("--precisions", default="fp32,bf16")
    parser.add_argument("--max-pairs", type=int, default=0, help="training pairs to use (0 = all; small = quick check)")
    parser.add_argument("--skip-joey", action="store_true")
    parser.add_argument("--name", help="results file name (default throughput[-ARCH])")
    args = parser.parse_args(argv)
    if args.warmup < 1 or args.steps < 1:
        parser.error("--warmup and --steps must be at least 1")
    return args


def our_rate(trainer: Trainer, batches: list[list[int]], precision: str, warmup: int, max_seconds: float) -> float:
    """Target tokens/s of Trainer.train_step over `batches[warmup:]` (collation included), stopping
    early once `max_seconds` have been timed: bf16 on a CPU without bf16 units can be very slow."""
    # The step computes in trainer.precision, resolved once when the trainer was built: changing the config
    # alone (as this benchmark did until 2026-12-08) timed fp32 twice and called one of them bf16.
    trainer.config = dataclasses.replace(trainer.config, precision=precision)
    trainer.precision = precision
    tokens, start = 0, 0.0
    for i, indices in enumerate(batches):
        if i == warmup:
            tokens, start = 0, time.perf_counter()
        _, n_tokens = trainer.train_step(collate([trainer.train_examples[j] for j in indices], trainer.device))
        tokens += n_tokens
        if i >= warmup and time.perf_counter() - start > max_seconds:
            break
    return tokens / (time.perf_counter() - start)


def target_padding(trainer: Trainer, batches: list[list[int]]) -> float:
    """Share of decoder steps and output-layer rows spent on padding in these batches."""
    real = padded = 0
    for indices in batches:
        lengths = [len(trainer.train_examples[i].tgt) + 1 for i in indices]
        real, padded = real + sum(lengths), padded + max(lengths) * len(lengths)
    return round(1 - real / padded, 3)


def joey_config(folder: Path, trainer: Trainer, args: argparse.Namespace) -> Path:
    log_every = args.warmup
    training = training_section(folder / "model", args.batch_tokens, trainer.config.lr,
                                trainer.config.label_smoothing, trainer.config.clip_norm,
                                logging_freq=log_every, validation_freq=log_every * 100_000)
    return joey_run_config(folder, trainer.split, trainer.bundle.src_tokenizer, trainer.bundle.tgt_tokenizer,
                           args.arch, trainer.config, training)


def joey_rate(config: Path, args: argparse.Namespace) -> float:
    """Joey's mean "Tokens per Sec" over ~--steps steps after one warm-up window of --warmup steps."""
    windows = max(1, round(args.steps / args.warmup))
    return statistics.mean(training_rates(joey_python(), config, args.threads, skip=1, keep=windows))


def measure(args: argparse.Namespace, tmp: Path) -> tuple[dict[str, list[float]], float]:
    trainer = make_trainer(args.arch, args.threads, args.batch_tokens, args.max_pairs, tmp / "ours")
    batches = make_batches(trainer.train_examples, args.batch_tokens, seed=0)[: args.warmup + args.steps]
    config = None if args.skip_joey else joey_config(tmp / "joey", trainer, args)
    rates: dict[str, list[float]] = {}
    for round_no in range(1, args.rounds + 1):
        for precision in args.precisions.split(","):
            rate = our_rate(trainer, batches, precision, args.warmup, args.max_seconds)
            rates.setdefault(f"ours_{precision}", []).append(rate)
            print(f"round {round_no}: ours {precision}: {rates[f'ours_{precision}'][-1]:,.0f} tok/s", flush=True)
        if config is not None:
            rates.setdefault("joey_fp32", []).append(joey_rate(config, args))
            print(f"round {round_no}: Joey fp32: {rates['joey_fp32'][-1]:,.0f} tok/s", flush=True)
    return rates, target_padding(trainer, batches[args.warmup:])


def summarise(rates: dict[str, list[float]]) -> dict:
    summary = {name: {"rounds": [round(r) for r in values], "median": round(statistics.median(values))}
               for name, values in rates.items()}
    joey = summary.get("joey_fp32", {}).get("median")
    if joey:
        for name in rates:
            if name.startswith("ours_"):
                summary[name]["ratio_to_joey_fp32"] = round(summary[name]["median"] / joey, 2)
    return summary


def print_table(summary: dict) -> None:
    print(f"\n{'':12s} {'target tok/s (median)':>22s} {'x Joey fp32':>12s}")
    for name, row in summary.items():
        ratio = row.get("ratio_to_joey_fp32")
        print(f"{name:12s} {row['median']:>22,d} {'' if ratio is None else f'{ratio:.2f}':>12s}")
    print(f"goal: {GOAL}")


def main(argv=None) -> None:
    args = parse_args(argv)
    started = machine()
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as tmp:
        rates, padding = measure(args, Path(tmp))
    summary = summarise(rates)
    print_table(summary)
    print(f"padding in our batches (target side): {padding:.1%}")
    settings = {k: v for k, v in vars(args).items() if k != "name"} | {"architecture": ARCHS[args.arch]}
    write_result(args.name or ("throughput" if args.arch == "classic" else f"throughput-{args.arch}"),
                 settings, summary | {"ours_target_padding_fraction": padding}, GOAL, started)


if __name__ == "__main__":
    main()
