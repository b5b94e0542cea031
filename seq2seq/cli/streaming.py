"""Input lines for `translate` and `align`, read as they arrive and handed on in bounded batches.

A reader thread fills a small queue, so memory stays bounded whatever the input (a 50 MB file, a
line with no end, /dev/zero) and a batch ends as soon as no further line is waiting: someone typing
into `translate` sees each translation at once, while a file is still read in full batches. Only "\\n"
ends a line (str.splitlines would also split at U+2028 and form feeds inside a sentence, and the
output would no longer line up with the input); a trailing "\\r" is dropped.
"""
from __future__ import annotations

import queue
import threading
from typing import BinaryIO, Callable, Iterator

# Far beyond any sentence (the models read at most a few hundred pieces), yet bounded.
MAX_LINE_CHARS = 10_000
BATCH_LINES = 64
# Lines read ahead of the translator: enough to fill the next batch while this one is translated.
READ_AHEAD = 4 * BATCH_LINES
_END = object()


def line_batches(source: BinaryIO, warn: Callable[[str], None], batch_lines: int = BATCH_LINES,
                 max_chars: int = MAX_LINE_CHARS) -> Iterator[list[str]]:
    """Batches of at most `batch_lines` lines, in input order; an over-long line is cut at `max_chars`
    characters with a warning that names its line number."""
    waiting: queue.Queue = queue.Queue(maxsize=READ_AHEAD)
    threading.Thread(target=_read, args=(source, waiting, warn, max_chars), daemon=True, name="input-reader").start()
    ended = False
    while not ended:
        batch, ended = _next_batch(waiting, batch_lines)
        if batch:
            yield batch


def _next_batch(waiting: queue.Queue, batch_lines: int) -> tuple[list[str], bool]:
    """Block for one line, then take whatever else is already waiting (up to batch_lines)."""
    batch: list[str] = []
    item = waiting.get()
    while True:
        if item is _END:
            return batch, True
        if isinstance(item, BaseException):
            raise item
        batch.append(item)
        if len(batch) >= batch_lines:
            return batch, False
        try:
            item = waiting.get_nowait()
        except queue.Empty:
            return batch, False


def _read(source: BinaryIO, waiting: queue.Queue, warn: Callable[[str], None], max_chars: int) -> None:
    limit = 4 * max_chars  # UTF-8 takes at most 4 bytes a character
    number = 0
    try:
        while True:
            raw = source.readline(limit)
            if not raw:
                break
            number += 1
            if not raw.endswith(b"\n") and len(raw) >= limit:
                _skip_rest_of_line(source, limit)
                warn(f"line {number} is longer than {max_chars:,} characters; only its beginning is read")
            text = raw.decode("utf-8", errors="replace").removesuffix("\n").removesuffix("\r")
            waiting.put(text[:max_chars])
    except OSError as exc:
        waiting.put(exc)
    waiting.put(_END)


def _skip_rest_of_line(source: BinaryIO, limit: int) -> None:
    while True:
        rest = source.readline(limit)
        if not rest or rest.endswith(b"\n"):
            return
