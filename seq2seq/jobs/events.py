"""A run's events.jsonl, read while the trainer is still appending to it.

The trainer writes one JSON object per line (see Trainer: start, train, valid, test, done). Readers
poll the file by byte offset, so each poll reads only what is new, and a line the trainer is in the
middle of writing is left for the next poll.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

Event = dict[str, Any]
# Enough for the short "done" line and the end of the line before it.
_TAIL_BYTES = 4096


def read_jsonl(path: Path, offset: int = 0) -> tuple[list[Event], int]:
    """Complete lines from byte `offset` on, and the offset to pass next time.

    A returned offset smaller than the one given means the file was replaced: start over.
    """
    try:
        with open(path, "rb") as handle:
            if offset > handle.seek(0, 2):
                offset = 0
            handle.seek(offset)
            data = handle.read()
    except FileNotFoundError:
        return [], 0
    end = data.rfind(b"\n") + 1
    return [event for line in data[:end].splitlines() if (event := _parse(line)) is not None], offset + end


def _parse(line: bytes) -> Event | None:
    try:
        event = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return event if isinstance(event, dict) and "type" in event else None


def last_event(path: Path, since: int = 0) -> Event | None:
    """The last complete event written at or after byte `since` (None when there is none)."""
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, 2)
            start = max(since, size - _TAIL_BYTES)
            handle.seek(start)
            data = handle.read()
    except FileNotFoundError:
        return None
    lines = data[: data.rfind(b"\n") + 1].splitlines()
    return _parse(lines[-1]) if lines else None


def continued(events: list[Event]) -> list[Event]:
    """One history across resumes: a resumed run restarts from its last checkpoint, so what an
    interrupted process reported after that checkpoint is replaced by what the resumed one reports."""
    kept: list[Event] = []
    for event in events:
        if event["type"] == "start" and "step" in event:
            kept = [e for e in kept if e.get("step", 0) <= event["step"]]
        kept.append(event)
    return kept


def merge(history: list[Event], new: list[Event]) -> list[Event]:
    """Append new events, keeping attention probes only on the latest validation (they are large)."""
    events = history + new
    last_valid = max((i for i, e in enumerate(events) if e["type"] == "valid"), default=-1)
    return [_without_probes(e) if e["type"] == "valid" and i != last_valid else e for i, e in enumerate(events)]


def _without_probes(event: Event) -> Event:
    return {k: v for k, v in event.items() if k != "probes"}


def latest(events: list[Event], kind: str) -> Event | None:
    return next((event for event in reversed(events) if event["type"] == kind), None)
