"""Many sessions at once against `streamlit run app.py` on 127.0.0.1: translate, then step.

    python -m benchmarks.load                        # 20 sessions x 50 sentences = 1,000 translations
    python -m benchmarks.load --sessions 5 --rounds 4

Each session is a websocket client speaking Streamlit's own protocol (the messages a browser
sends): it opens the Step-by-step page on the dates model, types sentences into its text box and
waits for each translation, then presses Next. Latency is the server's answer time for one interaction
(request sent -> script finished), so it excludes drawing in a browser. The server's resident
memory is read before and after: the model is cached once for all sessions, so it must stay flat.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import datetime
import random
import statistics
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from benchmarks import app_server

GOAL = "p95 <= 500 ms per interaction with 20 concurrent sessions; server memory flat over 1,000 translations"
STEP_PAGE = "Step_by_step"
TEXT_BOX = "Sentence"
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def sentences(count: int, offset: int = 0) -> list[str]:
    """Distinct dates in everyday formats, so that no session is answered from another's cache."""
    out = []
    for i in range(offset, offset + count):
        day = datetime.date(1950, 1, 1) + datetime.timedelta(days=i * 7919 % 36500)  # 7919 is prime: no repeats
        formats = [f"{MONTHS[day.month - 1]} {day.day}, {day.year}", day.strftime("%d/%m/%Y"),
                   f"{day.day} {MONTHS[day.month - 1]} {day.year}"]
        out.append(formats[i % 3])
    return out


@dataclass
class Page:
    """What one script run sent back: markdown bodies, widget ids by label, errors, time."""
    markdown: list[str] = field(default_factory=list)
    widgets: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    ms: float = 0.0

    def headline(self) -> str | None:
        return next((m for m in reversed(self.markdown) if m.startswith("#### ")), None)


def _record(page: Page, message: ForwardMsg) -> None:
    if message.WhichOneof("type") != "delta" or message.delta.WhichOneof("type") != "new_element":
        return
    element = message.delta.new_element
    name = element.WhichOneof("type")
    body = getattr(element, name)
    if name == "markdown":
        page.markdown.append(body.body)
    elif name == "exception":
        page.errors.append(f"exception: {body.type}: {body.message}")
    elif name == "alert" and body.format == body.ERROR:
        page.errors.append(f"error message: {body.body}")
    elif getattr(body, "id", "") and isinstance(getattr(body, "label", None), str):
        page.widgets[body.label] = body.id


class Session:
    """One browser tab open on one page: each call reruns it and waits until the script has finished."""

    def __init__(self, socket, query: str, page_name: str):
        self.socket, self.query, self.page_name = socket, query, page_name

    async def run(self, widgets: list[WidgetState] = ()) -> Page:
        message = BackMsg()
        message.rerun_script.query_string = self.query
        message.rerun_script.page_name = self.page_name  # the page's URL path, as a browser sends it
        message.rerun_script.widget_states.widgets.extend(widgets)
        page, start = Page(), time.perf_counter()
        await self.socket.send(message.SerializeToString())
        while True:
            reply = ForwardMsg.FromString(await self.socket.recv())
            _record(page, reply)
            if reply.WhichOneof("type") == "script_finished":
                page.ms = (time.perf_counter() - start) * 1000
                return page

    async def type_text(self, box_id: str, text: str) -> Page:
        return await self.run([WidgetState(id=box_id, string_value=text)])

    async def click(self, button_id: str) -> Page:
        return await self.run([WidgetState(id=button_id, trigger_value=True)])


@dataclass
class Outcome:
    """Per-session results: (interaction, ms, what the page showed) and any problem found."""
    timings: list[tuple[str, float]] = field(default_factory=list)
    shown: list[tuple[str, str | None]] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def note(self, kind: str, page: Page) -> Page:
        self.timings.append((kind, page.ms))
        self.errors += page.errors
        return page


def widget(page: Page, label_start: str) -> str:
    return next(wid for label, wid in page.widgets.items() if label.startswith(label_start))


