"""What a user feels on the step page: from pressing Next until the page has settled, in Chromium.

    python benchmarks/step_click.py                                  # this checkout
    python benchmarks/step_click.py --before /tmp/old                # and an older checkout, same run

Each app is a fresh `streamlit run app.py` (1 thread, as in a classroom server). The browser (Debian's
chromium through Playwright) opens the Step-by-step page on the default model with a 9-word
sentence, waits until everything is drawn, then presses Next `--clicks` times. For each press the
page itself times, with `performance.now()`: when the step label shows the new step, and when the
page settled, i.e. the last change to the page (any DOM mutation: elements, chart SVG or canvas
replaced) before the script finished and 400 ms passed without another change. Reported as p50/p95
per app, and the ratio of the two apps' medians when --before is given (same machine, same minute).

Where a press's time goes, as CPU per press over all presses: the server process (its script run,
protocol and websocket) and the browser's processes (from /proc: every chromium process on the machine,
so run it with no other browser open), and inside the browser the page's
main thread (Chrome's Performance metrics: all tasks, of which JavaScript, style and layout). On two
cores the browser's share decides how soon the page settles as much as the server's does.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import os
import statistics
import urllib.parse

from benchmarks import app_server
from benchmarks.common import REPO, machine, thread_env, write_result

GOAL = "<= 250 ms from pressing Next until the page has settled in Chromium"
SENTENCE = "My brother and I went to the market yesterday morning."
QUIET_MS = 400
# Installs a MutationObserver that remembers the time of the last change to the page, and when the text
# in window.__target first appeared. The text is looked for only when the page changed, in textContent
# (no layout): polling innerText every few ms cost the page's main thread ~100 ms per press itself.
OBSERVE = """() => {
  window.__lastChange = performance.now();
  window.__labelAt = null;
  new MutationObserver(() => {
    window.__lastChange = performance.now();
    if (window.__labelAt === null && window.__target && document.body.textContent.includes(window.__target))
      window.__labelAt = window.__lastChange;
  }).observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
}"""
# Presses Next and resolves with [label shown, settled] in ms after the press.
PRESS = """async ([target, quietMs]) => {
  const app = document.querySelector('[data-testid=stApp]');
  const button = [...document.querySelectorAll('button')].find(b => b.innerText.includes('Next') && b.offsetParent);
  window.__target = target;
  window.__labelAt = null;
  const start = performance.now();
  button.click();
  while (true) {
    await new Promise(r => setTimeout(r, 5));
    const now = performance.now();
    const idle = app.getAttribute('data-test-script-state') === 'notRunning';
    if (window.__labelAt !== null && idle && now - window.__lastChange >= quietMs) break;
    if (now - start > 60000) throw new Error('the page did not settle in 60 s');
  }
  return [window.__labelAt - start, window.__lastChange - start];
}"""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clicks", type=int, default=8, help="Next presses per app (the sentence has more steps)")
    parser.add_argument("--before", type=Path, help="an older checkout of the app, measured in the same run")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--name", default="step_click")
    return parser.parse_args(argv)


def settle(page) -> None:
    page.wait_for_function("() => document.querySelector('[data-testid=stApp]')"
                           "?.getAttribute('data-test-script-state') === 'notRunning'", timeout=240_000)
    page.wait_for_timeout(1500)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used, 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def browser_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip().startswith("chrom"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


RENDERER_METRICS = {"TaskDuration": "renderer_tasks", "ScriptDuration": "renderer_javascript",
                    "RecalcStyleDuration": "renderer_style", "LayoutDuration": "renderer_layout"}


def cpu_snapshot(server_pid: int, performance) -> dict[str, float]:
    metrics = {m["name"]: m["value"] for m in performance.send("Performance.getMetrics")["metrics"]}
    snapshot = {"server": cpu_seconds(server_pid), **{label: metrics.get(name, 0.0)
                                                      for name, label in RENDERER_METRICS.items()}}
    snapshot.update({f"browser:{pid}": cpu_seconds(pid) for pid in browser_pids()})
    return snapshot


def cpu_per_press(before: dict[str, float], after: dict[str, float], presses: int) -> dict[str, float]:
    """ms of CPU per press: the server process, all browser processes, the page's main thread."""
    browser = sum(v - before.get(k, 0.0) for k, v in after.items() if k.startswith("browser:"))
    per = {"server_cpu_ms": after["server"] - before["server"], "browser_cpu_ms": browser}
    per.update({f"{label}_ms": after[label] - before[label] for label in RENDERER_METRICS.values()})
    return {k: round(1000 * v / max(1, presses), 1) for k, v in per.items()}


def measure(browser, app_dir: Path, args: argparse.Namespace) -> dict:
    with app_server.running(env=thread_env(args.threads), app_dir=app_dir) as (url, server):
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        query = urllib.parse.urlencode({"model": "tatoeba-en-fr", "text": SENTENCE})
        page.goto(f"{url}/Step_by_step?{query}", timeout=240_000)
        page.get_by_text("Step 1 of").first.wait_for(timeout=240_000)
        settle(page)
        page.evaluate(OBSERVE)
        total = int(page.get_by_text("Step 1 of").first.inner_text().split()[-1])
        performance = page.context.new_cdp_session(page)
        performance.send("Performance.enable")
        first = cpu_snapshot(server.pid, performance)
        labels, settled = [], []
        for step in range(2, min(total, args.clicks + 1) + 1):
            shown, quiet = page.evaluate(PRESS, [f"Step {step} of {total}", QUIET_MS])
            labels.append(round(shown, 1))
            settled.append(round(quiet, 1))
        cpu = cpu_per_press(first, cpu_snapshot(server.pid, performance), len(settled))
        page.close()
    return {"app": str(app_dir), "clicks": len(settled), "label_ms": labels, "settled_ms": settled,
            "cpu_per_press": cpu, "label_p50_ms": statistics.median(labels),
            "settled_p50_ms": statistics.median(settled),
            "settled_p95_ms": sorted(settled)[max(0, round(0.95 * len(settled)) - 1)]}


def main(argv=None) -> None:
    args = parse_args(argv)
    started = machine()
    from playwright.sync_api import sync_playwright

    results: dict = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(app_server.CHROMIUM), args=app_server.CHROMIUM_ARGS)
        for name, app_dir in ([("before", args.before)] if args.before else []) + [("now", REPO)]:
            results[name] = measure(browser, app_dir, args)
            print(name, {k: v for k, v in results[name].items() if k.endswith("p50_ms") or k.endswith("p95_ms")},
                  results[name]["cpu_per_press"], flush=True)
        browser.close()
    if args.before:
        results["settled_ratio_now_over_before"] = round(
            results["now"]["settled_p50_ms"] / results["before"]["settled_p50_ms"], 3)
    settings = {"clicks": args.clicks, "threads": args.threads, "sentence": SENTENCE, "quiet_ms": QUIET_MS}
    write_result(args.name, settings, results, GOAL, started)


if __name__ == "__main__":
    main()
