"""Where one rerun of each page spends its time: cProfile around one interaction after the first load.

    python benchmarks/rerun_profile.py                         # default model, every page
    python benchmarks/rerun_profile.py --model dates --pages step translate --top 30

Each page runs in Streamlit's AppTest (the script, its widgets, every chart built and serialised;
no browser). After a first load (model and caches warm), one interaction is profiled: on the step
page a press of Next, on the home, translate and step pages also a newly typed sentence, elsewhere
a plain rerun (what a click on any widget costs at least). The report lists the functions with the
most cumulative time, from this repository and the libraries it drives.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import cProfile
import pstats
import time

from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

from benchmarks.common import REPO, machine, set_threads, write_result

GOAL = "no goal: shows where a rerun's time goes (the goals are in latency.py)"
SENTENCES = ("I would like to visit my grandmother next week.", "Where did you put the keys of the car?")
SCRIPTS = {"home": "app.py", "translate": "pages/1_Translate.py", "step": "pages/2_Step_by_step.py",
           "inside": "pages/3_Inside_the_model.py", "train": "pages/4_Train.py", "models": "pages/5_Models.py"}
# Where time is worth reading about: our code and the libraries it calls, not Python's machinery.
SHOWN = ("/studio/", "/seq2seq/", "/pages/", "app.py", "streamlit/", "altair/", "pandas/", "pyarrow/", "torch/")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="", help="model name (default: the app's default model)")
    parser.add_argument("--pages", nargs="+", choices=list(SCRIPTS), default=list(SCRIPTS))
    parser.add_argument("--top", type=int, default=20, help="functions listed per interaction")
    parser.add_argument("--app-dir", type=Path, default=REPO, help="another checkout of the app, to compare")
    return parser.parse_args(argv)


def interactions(page: str) -> dict:
    """name -> a function that changes the app's inputs before the profiled rerun."""
    chosen = {"rerun": lambda app: None}
    if page in ("home", "translate", "step"):
        chosen["new sentence"] = lambda app: app.text_area[0].input(SENTENCES[1])
    if page == "step":
        chosen["next"] = lambda app: next(b for b in app.button if b.label == "Next ▶").click()
    return chosen


# The script runs in Streamlit's script thread, which a profiler started here would not see: the
# profiler runs inside the thread, around the call that executes the script.
_PROFILES: list[cProfile.Profile] = []
_EXECUTE = script_runner.exec_func_with_error_handling


def _profiled_execute(func, ctx):
    return _PROFILES[-1].runcall(_EXECUTE, func, ctx) if _PROFILES else _EXECUTE(func, ctx)


script_runner.exec_func_with_error_handling = _profiled_execute


def profiled(app: AppTest, prepare) -> tuple[float, pstats.Stats]:
    prepare(app)
    profile = cProfile.Profile()
    _PROFILES.append(profile)
    start = time.perf_counter()
    try:
        app.run()
    finally:
        _PROFILES.remove(profile)
    wall = (time.perf_counter() - start) * 1000
    if app.exception:
        raise SystemExit(f"page failed: {app.exception[0].value}")
    return wall, pstats.Stats(profile)


def top_functions(stats: pstats.Stats, count: int) -> list[dict]:
    rows = []
    for (filename, line, name), (_, calls, _, cumulative, _) in stats.stats.items():
        if any(part in filename for part in SHOWN):
            short = filename.split("site-packages/")[-1].replace(str(REPO) + "/", "")
            rows.append({"function": f"{short}:{line}:{name}", "calls": calls, "cum_ms": round(cumulative * 1000, 1)})
    return sorted(rows, key=lambda row: -row["cum_ms"])[:count]


def profile_page(page: str, app_dir: Path, model: str, top: int) -> dict:
    results = {}
    for name, prepare in interactions(page).items():
        app = AppTest.from_file(str(app_dir / SCRIPTS[page]), default_timeout=600)
        if model:
            app.query_params["model"] = model
        app.session_state["text"] = SENTENCES[0]
        app.run()  # first load: imports, model, caches
        app.run()  # the second run is what every later one costs, minus the change below
        wall, stats = profiled(app, prepare)
        results[name] = {"wall_ms": round(wall, 1), "top": top_functions(stats, top)}
    return results


def main(argv=None) -> None:
    args = parse_args(argv)
    set_threads(1)  # as the app serves each request
    started = machine()
    sys.path.insert(0, str(args.app_dir))
    results = {}
    for page in args.pages:
        results[page] = profile_page(page, args.app_dir, args.model, args.top)
        for name, figures in results[page].items():
            print(f"\n== {page} · {name}: {figures['wall_ms']:.0f} ms")
            for row in figures["top"]:
                print(f"  {row['cum_ms']:8.1f} ms {row['calls']:6d}x  {row['function']}")
    settings = {"model": args.model or "default", "pages": args.pages, "app_dir": str(args.app_dir)}
    write_result(f"rerun_profile-{args.model or 'default'}", settings, results, GOAL, started)


if __name__ == "__main__":
    main()
