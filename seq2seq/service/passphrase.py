"""Classroom mode: a teacher's passphrase guards what costs everyone CPU time or loses work —
launching, stopping, resuming and deleting runs, and uploading training data. Everything else
stays open to students.

deploy/classroom.sh hands the passphrase over in a file readable by its owner only and puts only
the file's path in the environment (SEQ2SEQ_TEACHER_PASSPHRASE_FILE): a process's initial
environment stays readable in /proc/PID/environ for its whole life, whatever the process later
removes from os.environ. The passphrase itself in SEQ2SEQ_TEACHER_PASSPHRASE still works (a plain
`streamlit run app.py`), with that caveat. Either is read once per process and removed from
os.environ, so that the training processes the app starts never inherit it, and it is kept only as
a digest.

Wrong guesses are slowed (one per second per process, queued) and counted: after LOCKOUT_GUESSES
wrong ones within LOCKOUT_WINDOW_S, every passphrase, even the right one, is refused for
LOCKOUT_S. Each wrong guess and each lockout is logged (time and count, never the text guessed).

A tab that unlocks gets a ticket (a random token this process remembers) and shows it at each teacher
action instead of the passphrase: the passphrase is not kept in any session, and a lockout that a
student provokes with wrong guesses refuses new unlocks only, never the teacher's tab already open.
"""
from __future__ import annotations

import collections
import datetime
import functools
import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from typing import Callable

from seq2seq.errors import UserError

__all__ = ["TeacherGate", "classroom_gate"]

PASSPHRASE_ENV = "SEQ2SEQ_TEACHER_PASSPHRASE"
PASSPHRASE_FILE_ENV = "SEQ2SEQ_TEACHER_PASSPHRASE_FILE"
# Long enough to make guessing hopeless (one guess per second per process, queued behind one lock
# so that many sessions guessing at once do not guess faster), short enough that a teacher's typo
# costs nothing noticeable.
WRONG_GUESS_DELAY_S = 1.0
# The lockout: this many wrong guesses within the window refuse every guess for LOCKOUT_S. A teacher
# with a few typos is not locked out; a student trying passwords gets 5 tries per 5 minutes per replica.
LOCKOUT_GUESSES = 5
LOCKOUT_WINDOW_S = 300.0
LOCKOUT_S = 300.0
# The lock is per process: replicas each slow their own guessers, which is what bounds the rate.
_WRONG_GUESSES = threading.Lock()

log = logging.getLogger(__name__)


def _digest(text: str) -> bytes:
    # Comparing fixed-length digests keeps compare_digest's time independent of the guess's length.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def _clock_time(at: float) -> str:
    return datetime.datetime.fromtimestamp(at).strftime("%H:%M:%S")


def _say(message: str, *args) -> None:
    """A warning in the replica's log, with the time in the line whatever the logging setup (Streamlit
    configures only its own loggers, so ours reach stderr through logging's last-resort handler)."""
    stamp = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    log.warning("%s " + message, stamp, *args)


