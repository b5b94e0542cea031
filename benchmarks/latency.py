"""How fast the app answers: server-side `Translator.trace` for a 10-word sentence, and the step
page's rerun when next/back is pressed.

    python -m benchmarks.latency --checkpoint checkpoints/dates
    python -m benchmarks.latency --checkpoint checkpoints/tatoeba-en-fr --runs 50 --clicks 20

Trace times are the model alone (greedy and beam 5, after a warm-up call). Step-page times come
from Streamlit AppTest: the script rerun plus building every chart, with the trace cached as in
the app; they exclude the browser's drawing. CPU seconds of this process are reported next to wall
seconds because other programs competing for the cores inflate wall time on a busy machine.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import statistics
import time

from streamlit.testing.v1 import AppTest

from benchmarks.common import REPO, machine, set_threads, write_result
from seq2seq.catalog import list_models
from seq2seq.service import load_translator
from seq2seq.config import DecodeConfig

GOAL = "interactions answer in well under a second on a laptop CPU"
SENTENCE = "I would like to visit my grandmother next week, please."  # 10 words


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=REPO / "checkpoints" / "dates")
    parser.add_argument("--sentence", default=SENTENCE)
    parser.add_argument("--runs", type=int, default=50, help="timed trace() calls per strategy")
    parser.add_argument("--clicks", type=int, default=10, help="timed next and back presses on the step page")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads: 1, as the app serves each request (0 = torch's default)")
    return parser.parse_args(argv)


def percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1), "p95_ms": round(p95 * 1000, 1)}


def time_trace(checkpoint: Path, sentence: str, runs: int) -> dict[str, dict[str, float]]:
    translator = load_translator(checkpoint)
    results = {}
    for name, decode in {"greedy": DecodeConfig(), "beam5": DecodeConfig(strategy="beam", beam_size=5)}.items():
        translator.trace(sentence, decode)  # warm-up: first-call allocations are not what users wait for
        wall, cpu = [], []
        for _ in range(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            translator.trace(sentence, decode)
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        results[f"trace_{name}"] = {**percentiles(wall), "cpu_p50_ms": percentiles(cpu)["p50_ms"],
                                    "steps": len(translator.trace(sentence, decode).steps)}
    return results


def model_name(checkpoint: Path) -> str | None:
    """The picker's name for the checkpoint, or None when the app does not list it."""
    resolved = checkpoint.resolve()
    return next((m.name for m in list_models() if m.path.resolve() == resolved), None)


def time_step_page(name: str, sentence: str, clicks: int) -> dict[str, dict[str, float]]:
    app = AppTest.from_file(str(REPO / "pages" / "2_Step_by_step.py"), default_timeout=300)
    app.query_params.update(model=name, text=sentence)
    app.run()  # first load: model and trace go into the caches
    wall, cpu = [], []
    for label in ["Next ▶"] * clicks + ["◀ Back"] * clicks:
        button = next(b for b in app.button if b.label == label)
        start, start_cpu = time.perf_counter(), time.process_time()
        button.click().run()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        if app.exception:
            raise SystemExit(f"step page failed: {app.exception[0].value}")
    return {"step_page_next_back": {**percentiles(wall), "cpu_p50_ms": percentiles(cpu)["p50_ms"]}}


def main(argv=None) -> None:
    args = parse_args(argv)
    started = machine()
    if args.threads:
        set_threads(args.threads)
    results = time_trace(args.checkpoint, args.sentence, args.runs)
    name = model_name(args.checkpoint)
    if name is None:
        print(f"{args.checkpoint} is not under checkpoints/: the step page cannot open it, skipped")
    else:
        results.update(time_step_page(name, args.sentence, args.clicks))
    for what, figures in results.items():
        print(f"{what:22s} " + "  ".join(f"{k}={v}" for k, v in figures.items()))
    settings = {"checkpoint": str(args.checkpoint), "sentence": args.sentence, "runs": args.runs,
                "clicks": args.clicks, "threads": args.threads or "default"}
    write_result(f"latency-{args.checkpoint.name}", settings, results, GOAL, started)


if __name__ == "__main__":
    main()
