"""Where one training step's time goes, measured with torch.profiler on Tatoeba batches.

    python -m benchmarks.profile_train_step                 # classic architecture, 2 threads
    python -m benchmarks.profile_train_step --arch preset
    python -m benchmarks.profile_train_step --arch preset-no-feeding --precision bf16 --threads 1

The step is Trainer.train_step's teacher-forced path split into labelled phases: the encoder, then
`Seq2Seq.unroll` itself (the decoder steps and the output layer), the loss, backward, clipping and
Adam. The output layer's share is measured apart: the output layer and loss, forward and backward,
on the same batch's shape.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import tempfile
import time

import torch
from torch import nn
from torch.profiler import ProfilerActivity, profile, record_function

from benchmarks.archs import ARCHS
from benchmarks.common import machine, write_result
from benchmarks.tatoeba import make_trainer
from seq2seq.data.batches import Batch, collate, make_batches
from seq2seq.training.precision import autocast
from seq2seq.training.trainer import Trainer

PHASES = ("encoder", "decoder (unroll)", "loss", "backward", "clip + adam")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=sorted(ARCHS), default="classic")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-tokens", type=int, default=3000)
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32",
                        help="bf16: the step under bf16 autocast, as training runs it")
    parser.add_argument("--steps", type=int, default=5, help="profiled steps (after 2 warm-up steps)")
    parser.add_argument("--max-pairs", type=int, default=0, help="training pairs to use (0 = all; small = quick check)")
    parser.add_argument("--name", help="results file name (default profile_train_step[-ARCH])")
    return parser.parse_args(argv)


def forward_phases(trainer: Trainer, batch: Batch) -> torch.Tensor:
    model = trainer.model
    with record_function("encoder"):
        _, memory, state = model.encode(batch.src, batch.lengths)
    with record_function("decoder (unroll)"):  # the decoder and its output layer, as training runs them
        logits = model.unroll(batch.tgt_in, state, memory).logits
    with record_function("loss"):
        return trainer.loss_fn(logits.flatten(0, 1), batch.tgt_out.flatten())


def profiled_step(trainer: Trainer, batch: Batch) -> None:
    trainer.model.train()
    with autocast(trainer.precision, trainer.device):
        loss = forward_phases(trainer, batch)
    trainer.optimizer.zero_grad(set_to_none=True)
    with record_function("backward"):
        (loss / batch.n_tokens).backward()
    with record_function("clip + adam"):
        nn.utils.clip_grad_norm_(trainer.model.parameters(), trainer.config.clip_norm)
        trainer.optimizer.step()


def output_layer_alone(trainer: Trainer, batch: Batch, repeats: int = 3) -> float:
    """Seconds for the output layer + loss, forward and backward, on decoder outputs of this batch's shape."""
    width = trainer.model.decoder.output.in_features
    hidden = torch.randn(batch.tgt_in.size(0), batch.tgt_in.size(1), width, requires_grad=True)
    start = time.perf_counter()
    for _ in range(repeats):
        logits = trainer.model.decoder.project(hidden)
        loss = trainer.loss_fn(logits.flatten(0, 1), batch.tgt_out.flatten())
        (loss / batch.n_tokens).backward()
    trainer.optimizer.zero_grad(set_to_none=True)
    return (time.perf_counter() - start) / repeats


def matmul_gflops(rows: int, width: int, vocab: int, repeats: int = 3) -> float:
    """fp32 matrix-product speed at the output layer's shape: the ceiling for everything else."""
    left, right = torch.randn(rows, width), torch.randn(width, vocab)
    left @ right
    start = time.perf_counter()
    for _ in range(repeats):
        left @ right
    return 2 * rows * width * vocab * repeats / (time.perf_counter() - start) / 1e9


def phase_times(prof, steps: int) -> dict[str, float]:
    totals = {e.key: e.cpu_time_total / 1e6 / steps for e in prof.key_averages() if e.key in PHASES}
    return {phase: round(totals.get(phase, 0.0), 4) for phase in PHASES}


def top_operators(prof, steps: int, count: int = 15) -> list[dict]:
    events = [e for e in prof.key_averages() if e.key not in PHASES]
    events.sort(key=lambda e: e.self_cpu_time_total, reverse=True)
    return [{"op": e.key, "self_s_per_step": round(e.self_cpu_time_total / 1e6 / steps, 4),
             "calls_per_step": e.count // steps} for e in events[:count]]


def measure(args: argparse.Namespace, tmp: Path) -> dict:
    trainer = make_trainer(args.arch, args.threads, args.batch_tokens, args.max_pairs, tmp)
    trainer.precision = args.precision
    indices = make_batches(trainer.train_examples, args.batch_tokens, seed=0)[: args.steps + 2]
    batches = [collate([trainer.train_examples[i] for i in group]) for group in indices]
    for batch in batches[:2]:
        profiled_step(trainer, batch)
    start = time.perf_counter()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for batch in batches[2:]:
            profiled_step(trainer, batch)
    step_s = (time.perf_counter() - start) / args.steps
    tokens = sum(b.n_tokens for b in batches[2:]) / args.steps
    output = trainer.model.decoder.output
    return {"step_s": round(step_s, 4), "target_tokens_per_step": round(tokens),
            "phases_s": phase_times(prof, args.steps),
            "output_layer_and_loss_fwd_bwd_s": round(output_layer_alone(trainer, batches[-1]), 4),
            "output_shape_matmul_gflops": round(matmul_gflops(round(tokens), output.in_features,
                                                              output.out_features), 1),
            "top_operators": top_operators(prof, args.steps)}


def print_report(result: dict) -> None:
    step = result["step_s"]
    print(f"step {step:.3f} s (profiled), {result['target_tokens_per_step']} target tokens")
    for phase, seconds in result["phases_s"].items():
        print(f"  {phase:14s} {seconds:8.3f} s  {100 * seconds / step:5.1f}%")
    alone = result["output_layer_and_loss_fwd_bwd_s"]
    print(f"  output layer + loss, forward and backward, alone: {alone:.3f} s ({100 * alone / step:.0f}% of a step)")
    print(f"  fp32 matrix product at the output layer's shape: {result['output_shape_matmul_gflops']} GFLOP/s")
    for op in result["top_operators"]:
        print(f"  {op['self_s_per_step']:8.4f} s  {op['calls_per_step']:5d}x  {op['op']}")


def main(argv=None) -> None:
    args = parse_args(argv)
    started = machine()
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        result = measure(args, Path(tmp))
    print_report(result)
    settings = {k: v for k, v in vars(args).items() if k != "name"} | {"architecture": ARCHS[args.arch]}
    default = "profile_train_step" if args.arch == "classic" else f"profile_train_step-{args.arch}"
    write_result(args.name or (default if args.precision == "fp32" else f"{default}-{args.precision}"),
                 settings, result, "where the time goes (no goal)", started)


if __name__ == "__main__":
    main()
