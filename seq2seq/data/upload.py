"""Checks on a parallel-text file a user uploads to train on, before anything is written to disk.

Each check names the problem and, where it applies, the line, because that is what a user needs to
fix the file in an editor.
"""
from __future__ import annotations

from seq2seq.data.pairs import Pair, Split, parse_tsv, split_grouped
from seq2seq.errors import UserError

# Far above any corpus this app trains on in minutes, low enough to keep an upload in memory.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Below this the 2% valid/test splits are too small to score anything.
MIN_PAIRS = 200


def validate_tsv(data: bytes, name: str = "uploaded file", max_bytes: int = MAX_UPLOAD_BYTES) -> list[Pair]:
    """The sentence pairs of a `source<TAB>target` file, or a UserError saying what to fix."""
    if len(data) > max_bytes:
        raise UserError(f"{name} is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB")
    if not data.strip():
        raise UserError(f"{name} is empty; expected one `source<TAB>target` pair per line")
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        raise UserError(f"{name} looks binary (NUL byte on line {line}); upload a UTF-8 text file")
    if b"\t" not in data:
        raise UserError(f"{name} has no tab at all; separate source and target with a tab, one pair per line")
    pairs = parse_tsv(data.split(b"\n"), name)
    _check_split(split_grouped(pairs), len(pairs), name)
    return pairs


def _check_split(split: Split, count: int, name: str) -> None:
    if count < MIN_PAIRS:
        raise UserError(f"{name} has {count} sentence pairs; training needs at least {MIN_PAIRS}")
    if not split.valid or not split.test:
        raise UserError(f"{name} has too few distinct source sentences to hold out validation and test sets")
