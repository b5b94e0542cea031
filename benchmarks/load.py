"""Many sessions at once against `streamlit run app.py` on 127.0.0.1: translate, then step.

    python -m benchmarks.load                        # 20 sessions x 50 sentences = 1,000 translations
    python -m benchmarks.load --sessions 5 --rounds 4
    python -m benchmarks.load --sessions 30 --rounds 10 --think 2               # a class, one process
    python -m benchmarks.load --sessions 30 --rounds 10 --think 2 --replicas 2  # deploy/classroom.sh

Each session is a websocket client speaking Streamlit's own protocol (the messages a browser
sends, with its cookies, so that the proxy keeps it on one replica): it opens the Step-by-step page
on the dates model, then for each sentence types it into the text box, waits for the translation,
and presses Next. With --think each interaction waits a random pause first (2 s mean: a student
reading). Latency is the server's answer time for one interaction (request sent -> script finished),
so it excludes drawing in a browser. The servers' resident memory is read during the run: the model
is cached once per process for all its sessions, so it must level off.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import datetime
import http.cookiejar
import random
import statistics
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from benchmarks import app_server
from benchmarks.common import REPO

GOAL = "p95 <= 500 ms per interaction for 20 sessions with a 2 s mean pause on one process; memory levels off"
STEP_PAGE = "Step_by_step"
EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
ONE_SHOT = ("trigger_value", "string_trigger_value", "json_trigger_value", "chat_input_value")  # presses, not values
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
    fragments: dict[str, str] = field(default_factory=dict)  # widget id -> the fragment that drew it
    errors: list[str] = field(default_factory=list)
    session_id: str | None = None
    ms: float = 0.0

    def headline(self) -> str | None:
        return next((m for m in reversed(self.markdown) if m.startswith("#### ")), None)


def _record(page: Page, message: ForwardMsg) -> None:
    if message.WhichOneof("type") == "new_session":
        page.session_id = message.new_session.initialize.session_id
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
        if message.delta.fragment_id:
            page.fragments[body.id] = message.delta.fragment_id


class Browser:
    """What a browser keeps between its requests: cookies (the proxy's replica cookie, Streamlit's
    XSRF cookie) and which replica answered each request (the proxy's X-Replica header, if any)."""

    def __init__(self, url: str):
        self.url = url
        self.cookies = http.cookiejar.CookieJar()
        # No proxy from the environment: the server is on this machine.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                   urllib.request.HTTPCookieProcessor(self.cookies))
        self.replicas: list[str] = []

    def request(self, path: str, data: bytes | None = None, method: str = "GET",
                headers: dict[str, str] | None = None) -> bytes:
        request = urllib.request.Request(urllib.parse.urljoin(self.url, path), data=data, method=method,
                                         headers=headers or {})
        with self._opener.open(request, timeout=120) as reply:
            self._note(reply.headers)
            return reply.read()

    def _note(self, headers) -> None:
        if headers.get("X-Replica"):
            self.replicas.append(headers["X-Replica"])

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    async def open(self, query: str, page_name: str) -> Session:
        """A tab on the page: the health check a browser makes first (it sets the cookies), then the websocket."""
        await asyncio.to_thread(self.request, "/_stcore/health")
        address = self.url.replace("http://", "ws://") + "/_stcore/stream"
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.cookies)
        # No keepalive pings: a busy server may take longer than their timeout to answer, as a browser allows.
        socket = await websockets.connect(address, subprotocols=["streamlit"], max_size=None, ping_interval=None,
                                          proxy=None, additional_headers={"Cookie": cookies} if cookies else None)
        try:
            self._note(socket.response.headers)
            return Session(socket, query, page_name, self)
        except BaseException:  # cancelled (a load's deadline) or failed: never leave the transport open
            await socket.close()
            raise

    def put_file(self, upload_url: str, name: str, data: bytes) -> None:
        """The upload a file widget makes: multipart, with the XSRF token from the cookie."""
        boundary = f"----seq2seq{random.getrandbits(64):x}"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: text/plain\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        if self.cookie("_streamlit_xsrf"):
            headers["X-Xsrftoken"] = self.cookie("_streamlit_xsrf")
        self.request(upload_url, body, "PUT", headers)


