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

from seq2seq.errors import UserError

# Far beyond any sentence (the models read at most a few hundred pieces), yet bounded.
MAX_LINE_CHARS = 10_000
# A line still without its end after this many bytes is no sentence but a device (/dev/zero) or a binary file:
# reading stops with an error instead of skipping forever (at full CPU) to an end that never comes.
MAX_LINE_BYTES = 64 * 2**20
BATCH_LINES = 64
# Lines read ahead of the translator: enough to fill the next batch while this one is translated.
READ_AHEAD = 4 * BATCH_LINES
_END = object()


def line_batches(source: BinaryIO, warn: Callable[[str], None], batch_lines: int = BATCH_LINES,
                 max_chars: int = MAX_LINE_CHARS, max_bytes: int = MAX_LINE_BYTES) -> Iterator[list[str]]:
    """Batches of at most `batch_lines` lines, in input order; an over-long line is cut at `max_chars`
    characters with a warning that names its line number, given as soon as the line passes the cut. A line
    with no end after `max_bytes` bytes ends the input with a UserError, after the lines before it."""
    waiting: queue.Queue = queue.Queue(maxsize=READ_AHEAD)
    threading.Thread(target=_read, args=(source, waiting, warn, max_chars, max_bytes), daemon=True,
                     name="input-reader").start()
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


def _read(source: BinaryIO, waiting: queue.Queue, warn: Callable[[str], None], max_chars: int,
          max_bytes: int) -> None:
    limit = 4 * max_chars  # UTF-8 takes at most 4 bytes a character
    number = 0
    try:
        while True:
            raw = source.readline(limit)
            if not raw:
                break
            number += 1
            if not raw.endswith(b"\n") and len(raw) >= limit:
                warn(f"line {number} is longer than {max_chars:,} characters; only its beginning is read")
                if not _skip_rest_of_line(source, limit, max_bytes - len(raw)):
                    waiting.put(UserError(f"line {number} has no end after {max_bytes / 2**20:g} MB, so the input is "
                                          "not one sentence per line (a device such as /dev/zero, or a binary "
                                          "file?); give a text file"))
                    return
            text = raw.decode("utf-8", errors="replace").removesuffix("\n").removesuffix("\r")
            waiting.put(text[:max_chars])
    except OSError as exc:
        waiting.put(UserError(f"cannot read the input ({exc.strerror or exc})"))
    waiting.put(_END)


def _skip_rest_of_line(source: BinaryIO, limit: int, budget: int) -> bool:
    """Read past the rest of the line; False when `budget` bytes go by without its end."""
    while budget > 0:
        rest = source.readline(min(limit, budget))
        if not rest or rest.endswith(b"\n"):
            return True
        budget -= len(rest)
    return False
