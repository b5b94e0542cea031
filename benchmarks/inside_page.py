"""How fast the "Inside the model" page answers for a 20-piece sentence, after the first load.

    python -m benchmarks.inside_page                   # shipped dates model
    python -m benchmarks.inside_page --model tatoeba-en-fr --repeats 3
    python -m benchmarks.inside_page --threads 1      # one torch thread (a busy 2-core machine)

Runs the page headless (Streamlit AppTest, so the figures include the script rerun and building and
serialising every chart, not only the model). For each view it times (a) a rerun with the same
sentence (an interaction such as hovering a widget: everything cached) and (b) a new sentence of
exactly 20 pieces from the model's data (the model traces it anew; the reference sample and its
projection come from the cache).
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import os
import statistics
import time

import torch
from streamlit.testing.v1 import AppTest

from benchmarks.common import REPO, machine, write_result
from seq2seq.catalog import find_model
from seq2seq.data.splits import load_split
from seq2seq.service import load_translator

GOAL = "each view rerenders in <= 1 s for a 20-piece sentence after the first load"
VIEWS = ("Trajectories", "Compare", "Neurons", "Neighbours", "Bottleneck")
PIECES = 20


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="dates")
    parser.add_argument("--repeats", type=int, default=5, help="timed reruns (and new sentences) per view")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads for the page's model work (0 = torch's default, one per core)")
    return parser.parse_args(argv)


def sentences_of_length(model: str, count: int) -> list[str]:
    """Sentences of the model's data (test split first) that it reads as exactly PIECES pieces."""
    translator = load_translator(find_model(model).path)
    split = load_split(translator.bundle.train_config)
    found = [p.source for p in split.test + split.valid + split.train
             if len(translator.src.encode(p.source)) == PIECES]
    if len(found) < count:
        raise SystemExit(f"only {len(found)} sentences of {PIECES} pieces; use fewer --repeats")
    return found[:count]


def timed_run(app: AppTest, cpu: list[float] | None = None) -> float:
    """Wall seconds of one rerun; appends this process's CPU seconds to `cpu` (less sensitive to
    other programs competing for the cores, which inflate wall time on a busy machine)."""
    start, start_cpu = time.perf_counter(), time.process_time()
    app.run()
    if app.exception:
        raise SystemExit(f"page failed: {app.exception[0].value}")
    if cpu is not None:
        cpu.append(time.process_time() - start_cpu)
    return time.perf_counter() - start


def measure(model: str, repeats: int) -> dict:
    texts = sentences_of_length(model, repeats + 1)
    app = AppTest.from_file(str(REPO / "pages" / "3_Inside_the_model.py"), default_timeout=600)
    app.query_params["model"] = model
    app.session_state["text"] = texts[0]
    results = {"first_load_s": round(timed_run(app), 3), "sentence": texts[0], "views": {}}
    for view in VIEWS:
        app.radio(key="_w_view").set_value(view)
        timed_run(app)  # first visit of a view may build its caches (index, scores check)
        same_cpu, new_cpu = [], []
        same = [timed_run(app, same_cpu) for _ in range(repeats)]
        new = []
        for text in texts[1:]:
            app.text_area[0].input(text)
            new.append(timed_run(app, new_cpu))
        app.text_area[0].input(texts[0])
        timed_run(app)
        results["views"][view] = {"same_sentence_median_s": round(statistics.median(same), 3),
                                  "new_sentence_median_s": round(statistics.median(new), 3),
                                  "new_sentence_max_s": round(max(new), 3),
                                  "same_sentence_cpu_median_s": round(statistics.median(same_cpu), 3),
                                  "new_sentence_cpu_median_s": round(statistics.median(new_cpu), 3)}
    return results


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.threads:
        # Same process as the page (AppTest), so this is the setting the page's inference runs with.
        torch.set_num_threads(args.threads)
    started = machine()
    results = measure(args.model, args.repeats)
    print(f"first load (model, reference sample, projection): {results['first_load_s']:.2f} s")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, {torch.get_num_threads()} torch "
          "thread(s); medians, wall (CPU) seconds")
    print(f"{'view':<14}{'same sentence':>20}{'new 20-piece sentence':>26}")
    for view, row in results["views"].items():
        print(f"{view:<14}{row['same_sentence_median_s']:>10.3f} ({row['same_sentence_cpu_median_s']:.3f}) s"
              f"{row['new_sentence_median_s']:>14.3f} ({row['new_sentence_cpu_median_s']:.3f}) s")
    write_result(f"inside_page-{args.model}-threads{torch.get_num_threads()}", vars(args), results, GOAL, started)


if __name__ == "__main__":
    main()