async def session(url: str, texts: list[str], model: str = "dates", think_s: float = 0.0) -> Outcome:
    """Open the Step-by-step page, type each text and wait for its translation, then press Next."""
    outcome = Outcome()
    address = url.replace("http://", "ws://") + "/_stcore/stream"
    # No keepalive pings: a busy server may take longer than their timeout to answer, as a browser allows.
    async with websockets.connect(address, subprotocols=["streamlit"], max_size=None, ping_interval=None) as socket:
        tab = Session(socket, f"model={model}", STEP_PAGE)
        page = outcome.note("open page", await tab.run())
        for text in texts:
            await asyncio.sleep(random.uniform(0, 2 * think_s))
            page = outcome.note("translate", await tab.type_text(widget(page, TEXT_BOX), text))
            outcome.shown.append((text, page.headline()))
        await asyncio.sleep(random.uniform(0, 2 * think_s))
        after = outcome.note("next step", await tab.click(widget(page, "Next ▶")))
        outcome.steps = [m for shown in (page, after) for m in shown.markdown if m.startswith("**Step ")]
    return outcome


async def run_load(url: str, sessions: int, rounds: int, timeout: float, think_s: float = 0.0) -> list[Outcome]:
    """All sessions at once, each with its own sentences; gives up after `timeout` seconds.

    think_s = 0 fires every interaction as soon as the previous one is answered (the worst case);
    otherwise each waits a random 0..2*think_s seconds first, like a person reading the result.
    """
    jobs = [session(url, sentences(rounds, offset=i * rounds), think_s=think_s) for i in range(sessions)]
    return await asyncio.wait_for(asyncio.gather(*jobs), timeout)


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731 - nearest rank
    return {"n": len(ordered), "p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(pick(0.95), 1),
            "max_ms": round(ordered[-1], 1)}


def summary(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    by_kind: dict[str, list[float]] = {}
    for outcome in outcomes:
        for kind, ms in outcome.timings:
            by_kind.setdefault(kind, []).append(ms)
    return {kind: percentiles(values) for kind, values in by_kind.items()}


# ----- the server ---------------------------------------------------------------------------------

def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


async def sampled_load(url: str, pid: int, sessions: int, rounds: int, timeout: float, think_s: float):
    """run_load, reading the server's RSS every few seconds: growth that levels off is caches filling up,
    growth that keeps going is a leak."""
    samples: list[float] = []

    async def sample() -> None:
        while True:
            samples.append(round(rss_mb(pid), 1))
            await asyncio.sleep(5)

    sampler = asyncio.create_task(sample())
    try:
        return await run_load(url, sessions, rounds, timeout, think_s), samples
    finally:
        sampler.cancel()


def measure(url: str, pid: int, sessions: int, rounds: int, timeout: float, think_s: float) -> dict:
    """Warm-up (imports, model load), one session alone (the service time), then all sessions at once."""
    asyncio.run(run_load(url, 1, 1, timeout))
    alone = asyncio.run(run_load(url, 1, 20, timeout))
    start = time.perf_counter()
    outcomes, samples = asyncio.run(sampled_load(url, pid, sessions, rounds, timeout, think_s))
    wall = time.perf_counter() - start
    errors = [e for o in outcomes for e in o.errors + alone[0].errors]
    return {"latency_one_session": summary(alone), "latency": summary(outcomes),
            "translations": sum(len(o.shown) for o in outcomes), "wall_s": round(wall, 1),
            "server_rss_mb_before": samples[0], "server_rss_mb_after": round(rss_mb(pid), 1),
            "server_rss_mb_every_5s": samples, "errors": errors[:10], "error_count": len(errors)}


def main(argv: list[str] | None = None) -> int:
    from benchmarks.common import machine, write_result

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=50, help="sentences each session translates")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean pause in seconds before each interaction (0 = all as fast as answered)")
    parser.add_argument("--timeout", type=float, default=1800, help="give up after this many seconds")
    args = parser.parse_args(argv)
    started = machine()
    with app_server.running() as (url, server):
        results = measure(url, server.pid, args.sessions, args.rounds, args.timeout, args.think)
    for label, key in (("one session alone", "latency_one_session"), (f"{args.sessions} sessions", "latency")):
        for kind, figures in results[key].items():
            print(f"{label:18s} {kind:10s} n={figures['n']:5d}  p50 {figures['p50_ms']:8.1f} ms  "
                  f"p95 {figures['p95_ms']:8.1f} ms")
    rss = results["server_rss_mb_every_5s"]
    quarters = [rss[min(len(rss) - 1, len(rss) * q // 4)] for q in range(5)]
    print(f"server RSS (MB) at 0/25/50/75/100% of the run: {quarters}, after: {results['server_rss_mb_after']}; "
          f"{results['translations']} translations; errors: {results['error_count']}")
    write_result("load", vars(args), results, GOAL, started)
    return 1 if results["error_count"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
