"""deploy/classroom.sh for real: two `streamlit run app.py` replicas behind HAProxy, in classroom
mode, and ten browser-like sessions (benchmarks/load.py's client: cookies, websocket, uploads).

The sessions spread over both replicas and each stays on its own for every request (the upload
proves it: the replica that did not open the session answers it with 400). When one replica is
killed, the other's sessions carry on over their open websockets, and the killed one's sessions
reconnect through the proxy to the survivor, within RECONNECT_BOUND_S. The script starts the killed
replica again (a new pid, same name and port), the proxy puts it back in rotation and a new student
lands on it. No process of the classroom holds the passphrase in its environment or command line.
"""
from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from benchmarks import app_server, load
from seq2seq.catalog import RUNS_ENV
from studio.shared.text import escape_markdown

pytestmark = pytest.mark.slow  # real training runs or subprocesses: left out of the quick loop

if not shutil.which("haproxy") and not os.path.exists("/usr/sbin/haproxy"):
    pytest.skip("HAProxy is not installed (apt package `haproxy`)", allow_module_level=True)

SESSIONS = 10
PASSPHRASE = "chalk and cheese"
DEADLINE_S = 600  # all sessions' work and the restart; the whole module took ~55 s on a busy 2-core machine
# From the kill until each of the killed replica's sessions, opening the page again through the proxy,
# has its translation: 0.4-0.8 s measured on a loaded 2-core machine (benchmarks/classroom_failover.py);
# the bound leaves room for a machine far busier than that.
RECONNECT_BOUND_S = 30
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
    answered_again_s: float | None = None  # from the kill until its next translation (the moved ones)

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


async def after_the_crash(student: Student, killed: str, killed_at: float) -> None:
    """The next interaction: on the open websocket, or (the replica is gone) over a new one."""
    moved = student.replica == killed
    if moved:
        with pytest.raises(ConnectionClosed):  # the websocket was closed under it, as a browser would see
            await student.tab.run()
        student.tab = await student.browser.open("model=dates", load.STEP_PAGE)
    await student.tab.run()
    await translate(student)
    if moved:
        student.answered_again_s = time.monotonic() - killed_at


@dataclass
class Restart:
    """What became of the killed replica: its pid before and after, and a student who landed on it."""
    old_pid: int
    new_pid: int
    newcomer: Student
    back_s: float  # from the kill until the newcomer's page opened on it


async def restarted(room: app_server.Classroom, killed: str, old_pid: int, killed_at: float) -> Restart:
    """Wait for the script to start the replica again, then for a new student to land on it: the proxy
    gives a new visitor the replica with the fewest connections, and the survivor holds every websocket."""
    while room.current_replicas()[killed] == old_pid:
        await asyncio.sleep(0.5)
    newcomer = Student(load.Browser(room.url), text=load.sentences(1, SESSIONS)[0])
    while True:
        newcomer.browser = load.Browser(room.url)  # no cookie: a new visitor
        newcomer.tab = await newcomer.browser.open("model=dates", load.STEP_PAGE)
        if newcomer.replica == killed:
            break
        await newcomer.tab.close()  # health checks have not put it back yet: try again
        await asyncio.sleep(1)
    back_s = time.monotonic() - killed_at
    await newcomer.tab.run()
    await translate(newcomer)
    return Restart(old_pid, room.current_replicas()[killed], newcomer, back_s)


async def the_class(url: str, room: app_server.Classroom) -> tuple[list[Student], str, Restart]:
    students = [Student(load.Browser(url), text=text) for text in load.sentences(SESSIONS)]
    await asyncio.gather(*(lesson(s) for s in students))
    killed = students[0].replica
    old_pid = room.replicas[killed]
    os.kill(old_pid, signal.SIGKILL)
    killed_at = time.monotonic()
    await asyncio.gather(*(after_the_crash(s, killed, killed_at) for s in students))
    restart = await restarted(room, killed, old_pid, killed_at)
    for student in [*students, restart.newcomer]:
        await student.tab.close()
    return students, killed, restart


def test_sessions_spread_stick_and_survive_a_dead_replica(room, dates_translator):
    room, runs = room
    students, killed, restart = asyncio.run(asyncio.wait_for(the_class(room.url, room), DEADLINE_S))
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
        # The moved ones were answered by the survivor after the crash (or, on a machine fast enough to
        # restart the killed one before they reopened, by that one: the proxy takes it back at once).
        assert student.replica == survivor or student.before_the_crash[0] == killed, student.browser.replicas
    assert [p.name for p in runs.iterdir() if not p.name.startswith(".")] == []  # the refused launches made nothing

    # The killed replica's sessions were answered again through the proxy, each within the bound.
    waits = [s.answered_again_s for s in students if s.before_the_crash[0] == killed]
    print(f"answered again {sorted(round(w, 2) for w in waits)} s after the kill; "
          f"a new student landed on the restarted replica {restart.back_s:.1f} s after it")
    assert len(waits) == served[killed] and max(waits) < RECONNECT_BOUND_S, waits
    # The script noticed, started it again on its port with a new pid, and the proxy took it back.
    output = "\n".join(room.output)
    assert re.search(rf"^classroom\.sh: .*replica {killed} \(pid {restart.old_pid}\) exited .* restarting it in 1 s",
                     output, re.M), output
    port = re.search(rf"^replica {killed}: (\S+) pid {restart.old_pid} ", output, re.M).group(1)
    assert re.search(rf"^replica {killed}: {re.escape(port)} pid {restart.new_pid} .*\(restart 1\)$", output, re.M)
    assert restart.new_pid != restart.old_pid and alive(restart.new_pid)
    assert restart.newcomer.replica == killed
    assert restart.newcomer.shown == ["#### " + escape_markdown(dates_translator.translate([restart.newcomer.text])[0])]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def classroom_processes(room: app_server.Classroom) -> dict[str, int]:
    return {"script": room.process.pid, "proxy": room.proxy_pid(), **room.current_replicas()}


