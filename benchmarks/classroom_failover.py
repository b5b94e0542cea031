"""How long a student whose replica died waits for an answer again, through deploy/classroom.sh's HAProxy.

    python benchmarks/classroom_failover.py                                   # this checkout's script
    git show 8fc18fa:deploy/classroom.sh >/tmp/classroom-before.sh                   # the script before restarts
    python benchmarks/classroom_failover.py --before /tmp/classroom-before.sh # and an older script, same run

For each script, a classroom with 2 replicas on the dates model and, per trial, a class on it:
benchmarks/load.py's websocket client (what a browser sends, with its cookies) opens --sessions
sessions on the Step-by-step page, spread over both replicas by the proxy, and each translates a
date; one Chromium tab (Debian's, through Playwright) opens the home page and translates too.
Then the tab's replica is killed with SIGKILL, and:

- browser: one second later the student types the next sentence (Ctrl+Enter) and, as long as no
  answer comes, types another one every 5 s (a student who does not reload). Measured: seconds
  from the kill until the page's websocket is open again through the proxy (reconnected_s), until
  the translation of what was typed last is shown (answered_s), and how many sentences were typed
  before one was answered (1 = the first input was not lost).
- clients: every session that was on the killed replica opens the page again at once through the
  proxy (the health check a browser makes, then the websocket) and translates. Measured: seconds
  from the kill until each one's translation came back (all at once: the survivor takes them all).

With a script that restarts a killed replica, every trial uses the same classroom and kills again
once the replica is back in rotation; an old script gets a fresh classroom per trial.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import concurrent.futures
import contextlib
import os
import signal
import statistics
import threading
import time

from benchmarks import app_server, load
from benchmarks.common import REPO, machine, thread_env, write_result
from seq2seq.catalog import RUNS_ENV

GOAL = "a killed replica's students get an answer again within 10 s, without reloading"
PASSPHRASE = "failover benchmark"
RETYPE_S = 5.0
GIVE_UP_S = 120.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, help="an older deploy/classroom.sh, measured in the same run")
    parser.add_argument("--script", type=Path, default=app_server.SCRIPT, help="the script measured as `now`")
    parser.add_argument("--trials", type=int, default=3, help="kills per script")
    parser.add_argument("--sessions", type=int, default=9, help="protocol-level sessions besides the browser tab")
    parser.add_argument("--name", default="classroom_failover")
    return parser.parse_args(argv)


# Notes the time (ms since the epoch) at which each websocket of the page opens.
WEBSOCKET_OPENS = """
window.__opened = [];
const Original = window.WebSocket;
window.WebSocket = function (url, protocols) {
  const socket = new Original(url, protocols);
  socket.addEventListener('open', () => window.__opened.push(Date.now()));
  return socket;
};
window.WebSocket.prototype = Original.prototype;
Object.assign(window.WebSocket, Original);
"""


def headline(page) -> str:
    return page.evaluate("() => (document.querySelector('h4')?.innerText || '').trim()")


def shows(page, translation: str | None) -> bool:
    """The protocol client's headline is the Markdown sent (escaped); compare it without the escapes."""
    return (page.headline() or "").replace("\\", "") == f"#### {translation}"


