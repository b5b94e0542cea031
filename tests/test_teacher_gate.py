"""The teacher passphrase: open without one, exact match only, wrong guesses slowed and serialized,
read once from the environment and not handed on to child processes."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time

import pytest

from seq2seq.errors import UserError
from seq2seq.service import passphrase
from seq2seq.service.passphrase import PASSPHRASE_ENV, TeacherGate

DELAY_S = 0.2


def test_without_a_passphrase_everything_is_open():
    gate = TeacherGate(None)
    assert not gate.classroom
    assert gate.accepts(None) and gate.accepts("") and gate.accepts("anything")
    gate.require(None, "Launching a run")  # does not raise


@pytest.mark.parametrize("attempt", [None, "", "chalk", "chalkboard ", "CHALKBOARD", "chalkboar", "chalkboardx"])
def test_only_the_exact_passphrase_is_accepted(attempt):
    gate = TeacherGate("chalkboard", wrong_guess_delay_s=0.0)
    assert gate.classroom
    assert gate.accepts("chalkboard")
    assert not gate.accepts(attempt)


def test_a_refusal_names_the_action_and_says_nothing_changed():
    gate = TeacherGate("chalkboard", wrong_guess_delay_s=0.0)
    with pytest.raises(UserError, match=r"Deleting a run needs the teacher passphrase \(no passphrase"):
        gate.require(None, "Deleting a run")
    with pytest.raises(UserError, match=r"wrong\); nothing was changed"):
        gate.require("blackboard", "Deleting a run")
    gate.require("chalkboard", "Deleting a run")


def test_text_that_is_not_valid_utf8_is_refused_not_raised():
    gate = TeacherGate("chalkboard", wrong_guess_delay_s=0.0)
    assert not gate.accepts("\udcff")


def test_wrong_guesses_are_slowed_and_queued_while_the_right_one_is_not():
    gate = TeacherGate("chalkboard", wrong_guess_delay_s=DELAY_S)
    start = time.perf_counter()
    assert gate.accepts("chalkboard")
    assert time.perf_counter() - start < DELAY_S / 2
    threads = [threading.Thread(target=gate.accepts, args=(f"guess {i}",)) for i in range(4)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Four guesses at once still take four delays: parallel sessions do not guess faster.
    assert time.perf_counter() - start >= 4 * DELAY_S * 0.95


def test_the_process_gate_reads_the_environment_once_and_hides_it_from_children(monkeypatch):
    monkeypatch.setenv(PASSPHRASE_ENV, "chalkboard")
    passphrase.classroom_gate.cache_clear()
    try:
        gate = passphrase.classroom_gate()
        assert gate.classroom and gate.accepts("chalkboard")
        assert PASSPHRASE_ENV not in os.environ
        child = subprocess.run([sys.executable, "-c", f"import os; print(os.environ.get({PASSPHRASE_ENV!r}))"],
                               capture_output=True, text=True, check=True)
        assert child.stdout.strip() == "None"
        assert passphrase.classroom_gate() is gate
    finally:
        passphrase.classroom_gate.cache_clear()


def test_threads_asking_first_at_once_all_get_the_classroom_gate(monkeypatch):
    monkeypatch.setenv(PASSPHRASE_ENV, "chalkboard")
    passphrase.classroom_gate.cache_clear()
    gates = []
    try:
        threads = [threading.Thread(target=lambda: gates.append(passphrase.classroom_gate())) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len({id(g) for g in gates}) == 1 and gates[0].classroom
    finally:
        passphrase.classroom_gate.cache_clear()


class FakeClock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_five_wrong_guesses_lock_out_every_guess_then_it_opens_again(caplog):
    clock = FakeClock()
    gate = TeacherGate("chalkboard", wrong_guess_delay_s=0.0, clock=clock)
    caplog.set_level("WARNING", logger=passphrase.__name__)
    for i in range(4):
        assert not gate.accepts(f"guess {i}")
        clock.now += 30
    assert gate.locked_until() is None and gate.accepts("chalkboard")  # four typos cost nothing
    with pytest.raises(UserError, match=r"too many wrong passphrases.*refused until \d\d:\d\d:\d\d \(in about 5 min\)"):
        gate.require("guess 4", "Launching a run")  # the fifth within 5 minutes starts the lockout
    assert gate.locked_until() == clock.now + passphrase.LOCKOUT_S
    clock.now += passphrase.LOCKOUT_S - 1
    with pytest.raises(UserError, match=r"too many wrong passphrases.*\(in about 1 min\)"):
        gate.require("chalkboard", "Launching a run")  # the right one too, with the same answer
    assert not gate.accepts("guess 5")
    clock.now += 1
    assert gate.locked_until() is None and gate.accepts("chalkboard")

    lines = [r.getMessage() for r in caplog.records if r.name == passphrase.__name__]
    assert [line.split(" ", 1)[1] for line in lines] == [
        *(f"teacher passphrase: wrong guess, {n} in the last 300 s (lockout at 5)" for n in range(1, 6)),
        f"teacher passphrase: 5 wrong guesses in 300 s; every guess is refused until "
        f"{time.strftime('%H:%M:%S', time.localtime(gate_end := 1_000_000.0 + 4 * 30 + passphrase.LOCKOUT_S))}"
        " (300 s)",
        *[f"teacher passphrase: a guess was refused during the lockout (until "
          f"{time.strftime('%H:%M:%S', time.localtime(gate_end))})"] * 2]
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", line) for line in lines)  # each starts with the time
    assert not any("guess 4" in line or "chalkboard" in line for line in caplog.text.splitlines())


def test_wrong_guesses_older_than_the_window_do_not_count():
    clock = FakeClock()
    gate = TeacherGate("chalkboard", wrong_guess_delay_s=0.0, clock=clock)
    for i in range(20):  # one a minute: never five within five minutes
        assert not gate.accepts(f"guess {i}")
        clock.now += 61
    assert gate.locked_until() is None and gate.accepts("chalkboard")


def test_during_the_lockout_right_and_wrong_guesses_take_the_same_time():
    clock = FakeClock()
    gate = TeacherGate("chalkboard", wrong_guess_delay_s=DELAY_S, lockout_guesses=1, clock=clock)
    assert not gate.accepts("guess")
    assert gate.locked_until() is not None
    for attempt in ("chalkboard", "blackboard"):
        start = time.perf_counter()
        assert not gate.accepts(attempt)
        assert time.perf_counter() - start >= DELAY_S * 0.95


def test_the_process_gate_reads_the_passphrase_file_and_drops_its_path(monkeypatch, tmp_path):
    secret = tmp_path / "passphrase"
    secret.write_text("chalk board\nignored second line\n", encoding="utf-8")
    monkeypatch.setenv(passphrase.PASSPHRASE_FILE_ENV, str(secret))
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    passphrase.classroom_gate.cache_clear()
    try:
        gate = passphrase.classroom_gate()
        assert gate.classroom and gate.accepts("chalk board") and not gate.accepts("chalk board\n")
        assert passphrase.PASSPHRASE_FILE_ENV not in os.environ
    finally:
        passphrase.classroom_gate.cache_clear()


@pytest.mark.parametrize("content", [None, b"", b"\n"])
def test_a_passphrase_file_that_cannot_be_read_closes_the_gate(monkeypatch, tmp_path, caplog, content):
    secret = tmp_path / "passphrase"
    if content is not None:
        secret.write_bytes(content)
    monkeypatch.setenv(passphrase.PASSPHRASE_FILE_ENV, str(secret))
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    passphrase.classroom_gate.cache_clear()
    try:
        gate = passphrase.classroom_gate()
        assert gate.classroom  # never an open gate: everyone could train and delete
        assert f"cannot read {secret}" in caplog.text
    finally:
        passphrase.classroom_gate.cache_clear()


def test_a_tab_unlocks_once_and_then_shows_its_ticket_not_the_passphrase():
    gate = TeacherGate("chalkboard", wrong_guess_delay_s=0.0, lockout_guesses=2)
    ticket = gate.unlock("chalkboard")
    assert ticket != "chalkboard" and len(ticket) >= 32
    gate.require_ticket(ticket, "Deleting a run")  # does not raise
    with pytest.raises(UserError, match="no passphrase was entered"):
        gate.require_ticket(None, "Deleting a run")
    with pytest.raises(UserError, match="unlock it again"):
        gate.require_ticket("chalkboard", "Deleting a run")  # the passphrase itself is not a ticket
    for _ in range(2):
        gate.accepts("guess")  # a lockout: new unlocks refused, the open tab unaffected
    with pytest.raises(UserError, match="too many wrong passphrases"):
        gate.unlock("chalkboard")
    gate.require_ticket(ticket, "Deleting a run")
    gate.revoke(ticket)
    with pytest.raises(UserError):
        gate.require_ticket(ticket, "Deleting a run")


TEACHER_ACTIONS = ("Launching a run", "Stopping a run", "Resuming a run", "Deleting a run", "Uploading training data")


def test_a_lockout_refuses_new_unlocks_but_never_a_tab_unlocked_before_it():
    """The lockout is there to stop guessing the passphrase; anyone can provoke it (5 wrong guesses from a
    student). A tab already unlocked shows a 32-byte random ticket, which cannot be guessed, so it keeps
    every teacher action: otherwise any student could lock the teacher out of the lesson at will."""
    clock = FakeClock()
    gate = TeacherGate("chalkboard", wrong_guess_delay_s=0.0, clock=clock)
    teacher = gate.unlock("chalkboard")
    for i in range(passphrase.LOCKOUT_GUESSES):  # a student guessing, in another tab
        assert not gate.accepts(f"guess {i}")
    assert gate.locked_until() == clock.now + passphrase.LOCKOUT_S
    for action in TEACHER_ACTIONS:
        gate.require_ticket(teacher, action)  # does not raise: the teacher's tab goes on
    with pytest.raises(UserError, match="too many wrong passphrases"):
        gate.unlock("chalkboard")  # a tab not yet unlocked waits for the end of the lockout
    with pytest.raises(UserError, match=r"Launching a run needs the teacher passphrase \(no passphrase"):
        gate.require_ticket(None, "Launching a run")  # and the students' tabs stay refused
    gate.revoke(teacher)  # 🔒 Lock still ends it during the lockout
    with pytest.raises(UserError, match="unlock it again"):
        gate.require_ticket(teacher, "Launching a run")
    clock.now += passphrase.LOCKOUT_S
    gate.require_ticket(gate.unlock("chalkboard"), "Launching a run")
