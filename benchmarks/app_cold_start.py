"""Cold start of the app: from `streamlit run app.py` to the first translation shown in a real browser.

    python -m benchmarks.app_cold_start            # 3 fresh app processes, median reported
    python benchmarks/app_cold_start.py --before /tmp/old   # an older checkout too, alternating, in one run

The browser (Debian's chromium through Playwright) is open before the clock starts, as a user's
would be. Each run starts a new Streamlit process (empty model cache), opens the home page and
waits until the page's text contains the default model's translation of the home page's example
sentence, which this script computes beforehand with the same model and greedy decoding.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import socket
import statistics
import subprocess
import time
from typing import Any

from benchmarks import app_server
from benchmarks.common import REPO, machine, thread_env, write_result

GOAL = "<= 3 s from `streamlit run app.py` to the first translation on screen"
CONTAINS = "([text]) => document.body.innerText.replace(/\\s+/g, ' ').includes(text)"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for one start")
    parser.add_argument("--before", type=Path, help="an older checkout of the app, started alternately with this one")
    parser.add_argument("--name", default="app_cold_start")
    return parser.parse_args(argv)


EXPECTED = """
from seq2seq.catalog import list_models
from seq2seq.service import load_translator
try:
    from studio.shared.examples import example_sentence
except ImportError:  # checkouts before the studio/ packages
    from studio.examples import example_sentence
info = list_models()[0]
print(" ".join(load_translator(info.path).translate([example_sentence(info)])[0].split()))
"""


def expected_translation(app_dir: Path) -> str:
    """What that checkout's home page shows first: its default model's greedy translation of its example,
    computed by its own code."""
    result = subprocess.run([sys.executable, "-c", EXPECTED], cwd=app_dir, capture_output=True, text=True,
                            env={**thread_env(1), "PYTHONPATH": str(app_dir)})
    if result.returncode != 0 or not result.stdout.strip():
        raise SystemExit(f"cannot compute the home page's translation in {app_dir}:\n{result.stderr[-2000:]}")
    return result.stdout.strip()


def wait_for_port(port: int, process: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("streamlit exited before opening its port (its output is above)")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("streamlit did not open its port in time")


def one_start(browser, expected: str, args: argparse.Namespace, app_dir: Path) -> dict[str, float]:
    port = app_server.free_port()
    began = time.monotonic()
    process = app_server.start(port, env=thread_env(args.threads), log=None, app_dir=app_dir)
    try:
        wait_for_port(port, process, began + args.timeout)
        server = time.monotonic() - began
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/", timeout=args.timeout * 1000)
        page.wait_for_function(CONTAINS, arg=[expected], timeout=args.timeout * 1000, polling=50)
        shown = time.monotonic() - began
        page.close()
    finally:
        app_server.stop(process)
    return {"server_ready_s": round(server, 2), "translation_shown_s": round(shown, 2)}


def main(argv=None) -> None:
    args = parse_args(argv)
    apps = {"now": REPO, **({"before": args.before.resolve()} if args.before else {})}
    started = machine()
    expected = {label: expected_translation(folder) for label, folder in apps.items()}
    print(f"waiting for: {expected}")
    from playwright.sync_api import sync_playwright

    runs: dict[str, list[dict[str, Any]]] = {label: [] for label in apps}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(app_server.CHROMIUM), args=app_server.CHROMIUM_ARGS)
        for run in range(args.runs):
            for label, folder in apps.items():  # alternately, so that a busier minute hurts both alike
                runs[label].append(one_start(browser, expected[label], args, folder))
                print(f"run {run + 1} {label}: {runs[label][-1]}", flush=True)
        browser.close()
    results = {label: {"expected_text": expected[label], "runs": runs[label],
                       "median_translation_shown_s": statistics.median(r["translation_shown_s"] for r in runs[label])}
               for label in apps}
    if args.before:
        results["ratio_now_to_before"] = round(results["now"]["median_translation_shown_s"]
                                               / results["before"]["median_translation_shown_s"], 2)
    settings = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items() if k != "name"}
    write_result(args.name, settings, results, GOAL, started)


if __name__ == "__main__":
    main()
