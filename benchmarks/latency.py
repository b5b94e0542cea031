"""How fast the app answers: server-side `Translator.trace` for a 9-word sentence, and the step
page's server time for each interaction (a new sentence typed, Next, Back).

    python -m benchmarks.latency                              # the default model
    python -m benchmarks.latency --checkpoint checkpoints/dates --clicks 8
    python -m benchmarks.latency --app-dir /tmp/old --name latency-old   # an older checkout's app

Trace times are the model alone (greedy and beam 5, after a warm-up call; CPU seconds of this
process next to wall seconds, because other programs competing for the cores inflate wall time on
a busy machine). Step-page times come from a real `streamlit run app.py` (one thread) and one
session speaking Streamlit's protocol (benchmarks/load.py): from sending the interaction to the
script's end, so they include building and sending every element, not the browser's drawing
(benchmarks/step_click.py measures that). Next presses visit new steps; Back presses revisit them.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import statistics
import time

from benchmarks import app_server, load
from benchmarks.common import REPO, machine, set_threads, thread_env, write_result
from seq2seq.checkpoint import load_checkpoint
from seq2seq.config import DecodeConfig
from seq2seq.decoding.translator import Translator
from seq2seq.service import DEFAULT_MODEL, list_models, load_translator

GOAL = "step page: a translate or next/back interaction <= 50 ms of server time p50 on the default model"
SENTENCE = "I would like to visit my grandmother next week."  # 9 words


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=REPO / "checkpoints" / DEFAULT_MODEL)
    parser.add_argument("--sentence", default=SENTENCE)
    parser.add_argument("--runs", type=int, default=50, help="timed trace() calls per strategy")
    parser.add_argument("--clicks", type=int, default=10, help="timed next and back presses on the step page")
    parser.add_argument("--translations", type=int, default=20, help="new sentences typed into the step page")
    parser.add_argument("--app-dir", type=Path, default=REPO,
                        help="the checkout whose app is served (an older commit, to compare)")
    parser.add_argument("--name", default="", help="result file name (default: latency-<checkpoint>)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads: 1, as the app serves each request (0 = torch's default)")
    return parser.parse_args(argv)


def percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1), "p95_ms": round(p95 * 1000, 1)}


def time_trace(checkpoint: Path, sentence: str, runs: int) -> dict[str, dict[str, float]]:
    """The app's translator (output weight kept transposed, seq2seq/nn/transposed.py) and the same model
    multiplying by its layer's own weight, timed call for call in turn, so that both see the same minute."""
    translators = {"": load_translator(checkpoint), "_plain_output": Translator(load_checkpoint(checkpoint))}
    results = {}
    for name, decode in {"greedy": DecodeConfig(), "beam5": DecodeConfig(strategy="beam", beam_size=5)}.items():
        wall = {label: [] for label in translators}
        cpu = {label: [] for label in translators}
        for translator in translators.values():
            translator.trace(sentence, decode)  # warm-up: first-call allocations are not what users wait for
        for _ in range(runs):
            for label, translator in translators.items():
                start, start_cpu = time.perf_counter(), time.process_time()
                translator.trace(sentence, decode)
                wall[label].append(time.perf_counter() - start)
                cpu[label].append(time.process_time() - start_cpu)
        steps = len(translators[""].trace(sentence, decode).steps)
        for label in translators:
            results[f"trace_{name}{label}"] = {**percentiles(wall[label]),
                                               "cpu_p50_ms": percentiles(cpu[label])["p50_ms"], "steps": steps}
        results[f"trace_{name}_ratio"] = {"app_over_plain_output_p50": round(
            statistics.median(wall[""]) / statistics.median(wall["_plain_output"]), 3)}
    return results


def model_name(checkpoint: Path) -> str | None:
    """The picker's name for the checkpoint, or None when the app does not list it."""
    resolved = checkpoint.resolve()
    return next((m.name for m in list_models() if m.path.resolve() == resolved), None)


def new_sentences(count: int) -> list[str]:
    """Distinct everyday sentences of 9-11 words, none of them in the page's cache yet."""
    subjects = ["My sister", "Our teacher", "The old man", "Your best friend", "His mother", "The little boy"]
    verbs = ["wants to visit", "would like to see", "is going to paint", "decided to buy", "often talks about"]
    objects = ["the small house", "a red car", "the new library", "that strange picture", "the big garden"]
    times = ["next week.", "this evening.", "every summer.", "before the holidays."]
    combos = [f"{s} {v} {o} {t}" for t in times for o in objects for v in verbs for s in subjects]
    return combos[:count]


async def step_interactions(url: str, model: str, sentence: str, texts: list[str], clicks: int) -> dict:
    """One browser session on the step page (benchmarks/load.py's client): new sentences typed one by
    one, then Next `clicks` times and Back as often, each timed from request to script finished."""
    tab = await load.Browser(url).open(f"model={model}", load.STEP_PAGE)
    timings: dict[str, list[float]] = {"translate": [], "next": [], "back": []}
    try:
        await tab.run()
        await tab.type_text(tab.widget(load.TEXT_BOX), sentence)  # warm-up: model and first charts
        for text in texts:
            page = await tab.type_text(tab.widget(load.TEXT_BOX), text)
            timings["translate"].append(page.ms / 1000)
            _fail_on(page)
        await tab.type_text(tab.widget(load.TEXT_BOX), sentence)
        for label, kind in [("Next ▶", "next")] * clicks + [("◀ Back", "back")] * clicks:
            page = await tab.click(tab.widget(label))
            timings[kind].append(page.ms / 1000)
            _fail_on(page)
    finally:
        await tab.close()
    return timings


def _fail_on(page) -> None:
    if page.errors:
        raise SystemExit(f"step page failed: {page.errors[0]}")


def time_step_page(name: str, sentence: str, clicks: int, translations: int, app_dir: Path) -> dict:
    """Server time of the step page's interactions against a real `streamlit run app.py`."""
    with app_server.running(env=thread_env(1), app_dir=app_dir) as (url, _):
        timings = asyncio.run(step_interactions(url, name, sentence, new_sentences(translations), clicks))
    return {f"step_page_{kind}": {**percentiles(values), "n": len(values)} for kind, values in timings.items()}


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
        results.update(time_step_page(name, args.sentence, args.clicks, args.translations, args.app_dir))
    for what, figures in results.items():
        print(f"{what:22s} " + "  ".join(f"{k}={v}" for k, v in figures.items()))
    settings = {"checkpoint": str(args.checkpoint), "sentence": args.sentence, "runs": args.runs,
                "clicks": args.clicks, "translations": args.translations, "threads": args.threads or "default",
                "app_dir": str(args.app_dir)}
    write_result(args.name or f"latency-{args.checkpoint.name}", settings, results, GOAL, started)


if __name__ == "__main__":
    main()
