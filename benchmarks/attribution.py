"""Attribution: how fast the three methods explain one output piece, and whether attention or
attribution better explains the model's choices (the faithfulness check over many test sentences).

    python benchmarks/attribution.py                          # the default model, 200 test sentences
    python benchmarks/attribution.py --sentences 20 --threads 2

Speed: a test sentence of exactly 15 source pieces (EOS included), decoded greedily; every output
step attributed with all three methods (saliency, gradient × input, integrated gradients with 16
Gauss-Legendre points), after one warm-up call; wall seconds per step, and CPU seconds of this
process (other programs competing for the cores inflate wall time on a busy machine).

Faithfulness: for each of N test sentences spread over the test split, one output step drawn at
random (fixed seed); the source piece with the highest attention and the one ranked first by each
attribution method are removed in turn and p(piece) is scored again. The pointer whose removal
costs the most "wins" (several win when they removed the same piece).
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import random
import statistics
import time

from benchmarks.common import machine, set_threads, write_result
from seq2seq import service
from seq2seq.analysis.attribution import METHODS, attribute
from seq2seq.analysis.faithfulness import ATTENTION, POINTERS, removals, winners

GOAL = "attribution of one output piece of a 15-piece sentence, all three methods, <= 1 s on 2 cores"
PIECES = 15


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=service.DEFAULT_MODEL)
    parser.add_argument("--sentences", type=int, default=200, help="test sentences for the faithfulness check")
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads (the app uses 1)")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def spread(items: list, count: int) -> list:
    """`count` items evenly over the list (test files are often sorted by length)."""
    if count >= len(items):
        return list(items)
    return [items[i * len(items) // count] for i in range(count)]


def speed(translator, sources: list[str]) -> dict:
    sentence = next(s for s in sources if len(translator.source_ids(s)[0]) == PIECES)
    source, _ = translator.source_ids(sentence)
    output = service.trace(translator, sentence).trace.output_ids
    attribute(translator.model, source, output, 0)  # warm-up: the private copy, first kernels
    seconds, cpu = [], []
    for step in range(len(output) + 1):
        start, start_cpu = time.perf_counter(), time.process_time()
        attribute(translator.model, source, output, step)
        seconds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {"sentence": sentence, "source_pieces": len(source), "output_steps": len(output) + 1,
            "median_s": round(statistics.median(seconds), 3), "max_s": round(max(seconds), 3),
            "mean_s": round(statistics.mean(seconds), 3), "median_cpu_s": round(statistics.median(cpu), 3)}


def faithfulness(translator, sources: list[str], seed: int) -> dict:
    rng = random.Random(seed)
    wins = dict.fromkeys(POINTERS, 0)
    drops = {pointer: [] for pointer in POINTERS}
    versus = {"integrated_gradients": 0, "attention": 0, "same piece": 0, "tie": 0}
    for text in sources:
        source, _ = translator.source_ids(text)
        output = service.trace(translator, text).trace.output_ids
        step = rng.randrange(len(output) + 1)
        found = attribute(translator.model, source, output, step)
        removed = removals(translator.model, source, output, found)
        for pointer in winners(removed):
            wins[pointer] += 1
        by_pointer = {r.pointer: r for r in removed}
        for pointer, removal in by_pointer.items():
            drops[pointer].append(removal.drop)
        versus[_head_to_head(by_pointer[ATTENTION], by_pointer["integrated_gradients"])] += 1
    return {"sentences": len(sources), "wins": wins, "mean_drop": {p: round(statistics.mean(d), 4)
                                                                  for p, d in drops.items() if d},
            "attention_vs_integrated_gradients": versus}


def _head_to_head(attention, integrated) -> str:
    if attention.position == integrated.position:
        return "same piece"
    if abs(attention.drop - integrated.drop) < 1e-9:
        return "tie"
    return "attention" if attention.drop > integrated.drop else "integrated_gradients"


def main(argv=None) -> None:
    args = parse_args(argv)
    started = machine()
    set_threads(args.threads)
    info = service.find_model(args.model)
    translator = service.load_translator(info.path)
    if translator.model.config.attention == "none":
        raise SystemExit(f"{args.model} has no attention to compare with")
    sources, _ = service.test_set(info)
    timing = speed(translator, sources)
    print(f"speed: {timing}")
    checked = faithfulness(translator, spread(sources, args.sentences), args.seed) if args.sentences else None
    print(f"faithfulness: {checked}")
    name = f"attribution-{args.model}-threads{args.threads}" + ("" if args.sentences else "-speed")
    write_result(name,
                 {"model": args.model, "threads": args.threads, "methods": list(METHODS), "seed": args.seed},
                 {"speed": timing, "faithfulness": checked}, GOAL, started)


if __name__ == "__main__":
    main()
