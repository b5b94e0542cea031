"""Decoding speed: greedy and beam sentences/s on the first 1,000 distinct test sentences, batched.

    python -m benchmarks.decoding                                  # checkpoints/tatoeba-en-fr vs Joey
    python -m benchmarks.decoding --checkpoint checkpoints/dates   # any checkpoint (Joey side skipped)

Ours: `Translator.translate` (sentences sorted by length, batches of 64; beam search runs one
sentence at a time), timed after a warm-up batch, tokenization and detokenization included.
Joey NMT: `joeynmt translate` with the checkpoint that benchmarks/quality_per_minute.py left in
--joey-dir, batches of 64 sentences, its own "Generation took" time (model loading excluded, as ours).
Each side's output is scored too, so that speed is never bought with broken translations.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import re
import tempfile
import time
from typing import Any

from benchmarks.common import REPO, machine, set_threads, write_result
from benchmarks.joey_config import decoding_config, read_config
from benchmarks.joey_env import joey_python
from benchmarks.joey_run import translate as joey_translate
from benchmarks.quality_per_minute import JOEY_DIR
from seq2seq.checkpoint import load_checkpoint
from seq2seq.config import DecodeConfig
from seq2seq.data.pairs import unique_with_refs
from seq2seq.data.splits import load_split
from seq2seq.decoding.translator import Translator
from seq2seq.evaluate import bleu_chrf, exact_match

GOAL = ">= 300 sentences/s greedy on 2 cores (Tatoeba model)"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=REPO / "checkpoints" / "tatoeba-en-fr")
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--joey-dir", type=Path, default=JOEY_DIR / "joey-tatoeba-preset",
                        help="a Joey run folder left by benchmarks/quality_per_minute.py")
    parser.add_argument("--skip-joey", action="store_true")
    parser.add_argument("--name", help="results file name (default decoding[-CHECKPOINT] )")
    return parser.parse_args(argv)


def score(hypotheses: list[str], refs: list[list[str]], toy: bool) -> dict[str, Any]:
    if toy:
        return {"exact_match": round(exact_match(hypotheses, refs), 4)}
    return {"bleu": bleu_chrf(hypotheses, refs)["bleu"]}


def strategies(beam: int) -> dict[str, DecodeConfig]:
    return {"greedy": DecodeConfig(), f"beam{beam}": DecodeConfig(strategy="beam", beam_size=beam)}


def ours(translator: Translator, sources, refs, beam: int, toy: bool) -> dict[str, Any]:
    translator.translate(sources[:64])  # warm-up: first calls allocate and pick kernels
    results = {}
    for label, decode in strategies(beam).items():
        start = time.perf_counter()
        hypotheses = translator.translate(sources, decode)
        seconds = time.perf_counter() - start
        results[label] = {"sentences_per_s": round(len(sources) / seconds, 1), "seconds": round(seconds, 2),
                          **score(hypotheses, refs, toy)}
        print(f"ours {label}: {results[label]}", flush=True)
    return results


def joey_checkpoint(folder: Path) -> Path | None:
    """The latest checkpoint of the last segment the quality benchmark trained."""
    segments = sorted(folder.glob("model-*/latest.ckpt"), key=lambda p: int(re.sub(r"\D", "", p.parent.name)))
    return segments[-1] if segments else None


def joey(args: argparse.Namespace, sources, refs) -> dict[str, Any]:
    checkpoint = joey_checkpoint(args.joey_dir)
    if checkpoint is None:
        print(f"Joey side skipped: no checkpoint in {args.joey_dir}; run benchmarks.quality_per_minute first")
        return {"skipped": f"no Joey checkpoint in {args.joey_dir}"}
    results: dict[str, Any] = {"checkpoint": str(checkpoint),
                               "model": read_config(args.joey_dir / "config.yaml")["model"]}
    with tempfile.TemporaryDirectory(prefix="bench-decoding-") as tmp:
        for label, beam in (("greedy", 1), (f"beam{args.beam}", args.beam)):
            config = decoding_config(args.joey_dir / "config.yaml", checkpoint, Path(tmp) / "decode.yaml", beam)
            seconds, hypotheses = joey_translate(joey_python(), config, args.threads, sources, Path(tmp))
            results[label] = {"sentences_per_s": round(len(sources) / seconds, 1), "seconds": round(seconds, 2),
                              **score(hypotheses, refs, toy=False)}
            print(f"Joey {label}: {results[label]}", flush=True)
    return results


def main(argv=None) -> None:
    args = parse_args(argv)
    started = machine()
    set_threads(args.threads)
    bundle = load_checkpoint(args.checkpoint)
    toy = bundle.train_config.data.startswith("toy:")
    split = load_split(bundle.train_config)
    sources, refs = unique_with_refs(split.test, split.test_refs)
    sources, refs = sources[: args.sentences], refs[: args.sentences]
    results = {"sentences": len(sources), "ours": ours(Translator(bundle), sources, refs, args.beam, toy),
               "ours_model": bundle.metrics.get("model", {})}
    if not (args.skip_joey or toy):
        results["joey"] = joey(args, sources, refs)
    name = args.name or ("decoding" if args.checkpoint.name == "tatoeba-en-fr" else f"decoding-{args.checkpoint.name}")
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "name"}
    write_result(name, settings, results, GOAL, started)


if __name__ == "__main__":
    main()