def test_no_process_of_the_classroom_holds_the_passphrase(room):
    """Not in /proc/PID/environ (which keeps a process's initial environment for its whole life) nor in
    its command line: the script re-executed itself without it; the replicas have a file's path only."""
    room, _ = room
    processes = classroom_processes(room)
    secret = PASSPHRASE.encode()
    for name, pid in processes.items():
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert not any(secret in variable for variable in environ), name
        assert secret not in Path(f"/proc/{pid}/cmdline").read_bytes(), name
        assert not any(v.startswith(b"SEQ2SEQ_TEACHER_PASSPHRASE=") for v in environ), name
        paths = [v.split(b"=", 1)[1] for v in environ if v.startswith(b"SEQ2SEQ_TEACHER_PASSPHRASE_FILE=")]
        # A replica: the file's path, a file only its owner may read, in a folder only it may enter.
        if name.startswith("r"):
            (path,) = [Path(p.decode()) for p in paths]
            assert path.read_text(encoding="utf-8") == PASSPHRASE + "\n"
            assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        else:
            assert paths == [], name  # neither the script nor HAProxy needs it


async def guess(url: str, attempt: str) -> tuple[str, list[str]]:
    student = load.Browser(url)
    tab = await student.open("", TRAIN_PAGE)
    try:
        await tab.run()
        page = await tab.run([load.WidgetState(id=tab.widget("Teacher passphrase"), string_value=attempt),
                              load.WidgetState(id=tab.widget("Unlock teacher actions"), trigger_value=True)])
    finally:
        await tab.close()
    return student.replicas[-1], page.errors


def test_a_wrong_guess_is_refused_and_logged_by_its_replica_without_the_text(room):
    room, _ = room
    attempt = "cheese and chalk"
    replica, errors = asyncio.run(asyncio.wait_for(guess(room.url, attempt), 300))
    assert len(errors) == 1 and escape_markdown("the passphrase entered is wrong") in errors[0], errors
    log = Path(re.findall(rf"^replica {replica}: \S+ pid \d+ log (\S+)", "\n".join(room.output), re.M)[-1])
    lines = [line for line in log.read_text(encoding="utf-8").splitlines() if "teacher passphrase" in line]
    assert len(lines) == 1 and re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.* teacher passphrase: wrong guess, 1 in "
                                        r"the last 300 s \(lockout at 5\)$", lines[0]), lines
    assert attempt not in log.read_text(encoding="utf-8")


async def answered_through_the_proxy(student: Student, deadline: float) -> None:
    """Open the student's tab again through the proxy (its cookie keeps its replica) until it answers."""
    while True:
        try:
            student.tab = await student.browser.open("model=dates", load.STEP_PAGE)
            break
        except OSError:  # nothing listens on the proxy's port yet
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)
    await student.tab.run()
    await translate(student)


async def kill_the_proxy(room: app_server.Classroom) -> tuple[Student, str, float]:
    """A student translates, HAProxy is killed under it, and the same browser is answered again."""
    student = Student(load.Browser(room.url), text=load.sentences(1, 2 * SESSIONS)[0])
    await answered_through_the_proxy(student, time.monotonic())
    replica = student.replica
    os.kill(room.proxy_pid(), signal.SIGKILL)
    killed_at = time.monotonic()
    with pytest.raises(ConnectionClosed):  # its websocket went with the proxy, as a browser would see
        await student.tab.run()
    await answered_through_the_proxy(student, killed_at + RECONNECT_BOUND_S)
    answered_s = time.monotonic() - killed_at
    await student.tab.close()
    return student, replica, answered_s


def test_a_killed_proxy_is_restarted_and_the_replicas_keep_running(room, dates_translator):
    """HAProxy killed with SIGKILL: the script starts it again (new pid), the replicas keep their pids,
    and a student's browser is answered again through the proxy, by the same replica, within the bound."""
    room, _ = room
    replicas, old_proxy = room.current_replicas(), room.proxy_pid()
    student, replica, answered_s = asyncio.run(asyncio.wait_for(kill_the_proxy(room), 300))
    print(f"answered again through the restarted proxy {answered_s:.1f} s after it was killed")
    new_proxy = room.proxy_pid()
    assert new_proxy != old_proxy and alive(new_proxy) and not alive(old_proxy)
    assert answered_s < RECONNECT_BOUND_S
    assert room.current_replicas() == replicas and all(alive(pid) for pid in replicas.values())
    expected = "#### " + escape_markdown(dates_translator.translate([student.text])[0])
    assert student.shown == [expected, expected] and student.replica == replica
    output = "\n".join(room.output)
    assert re.search(rf"^classroom\.sh: .*HAProxy \(pid {old_proxy}\) exited .* restarting it in 1 s", output, re.M)
    assert re.search(rf"^proxy: pid {new_proxy} .*\(restart 1\)$", output, re.M), output
    assert room.process.poll() is None  # the classroom goes on
