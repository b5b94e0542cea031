"""Toy tasks generated in code (no download), each learnable in about a minute on a CPU."""
from __future__ import annotations

import datetime as dt
import random
from typing import Callable

from seq2seq.data.pairs import Pair, Split, split_given
from seq2seq.errors import UserError

LETTERS = "abcdefghijklmnopqrstuvwxyz"
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _letters(rng: random.Random, max_len: int) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(rng.randint(1, max_len)))


def reverse_pair(rng: random.Random) -> Pair:
    text = _letters(rng, 10)
    return Pair(text, text[::-1])


def copy_pair(rng: random.Random) -> Pair:
    text = _letters(rng, 10)
    return Pair(text, text)


# Long enough that a plain RNN without attention visibly fails on the longest strings (gradients
# through 30+ recurrent steps vanish), short enough that small models train in minutes.
LONG_LEN = 30


def copy_long_pair(rng: random.Random) -> Pair:
    text = _letters(rng, LONG_LEN)
    return Pair(text, text)


def reverse_long_pair(rng: random.Random) -> Pair:
    text = _letters(rng, LONG_LEN)
    return Pair(text, text[::-1])


def sort_pair(rng: random.Random) -> Pair:
    text = _letters(rng, 10)
    return Pair(text, "".join(sorted(text)))


def add_pair(rng: random.Random) -> Pair:
    a, b = rng.randint(0, 999), rng.randint(0, 999)
    return Pair(f"{a}+{b}", str(a + b))


def _date_formats(d: dt.date) -> list[str]:
    month, day = MONTHS[d.month - 1], DAYS[d.weekday()]
    return [
        f"{month} {d.day}, {d.year}", f"{d.day} {month} {d.year}", f"{month[:3]} {d.day} {d.year}",
        f"{d.day:02d}/{d.month:02d}/{d.year}", f"{d.month}/{d.day}/{d.year % 100:02d}",
        f"{day}, {month} {d.day}, {d.year}", f"{day[:3]} {d.day} {month[:3].lower()} {d.year}",
        f"{d.day}.{d.month}.{d.year}", f"{month.lower()} {d.day} {d.year}", f"{d.year} {month} {d.day}",
    ]


def dates_pair(rng: random.Random) -> Pair:
    """A date in one of many human formats -> ISO 8601 (the classic attention demo)."""
    d = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 100))
    fmt = rng.choice(_date_formats(d))
    if "/" in fmt and fmt.count("/") == 2 and len(fmt.split("/")[2]) == 2:
        fmt = f"{d.month}/{d.day}/{d.year}"  # two-digit years are ambiguous: keep all four
    return Pair(fmt, d.isoformat())


TASKS: dict[str, Callable[[random.Random], Pair]] = {
    "reverse": reverse_pair, "copy": copy_pair, "sort": sort_pair, "dates": dates_pair, "add": add_pair,
    "copy30": copy_long_pair, "reverse30": reverse_long_pair,
}


# The right answer for a typed input, for the tasks whose answer follows from the input alone.
REFERENCES: dict[str, Callable[[str], str]] = {
    "copy": lambda text: text, "copy30": lambda text: text, "reverse": lambda text: text[::-1],
    "reverse30": lambda text: text[::-1], "sort": lambda text: "".join(sorted(text)),
}


def make_toy_split(task: str, train_size: int = 20000, eval_size: int = 500, seed: int = 1234) -> Split:
    """Deterministic split with no source in two parts (test and valid sources are unseen).

    Training is drawn first: tasks with few short inputs (26 one-letter strings) would otherwise give
    all of them to test and valid, and the model would be scored on lengths it never saw.
    """
    if task not in TASKS:
        raise UserError(f"unknown toy task {task!r}; choose one of {', '.join(TASKS)}")
    rng, seen, parts = random.Random(seed), set(), []
    for size in (train_size, eval_size, eval_size):
        part, attempts = [], 0
        while len(part) < size and attempts < size * 20:
            attempts += 1
            pair = TASKS[task](rng)
            if pair.source not in seen:
                seen.add(pair.source)
                part.append(pair)
        parts.append(part)
    train, valid, test = parts
    return split_given(train, valid, test)