class Session:
    """One browser tab open on one page: each call reruns it and waits until the script has finished."""

    def __init__(self, socket, query: str, page_name: str, browser: Browser | None = None):
        self.socket, self.query, self.page_name, self.browser = socket, query, page_name, browser
        self.widgets: dict[str, str] = {}  # every widget seen so far, by label (the latest id wins)
        self.fragments: dict[str, str] = {}
        self.session_id: str | None = None
        self.values: dict[str, WidgetState] = {}  # what the tab's widgets hold, sent again with every rerun

    async def run(self, widgets: list[WidgetState] = (), fragment_id: str = "") -> Page:
        """Rerun with these widgets changed. Like a browser, it sends every widget's current value
        (a widget left out would fall back to its default); a button's press is sent only once."""
        presses = [w for w in widgets if w.WhichOneof("value") in ONE_SHOT]
        self.values.update((w.id, w) for w in widgets if w.WhichOneof("value") not in ONE_SHOT)
        message = BackMsg()
        message.rerun_script.query_string = self.query
        message.rerun_script.page_name = self.page_name  # the page's URL path, as a browser sends it
        message.rerun_script.widget_states.widgets.extend([*self.values.values(), *presses])
        message.rerun_script.fragment_id = fragment_id  # a widget inside a fragment reruns only it
        page, start = Page(), time.perf_counter()
        await self.socket.send(message.SerializeToString())
        while True:
            reply = ForwardMsg.FromString(await self.socket.recv())
            _record(page, reply)
            # A script that calls st.rerun() ends early and runs again at once: wait for that run too.
            if reply.WhichOneof("type") == "script_finished" and reply.script_finished != EARLY_FOR_RERUN:
                page.ms = (time.perf_counter() - start) * 1000
                self.widgets.update(page.widgets)
                self.fragments.update(page.fragments)
                self.session_id = page.session_id or self.session_id
                return page

    def widget(self, label_start: str) -> str:
        """The widget with this label, else the first whose label starts with it."""
        if label_start in self.widgets:
            return self.widgets[label_start]
        return next(wid for label, wid in self.widgets.items() if label.startswith(label_start))

    async def type_text(self, box_id: str, text: str) -> Page:
        return await self.run([WidgetState(id=box_id, string_value=text)], self.fragments.get(box_id, ""))

    async def click(self, button_id: str) -> Page:
        return await self.run([WidgetState(id=button_id, trigger_value=True)], self.fragments.get(button_id, ""))

    async def choose(self, widget_id: str, option: str) -> Page:
        """A radio button or select box: the option as shown."""
        return await self.run([WidgetState(id=widget_id, string_value=option)], self.fragments.get(widget_id, ""))

    async def upload(self, uploader_id: str, name: str, data: bytes) -> Page:
        """What a file widget does: ask this session's server for an upload URL, PUT the file there,
        then rerun with the widget pointing at it. The PUT fails (400) on any other server process."""
        request = BackMsg()
        request.file_urls_request.request_id = f"upload-{random.getrandbits(32):x}"
        request.file_urls_request.file_names.append(name)
        request.file_urls_request.session_id = self.session_id
        await self.socket.send(request.SerializeToString())
        while True:
            reply = ForwardMsg.FromString(await self.socket.recv())
            if reply.WhichOneof("type") == "file_urls_response":
                break
        if reply.file_urls_response.error_msg:
            raise RuntimeError(f"upload refused: {reply.file_urls_response.error_msg}")
        urls = reply.file_urls_response.file_urls[0]
        await asyncio.to_thread(self.browser.put_file, urls.upload_url, name, data)
        state = WidgetState(id=uploader_id)
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.name, info.size, info.file_id = name, len(data), urls.file_id
        info.file_urls.CopyFrom(urls)
        return await self.run([state], self.fragments.get(uploader_id, ""))

    async def close(self) -> None:
        await self.socket.close()


@dataclass
class Outcome:
    """Per-session results: (interaction, ms, what the page showed), any problem found, and the
    replica that answered each of its requests (through the proxy)."""
    timings: list[tuple[str, float]] = field(default_factory=list)
    shown: list[tuple[str, str | None]] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    replicas: list[str] = field(default_factory=list)

    def note(self, kind: str, page: Page) -> Page:
        self.timings.append((kind, page.ms))
        self.errors += page.errors
        return page


async def think(think_s: float) -> None:
    """A person reading the result: a random pause of think_s seconds on average."""
    if think_s:
        await asyncio.sleep(random.uniform(0, 2 * think_s))


async def session(url: str, texts: list[str], model: str = "dates", think_s: float = 0.0) -> Outcome:
    """Open the Step-by-step page; for each text, type it, wait for its translation, then press Next."""
    outcome, browser = Outcome(), Browser(url)
    tab = await browser.open(f"model={model}", STEP_PAGE)
    try:
        outcome.note("open page", await tab.run())
        for text in texts:
            await think(think_s)
            page = outcome.note("translate", await tab.type_text(tab.widget(TEXT_BOX), text))
            outcome.shown.append((text, page.headline()))
            await think(think_s)
            after = outcome.note("next step", await tab.click(tab.widget("Next ▶")))
            outcome.steps = [m for shown in (page, after) for m in shown.markdown if m.startswith("**Step ")]
    finally:
        await tab.close()
    outcome.replicas = browser.replicas
    return outcome