class Clients:
    """The load.py sessions, on an event loop of their own (Playwright's sync API holds this thread's)."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def start(self, coroutine) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


async def open_sessions(url: str, texts: list[str]) -> list[tuple[load.Browser, load.Session]]:
    async def one(text: str):
        student = load.Browser(url)
        tab = await student.open("model=dates", load.STEP_PAGE)
        await tab.run()
        await tab.type_text(tab.widget(load.TEXT_BOX), text)
        return student, tab
    return list(await asyncio.gather(*(one(t) for t in texts)))


async def reconnect(sessions, killed: str, killed_at: float, texts: list[str], translator) -> list[dict]:
    """Each session of the killed replica opens the page again at once and translates."""
    async def one(student: load.Browser, tab: load.Session, text: str) -> dict:
        with contextlib.suppress(Exception):
            await tab.close()
        while True:
            try:
                tab = await student.open("model=dates", load.STEP_PAGE)
                await tab.run()
                page = await tab.type_text(tab.widget(load.TEXT_BOX), text)
                break
            except Exception:
                if time.monotonic() - killed_at > GIVE_UP_S:
                    return {"answered_s": None}
                await asyncio.sleep(0.5)
        elapsed = time.monotonic() - killed_at
        await tab.close()
        return {"answered_s": round(elapsed, 2), "correct": shows(page, translator.translate([text])[0]),
                "replica_after": student.replicas[-1]}
    moved = [(s, t) for s, t in sessions if s.replicas[-1] == killed]
    results = await asyncio.gather(*(one(s, t, text) for (s, t), text in zip(moved, texts)))
    for student, tab in sessions:
        if student.replicas[-1] != killed:
            await tab.close()
    return list(results)


def trial(browser, clients: Clients, room: app_server.Classroom, translator, sessions: int, offset: int) -> dict:
    texts = load.sentences(sessions * 2 + 40, offset)
    opened = clients.start(open_sessions(room.url, texts[:sessions])).result(timeout=600)
    typed_texts = texts[sessions * 2:]
    context = browser.new_context()
    context.add_init_script(WEBSOCKET_OPENS)
    page = context.new_page()
    try:
        page.goto(f"{room.url}/?model=dates", timeout=240_000)
        box = page.get_by_role("textbox", name="Type a sentence")
        box.wait_for(timeout=240_000)
        box.fill(typed_texts[0])
        box.press("Control+Enter")
        expected = translator.translate([typed_texts[0]])[0]
        page.wait_for_function("t => (document.querySelector('h4')?.innerText || '').trim() === t", arg=expected,
                               timeout=240_000)
        replica = next(c["value"] for c in context.cookies() if c["name"] == "SEQ2SEQ_REPLICA")
        killed_wall = time.time()
        os.kill(room.current_replicas()[replica], signal.SIGKILL)
        killed = time.monotonic()
        moved = clients.start(reconnect(opened, replica, killed, texts[sessions:sessions * 2], translator))
        time.sleep(1.0)
        typed, answered_at, next_type = 0, None, 0.0
        while time.monotonic() - killed < GIVE_UP_S:
            now = time.monotonic()
            if now >= next_type:
                text = typed_texts[1 + typed]
                try:
                    box.fill(text, timeout=2000)
                    box.press("Control+Enter", timeout=2000)
                    typed += 1
                    expected = translator.translate([text])[0]
                except Exception:  # the box is disabled while the page is disconnected: try again soon
                    pass
                next_type = time.monotonic() + RETYPE_S
            if typed and headline(page) == expected:
                answered_at = time.monotonic() - killed
                break
            time.sleep(0.1)
        after = next((c["value"] for c in context.cookies() if c["name"] == "SEQ2SEQ_REPLICA"), None)
        opened_again = [t / 1000 - killed_wall for t in page.evaluate("() => window.__opened")
                        if t / 1000 > killed_wall]
        browser_result = {"killed": replica, "reconnected_s": round(min(opened_again), 2) if opened_again else None,
                          "answered_s": None if answered_at is None else round(answered_at, 2),
                          "sentences_typed": typed, "replica_after": after}
        return {"browser": browser_result, "clients": moved.result(timeout=GIVE_UP_S + 60)}
    finally:
        context.close()


def wait_restarted(room: app_server.Classroom, timeout: float = 240) -> bool:
    """True once every replica runs and new visitors land on each (back in the proxy's rotation)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = room.current_replicas()
        if all(_alive(pid) for pid in now.values()) and room.in_rotation(set(now)):
            return True
        time.sleep(1)
    return False


def restarts(room: app_server.Classroom) -> bool:
    return any("restart" in line for line in room.output if line.startswith("classroom ready"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def measure(script: Path, browser, translator, trials: int, sessions: int) -> dict:
    """A script that restarts a killed replica (it says so when ready) serves every trial with one classroom."""
    env = {**thread_env(1), RUNS_ENV: str(Path(os.environ.get("TMPDIR", "/tmp")) / "failover-runs")}
    results = []
    clients = Clients()
    room_cm = room = None
    try:
        for number in range(trials):
            if room_cm is not None and not (restarts(room) and wait_restarted(room)):
                room_cm.__exit__(None, None, None)  # no restart (an old script): a fresh classroom
                room_cm = None
            if room_cm is None:
                room_cm = app_server.classroom(2, passphrase=PASSPHRASE, env=env, script=script)
                room = room_cm.__enter__()
            results.append(trial(browser, clients, room, translator, sessions, 1000 * number))
            print(script.name, results[-1], flush=True)
    finally:
        if room_cm is not None:
            room_cm.__exit__(None, None, None)
        clients.close()
    browser_times = [r["browser"]["answered_s"] for r in results if r["browser"]["answered_s"] is not None]
    client_times = [c["answered_s"] for r in results for c in r["clients"] if c["answered_s"] is not None]
    reconnects = [r["browser"]["reconnected_s"] for r in results if r["browser"]["reconnected_s"] is not None]
    return {"script": str(script), "trials": results,
            "browser": {"reconnected_median_s": statistics.median(reconnects) if reconnects else None,
                        "reconnected_max_s": max(reconnects, default=None),
                        "median_s": statistics.median(browser_times) if browser_times else None,
                        "max_s": max(browser_times, default=None),
                        "first_input_lost": sum(r["browser"]["sentences_typed"] > 1 for r in results),
                        "unanswered": len(results) - len(browser_times)},
            "clients": {"median_s": statistics.median(client_times) if client_times else None,
                        "max_s": max(client_times, default=None),
                        "unanswered": sum(c["answered_s"] is None for r in results for c in r["clients"]),
                        "wrong": sum(not c.get("correct", True) for r in results for c in r["clients"])}}


def main(argv=None) -> None:
    args = parse_args(argv)
    started = machine()
    from playwright.sync_api import sync_playwright

    from seq2seq.service import load_translator

    translator = load_translator(REPO / "checkpoints" / "dates")
    results: dict = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(app_server.CHROMIUM), args=app_server.CHROMIUM_ARGS)
        for name, script in ([("before", args.before)] if args.before else []) + [("now", args.script)]:
            results[name] = measure(script, browser, translator, args.trials, args.sessions)
            print(name, {k: results[name][k] for k in ("browser", "clients")}, flush=True)
        browser.close()
    write_result(args.name, {"trials": args.trials, "sessions": args.sessions, "retype_s": RETYPE_S, "replicas": 2},
                 results, GOAL, started)


if __name__ == "__main__":
    main()
