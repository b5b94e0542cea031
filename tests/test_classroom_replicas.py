"""deploy/classroom.sh for real: two `streamlit run app.py` replicas behind HAProxy, in classroom
mode, and ten browser-like sessions (benchmarks/load.py's client: cookies, websocket, uploads).

The sessions spread over both replicas and each stays on its own for every request (the upload
proves it: the replica that did not open the session answers it with 400). When one replica is
killed, the other's sessions carry on over their open websockets, and the killed one's sessions
reconnect through the proxy to the survivor.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import signal
from dataclasses import dataclass, field

import pytest

from benchmarks import app_server, load
from seq2seq.catalog import RUNS_ENV
from studio.text import escape_markdown

if not shutil.which("haproxy") and not os.path.exists("/usr/sbin/haproxy"):
    pytest.skip("HAProxy is not installed (apt package `haproxy`)", allow_module_level=True)

SESSIONS = 10
PASSPHRASE = "chalk and cheese"
DEADLINE_S = 300  # all sessions' work; took ~60 s on a busy 2-core machine
TRAIN_PAGE = "Train"
PAIRS = "".join(f"sentence number {i}\tphrase numéro {i}\n" for i in range(300)).encode()


@dataclass
class Student:
    """One browser with one tab, and what it saw."""
    browser: load.Browser
    tab: load.Session | None = None
    text: str = ""
    shown: list[str | None] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    uploads: list[str] = field(default_factory=list)
    before_the_crash: list[str] = field(default_factory=list)  # the replica that answered each request

    @property
    def replica(self) -> str:
        return self.browser.replicas[-1]


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")  # nothing launched or uploaded here may reach the user's runs
    env = {**os.environ, RUNS_ENV: str(runs), "OMP_NUM_THREADS": "1"}
    log = tmp_path_factory.mktemp("logs") / "classroom.log"
    with app_server.classroom(2, passphrase=PASSPHRASE, env=env, log_path=log) as room:
        yield room, runs


async def translate(student: Student) -> None:
    page = await student.tab.type_text(student.tab.widget(load.TEXT_BOX), student.text)
    student.refusals += page.errors
    student.shown.append(page.headline())


async def lesson(student: Student) -> None:
    """Step page: translate and step; Train page: Launch without the passphrase (refused), unlock,
    choose an upload and upload a file."""
    tab = student.tab = await student.browser.open("model=dates", load.STEP_PAGE)
    await tab.run()
    await translate(student)
    await tab.click(tab.widget("Next ▶"))
    tab.page_name = TRAIN_PAGE
    await tab.run()
    refused = await tab.click(tab.widget("🚀 Launch"))
    student.refusals += refused.errors
    await tab.run([load.WidgetState(id=tab.widget("Teacher passphrase"), string_value=PASSPHRASE),
                   load.WidgetState(id=tab.widget("Unlock teacher actions"), trigger_value=True)])
    await tab.choose(tab.widget("Train on"), "Upload a TSV file")
    uploaded = await tab.upload(tab.widget("Sentence pairs"), "pairs.tsv", PAIRS)
    student.uploads += [m for m in uploaded.markdown if "sentence pairs" in m] + uploaded.errors
    tab.page_name = load.STEP_PAGE
    student.before_the_crash = list(student.browser.replicas)


async def after_the_crash(student: Student, killed: str) -> None:
    """The next interaction: on the open websocket, or (the replica is gone) over a new one."""
    if student.replica == killed:
        with pytest.raises(Exception):  # the websocket was closed under it, as a browser would see
            await student.tab.run()
        student.tab = await student.browser.open("model=dates", load.STEP_PAGE)
    await student.tab.run()
    await translate(student)


async def the_class(url: str, room: app_server.Classroom) -> tuple[list[Student], str]:
    students = [Student(load.Browser(url), text=text) for text in load.sentences(SESSIONS)]
    await asyncio.gather(*(lesson(s) for s in students))
    killed = students[0].replica
    os.kill(room.replicas[killed], signal.SIGKILL)
    await asyncio.gather(*(after_the_crash(s, killed) for s in students))
    return students, killed


def test_sessions_spread_stick_and_survive_a_dead_replica(room, dates_translator):
    room, runs = room
    students, killed = asyncio.run(asyncio.wait_for(the_class(room.url, room), DEADLINE_S))
    survivor = ({"r1", "r2"} - {killed}).pop()

    expected = ["#### " + escape_markdown(e) for e in dates_translator.translate([s.text for s in students])]
    assert [s.shown for s in students] == [[e, e] for e in expected]
    assert all(len(set(s.before_the_crash)) == 1 for s in students)  # every request on the same replica
    served = {name: sum(1 for s in students if s.before_the_crash[0] == name) for name in ("r1", "r2")}
    assert min(served.values()) >= 3, served
    refusal = escape_markdown("Launching a run needs the teacher passphrase (no passphrase was entered)")
    for student in students:
        assert student.uploads == ["300 sentence pairs; the first ones:"], student.uploads
        assert len(student.refusals) == 1 and refusal in student.refusals[0], student.refusals
        assert student.replica == survivor  # the moved ones were answered by the survivor after the crash
    assert [p.name for p in runs.iterdir() if not p.name.startswith(".")] == []  # the refused launches made nothing