async def run_load(url: str, sessions: int, rounds: int, timeout: float, think_s: float = 0.0,
                   model: str = "dates") -> list[Outcome]:
    """All sessions at once, each with its own sentences; gives up after `timeout` seconds.

    think_s = 0 fires every interaction as soon as the previous one is answered (the worst case);
    otherwise each waits a random 0..2*think_s seconds first, like a person reading the result.
    """
    jobs = [session(url, sentences(rounds, offset=i * rounds), model, think_s) for i in range(sessions)]
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


def total_rss_mb(pids: list[int]) -> float:
    return round(sum(rss_mb(pid) for pid in pids), 1)


async def sampled_load(url: str, pids: list[int], sessions: int, rounds: int, timeout: float, think_s: float,
                       model: str):
    """run_load, reading the servers' RSS every few seconds: growth that levels off is caches filling up,
    growth that keeps going is a leak."""
    samples: list[float] = []

    async def sample() -> None:
        while True:
            samples.append(total_rss_mb(pids))
            await asyncio.sleep(5)

    sampler = asyncio.create_task(sample())
    try:
        return await run_load(url, sessions, rounds, timeout, think_s, model), samples
    finally:
        sampler.cancel()


def measure(url: str, pids: list[int], sessions: int, rounds: int, timeout: float, think_s: float,
            model: str = "dates") -> dict:
    """Warm-up (imports, model load: one session per server process), one session alone (the service
    time), then all sessions at once."""
    asyncio.run(run_load(url, len(pids), 1, timeout, model=model))
    alone = asyncio.run(run_load(url, 1, 20, timeout, model=model))
    start = time.perf_counter()
    outcomes, samples = asyncio.run(sampled_load(url, pids, sessions, rounds, timeout, think_s, model))
    wall = time.perf_counter() - start
    errors = [e for o in outcomes for e in o.errors + alone[0].errors]
    interactions = sum(len(o.timings) for o in outcomes)
    served_by: dict[str, int] = {}
    for outcome in outcomes:
        for replica in set(outcome.replicas):
            served_by[replica] = served_by.get(replica, 0) + 1
    return {"latency_one_session": summary(alone), "latency": summary(outcomes),
            "translations": sum(len(o.shown) for o in outcomes), "interactions": interactions,
            "wall_s": round(wall, 1), "interactions_per_s": round(interactions / wall, 2),
            "sessions_per_replica": served_by, "server_processes": len(pids),
            "server_rss_mb_before": samples[0], "server_rss_mb_after": total_rss_mb(pids),
            "server_rss_mb_every_5s": samples, "errors": errors[:10], "error_count": len(errors)}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=50, help="sentences each session translates")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean pause in seconds before each interaction (0 = all as fast as answered)")
    parser.add_argument("--replicas", type=int, default=0,
                        help="0: one `streamlit run app.py`; N: deploy/classroom.sh with N replicas behind HAProxy")
    parser.add_argument("--model", default="dates", help="the model the sessions open the step page on")
    parser.add_argument("--timeout", type=float, default=1800, help="give up after this many seconds")
    parser.add_argument("--app-dir", type=Path, default=REPO,
                        help="the checkout whose app is served (an older commit, for a before/after comparison)")
    parser.add_argument("--name", default="", help="result file name (default: load, or load-replicasN)")
    return parser.parse_args(argv)


def report(args: argparse.Namespace, results: dict) -> None:
    for label, key in (("one session alone", "latency_one_session"), (f"{args.sessions} sessions", "latency")):
        for kind, figures in results[key].items():
            print(f"{label:18s} {kind:10s} n={figures['n']:5d}  p50 {figures['p50_ms']:8.1f} ms  "
                  f"p95 {figures['p95_ms']:8.1f} ms")
    rss = results["server_rss_mb_every_5s"]
    quarters = [rss[min(len(rss) - 1, len(rss) * q // 4)] for q in range(5)]
    print(f"server RSS (MB, {results['server_processes']} process(es)) at 0/25/50/75/100% of the run: {quarters}, "
          f"after: {results['server_rss_mb_after']}; {results['interactions']} interactions in {results['wall_s']} s "
          f"= {results['interactions_per_s']}/s; sessions per replica: {results['sessions_per_replica'] or '-'}; "
          f"errors: {results['error_count']}")


def main(argv: list[str] | None = None) -> int:
    from benchmarks.common import machine, write_result

    args = parse_args(argv)
    started = machine()
    settings = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items() if k != "name"}
    if args.replicas:
        with app_server.classroom(args.replicas, app_dir=args.app_dir) as room:
            results = measure(room.url, list(room.replicas.values()), args.sessions, args.rounds, args.timeout,
                              args.think, args.model)
    else:
        with app_server.running(app_dir=args.app_dir) as (url, server):
            results = measure(url, [server.pid], args.sessions, args.rounds, args.timeout, args.think, args.model)
    report(args, results)
    write_result(args.name or ("load" if not args.replicas else f"load-replicas{args.replicas}"), settings, results,
                 GOAL, started)
    return 1 if results["error_count"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