class TeacherGate:
    """Whether a session may do teacher actions; open to everyone when no passphrase is set."""

    def __init__(self, passphrase: str | None, wrong_guess_delay_s: float = WRONG_GUESS_DELAY_S,
                 lockout_guesses: int = LOCKOUT_GUESSES, lockout_window_s: float = LOCKOUT_WINDOW_S,
                 lockout_s: float = LOCKOUT_S, clock: Callable[[], float] = time.time):
        self._expected = _digest(passphrase) if passphrase else None
        self._delay_s = wrong_guess_delay_s
        self._max_wrong, self._window_s, self._lockout_s = lockout_guesses, lockout_window_s, lockout_s
        self._clock = clock
        self._state = threading.Lock()  # guards the two below; never held while sleeping
        self._wrong: collections.deque[float] = collections.deque()  # times of recent wrong guesses
        self._locked_until = 0.0
        self._tickets: set[str] = set()  # of the tabs unlocked in this process

    @property
    def classroom(self) -> bool:
        """True when teacher actions need the passphrase."""
        return self._expected is not None

    def locked_until(self) -> float | None:
        """When the lockout ends (time.time() seconds), or None when guesses are taken."""
        with self._state:
            return self._locked_until if self._clock() < self._locked_until else None

    def accepts(self, attempt: str | None) -> bool:
        """Constant-time comparison; a wrong guess returns only after the delay (no guess at once).
        During a lockout every guess is refused, the right one too."""
        return self._refusal(attempt) is None

    def require(self, attempt: str | None, action: str) -> None:
        """Raise a UserError naming the action unless the attempt is the passphrase."""
        why = self._refusal(attempt)
        if why is not None:
            raise UserError(f"{action} needs the teacher passphrase ({why}); nothing was changed.")

    def unlock(self, attempt: str | None) -> str:
        """A ticket for a tab that gave the passphrase (see `require_ticket`); UserError otherwise."""
        self.require(attempt, "Unlocking teacher actions")
        ticket = secrets.token_urlsafe(32)
        with self._state:
            self._tickets.add(ticket)
        return ticket

    def require_ticket(self, ticket: str | None, action: str) -> None:
        """Raise a UserError naming the action unless the tab holds a ticket of this process (or the
        classroom is open). A ticket is 32 random bytes: nothing to slow down or count."""
        if self._expected is None:
            return
        with self._state:
            known = ticket is not None and ticket in self._tickets
        if not known:
            why = "no passphrase was entered" if ticket is None else "this tab's unlock has expired: unlock it again"
            raise UserError(f"{action} needs the teacher passphrase ({why}); nothing was changed.")

    def revoke(self, ticket: str | None) -> None:
        with self._state:
            self._tickets.discard(ticket)

    def _refusal(self, attempt: str | None) -> str | None:
        """None when the attempt is accepted, else why it is not."""
        if self._expected is None:
            return None
        if not attempt:
            return "no passphrase was entered"  # no guess made: nothing to slow down or count
        right = hmac.compare_digest(_digest(attempt), self._expected)
        if right and self.locked_until() is None:
            return None
        # A wrong guess, or any guess during a lockout: the same queue, delay and answer for both, so
        # that neither the time taken nor the message tells a right guess from a wrong one.
        with _WRONG_GUESSES:
            verdict, until = self._count_guess(right)
            if verdict != "accepted":
                time.sleep(self._delay_s)
        if verdict == "accepted":  # the lockout ended while this guess waited
            return None
        return self._lockout_message(until) if verdict == "locked" else "the passphrase entered is wrong"

    def _count_guess(self, right: bool) -> tuple[str, float]:
        """Record a guess that was wrong or came during a lockout: ("accepted" | "wrong" | "locked",
        the end of the lockout it started or fell in)."""
        with self._state:
            now = self._clock()
            if now < self._locked_until:
                _say("teacher passphrase: a guess was refused during the lockout (until %s)",
                     _clock_time(self._locked_until))
                return "locked", self._locked_until
            if right:
                return "accepted", 0.0
            while self._wrong and self._wrong[0] <= now - self._window_s:
                self._wrong.popleft()
            self._wrong.append(now)
            count = len(self._wrong)
            _say("teacher passphrase: wrong guess, %d in the last %d s (lockout at %d)", count,
                 round(self._window_s), self._max_wrong)
            if count < self._max_wrong:
                return "wrong", 0.0
            self._wrong.clear()
            self._locked_until = now + self._lockout_s
            _say("teacher passphrase: %d wrong guesses in %d s; every guess is refused until %s (%d s)", count,
                 round(self._window_s), _clock_time(self._locked_until), round(self._lockout_s))
            return "locked", self._locked_until

    def _lockout_message(self, until: float) -> str:
        minutes = max(1, round((until - self._clock()) / 60))
        return (f"too many wrong passphrases were entered, so every passphrase is refused until "
                f"{_clock_time(until)} (in about {minutes} min); try again then")


def _read_passphrase() -> str | None:
    """The passphrase from its file (first line) or the environment, both removed from os.environ.
    A file that is named but cannot be read closes the gate: nobody can do teacher actions (an
    open gate would let every student train and delete)."""
    path = os.environ.pop(PASSPHRASE_FILE_ENV, None)
    text = os.environ.pop(PASSPHRASE_ENV, None)
    if not path:
        return text or None
    try:
        with open(path, "rb") as handle:
            text = os.fsdecode(handle.readline().rstrip(b"\n"))  # as `IFS= read -r` in deploy/classroom.sh
        if not text:
            raise ValueError("the file is empty")
    except (OSError, ValueError) as exc:
        _say("teacher passphrase: cannot read %s (%s); teacher actions are refused until the app restarts",
             path, exc)
        return secrets.token_urlsafe(32)  # no one knows it: the gate stays closed
    return text


@functools.cache
def _from_environment() -> TeacherGate:
    return TeacherGate(_read_passphrase())


_FIRST_READ = threading.Lock()


def classroom_gate() -> TeacherGate:
    """This process's gate, from the environment at first use. Under a lock: a second thread asking
    at the same moment would find the variable already gone and make an open gate."""
    with _FIRST_READ:
        return _from_environment()


classroom_gate.cache_clear = _from_environment.cache_clear  # tests start again from the environment
