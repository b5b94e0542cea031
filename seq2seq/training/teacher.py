"""Classroom mode: a teacher's passphrase guards what costs everyone CPU time or loses work —
launching, stopping, resuming and deleting runs, and uploading training data. Everything else
stays open to students.

The passphrase comes from the environment (deploy/classroom.sh puts it there, never on a command
line). It is read once per process and removed from the environment, so that the training
processes the app starts never inherit it, and it is kept only as a digest.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import os
import threading
import time

from seq2seq.errors import UserError

PASSPHRASE_ENV = "SEQ2SEQ_TEACHER_PASSPHRASE"
# Long enough to make guessing hopeless (one guess per second per process, queued behind one lock
# so that many sessions guessing at once do not guess faster), short enough that a teacher's typo
# costs nothing noticeable.
WRONG_GUESS_DELAY_S = 1.0
# The lock is per process: replicas each slow their own guessers, which is what bounds the rate.
_WRONG_GUESSES = threading.Lock()


def _digest(text: str) -> bytes:
    # Comparing fixed-length digests keeps compare_digest's time independent of the guess's length.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class TeacherGate:
    """Whether a session may do teacher actions; open to everyone when no passphrase is set."""

    def __init__(self, passphrase: str | None, wrong_guess_delay_s: float = WRONG_GUESS_DELAY_S):
        self._expected = _digest(passphrase) if passphrase else None
        self._delay_s = wrong_guess_delay_s

    @property
    def classroom(self) -> bool:
        """True when teacher actions need the passphrase."""
        return self._expected is not None

    def accepts(self, attempt: str | None) -> bool:
        """Constant-time comparison; a wrong guess returns only after the delay (no guess at once)."""
        if self._expected is None:
            return True
        if not attempt:
            return False  # no guess made: nothing to slow down
        if hmac.compare_digest(_digest(attempt), self._expected):
            return True
        with _WRONG_GUESSES:
            time.sleep(self._delay_s)
        return False

    def require(self, attempt: str | None, action: str) -> None:
        """Raise a UserError naming the action unless the attempt is the passphrase."""
        if not self.accepts(attempt):
            why = "the passphrase entered is wrong" if attempt else "no passphrase was entered"
            raise UserError(f"{action} needs the teacher passphrase ({why}); nothing was changed.")


@functools.cache
def _from_environment() -> TeacherGate:
    return TeacherGate(os.environ.pop(PASSPHRASE_ENV, None) or None)


_FIRST_READ = threading.Lock()


def classroom_gate() -> TeacherGate:
    """This process's gate, from the environment at first use. Under a lock: a second thread asking
    at the same moment would find the variable already gone and make an open gate."""
    with _FIRST_READ:
        return _from_environment()


classroom_gate.cache_clear = _from_environment.cache_clear  # tests start again from the environment
