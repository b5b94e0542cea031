"""The teacher passphrase: open without one, exact match only, wrong guesses slowed and serialized,
read once from the environment and not handed on to child processes."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from seq2seq.errors import UserError
from seq2seq.training import teacher
from seq2seq.training.teacher import PASSPHRASE_ENV, TeacherGate

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
    teacher.classroom_gate.cache_clear()
    try:
        gate = teacher.classroom_gate()
        assert gate.classroom and gate.accepts("chalkboard")
        assert PASSPHRASE_ENV not in os.environ
        child = subprocess.run([sys.executable, "-c", f"import os; print(os.environ.get({PASSPHRASE_ENV!r}))"],
                               capture_output=True, text=True, check=True)
        assert child.stdout.strip() == "None"
        assert teacher.classroom_gate() is gate
    finally:
        teacher.classroom_gate.cache_clear()


def test_threads_asking_first_at_once_all_get_the_classroom_gate(monkeypatch):
    monkeypatch.setenv(PASSPHRASE_ENV, "chalkboard")
    teacher.classroom_gate.cache_clear()
    gates = []
    try:
        threads = [threading.Thread(target=lambda: gates.append(teacher.classroom_gate())) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len({id(g) for g in gates}) == 1 and gates[0].classroom
    finally:
        teacher.classroom_gate.cache_clear()
