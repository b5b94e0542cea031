"""Parallel text: reading sentence pairs from files and splitting them into train/valid/test.

Files are decoded line by line from bytes (not through a text wrapper) so that a bad byte
can be reported with its line number, which is what a user needs to fix the file. Splitting
bytes on b"\n" only also keeps line-aligned files aligned: str.splitlines() would also break
at U+2028 and friends, which do occur inside sentences.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from seq2seq.errors import UserError


@dataclass(frozen=True)
class Pair:
    source: str
    target: str


@dataclass
class Split:
    """Train/valid/test pairs plus the reference translations used for BLEU.

    `test` holds one pair per distinct test source (target = its first reference) and
    `test_refs[i]` lists every reference of `test[i].source`: Tatoeba often has several
    French translations of one English sentence, and scoring against all of them is fairer.
    `valid` keeps every pair (the validation loss should see them all); `valid_refs[i]`
    lists every reference of `valid[i].source`, so it is aligned with `valid`.
    """

    train: list[Pair]
    valid: list[Pair]
    test: list[Pair]
    test_refs: list[list[str]]
    valid_refs: list[list[str]] = field(default_factory=list)


def _open_binary(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    return open(path, "rb")


def decode_lines(lines: Iterable[bytes], name: str) -> Iterator[tuple[int, str]]:
    """Yield (line number, text without the newline); `name` is used in error messages."""
    lineno = 0
    try:
        for lineno, raw in enumerate(lines, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise UserError(
                    f"{name} line {lineno}: not UTF-8 text (bad byte at column {err.start + 1}); "
                    "save the file as UTF-8"
                ) from None
            if lineno == 1:
                text = text.removeprefix("\ufeff")  # Editors on Windows add a byte-order mark.
            yield lineno, text.rstrip("\r\n")
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise UserError(f"{name}: damaged gzip file after line {lineno} ({err})") from None


def read_lines(path: str | os.PathLike) -> list[str]:
    """All lines of a plain or .gz UTF-8 file, without newlines (blank lines kept)."""
    path = Path(path)
    try:
        with _open_binary(path) as handle:
            return [text for _, text in decode_lines(handle, str(path))]
    except FileNotFoundError:
        raise UserError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a folder, expected a text file") from None


def parse_tsv(lines: Iterable[bytes], name: str) -> list[Pair]:
    """Parse `source<TAB>target[<TAB>ignored...]` lines; blank lines are skipped.

    Columns after the second are ignored because newer manythings.org files add an
    attribution column.
    """
    pairs = []
    for lineno, text in decode_lines(lines, name):
        if not text.strip():
            continue
        fields = text.split("\t")
        if len(fields) < 2:
            raise UserError(f"{name} line {lineno}: no tab between source and target")
        source, target = fields[0].strip(), fields[1].strip()
        if not source or not target:
            side = "source" if not source else "target"
            raise UserError(f"{name} line {lineno}: empty {side} sentence")
        pairs.append(Pair(source, target))
    return pairs


def read_tsv(path: str | os.PathLike) -> list[Pair]:
    """Read a tab-separated parallel file (plain or .gz by suffix)."""
    path = Path(path)
    try:
        with _open_binary(path) as handle:
            return parse_tsv(handle, str(path))
    except FileNotFoundError:
        raise UserError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a folder, expected a .tsv file") from None


def zip_line_pairs(
    sources: Sequence[str], targets: Sequence[str], src_name: str, tgt_name: str
) -> list[Pair]:
    """Pair line-aligned sentences; lines where either side is blank are dropped."""
    if len(sources) != len(targets):
        raise UserError(
            f"{src_name} has {len(sources)} lines but {tgt_name} has {len(targets)}; "
            "line-aligned files must have the same number of lines"
        )
    # A blank side cannot be learned from or scored; real corpora have a few such lines.
    return [Pair(s.strip(), t.strip()) for s, t in zip(sources, targets) if s.strip() and t.strip()]


def read_line_pairs(src_path: str | os.PathLike, tgt_path: str | os.PathLike) -> list[Pair]:
    """Read two line-aligned files (plain or .gz), one sentence per line."""
    return zip_line_pairs(read_lines(src_path), read_lines(tgt_path), str(src_path), str(tgt_path))


def _group_key(source: str) -> str:
    # Case and spacing variants ("Go." / "go.") count as the same sentence, so they
    # cannot leak from train into test.
    return " ".join(source.casefold().split())


def _bucket(source: str, seed: int) -> float:
    """A number in [0, 1) that depends only on the sentence and seed (not on list order).

    hashlib rather than hash(): Python's str hash changes with every process.
    """
    digest = hashlib.sha256(f"{seed}\0{_group_key(source)}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def references_by_source(pairs: Iterable[Pair]) -> dict[str, list[str]]:
    """Every distinct target of each source, in first-seen order."""
    refs: dict[str, list[str]] = {}
    for pair in pairs:
        targets = refs.setdefault(pair.source, [])
        if pair.target not in targets:
            targets.append(pair.target)
    return refs


def _check_fractions(valid_fraction: float, test_fraction: float) -> None:
    if not (0 <= valid_fraction < 1 and 0 <= test_fraction < 1):
        raise UserError("valid and test fractions must each be between 0 and 1")
    if valid_fraction + test_fraction >= 1:
        raise UserError("valid + test fractions must leave something to train on (sum < 1)")


def split_grouped(
    pairs: Sequence[Pair], valid_fraction: float = 0.02, test_fraction: float = 0.02, seed: int = 1234
) -> Split:
    """Deterministic split grouped by source sentence.

    Each source goes to a side by a stable hash, so adding pairs or shuffling the file never
    moves an existing sentence to another side, and one source is never on two sides.
    """
    _check_fractions(valid_fraction, test_fraction)
    train, valid, test = [], [], []
    for pair in pairs:
        u = _bucket(pair.source, seed)
        side = test if u < test_fraction else valid if u < test_fraction + valid_fraction else train
        side.append(pair)
    test_map = references_by_source(test)
    valid_map = references_by_source(valid)
    return Split(
        train=train,
        valid=valid,
        test=[Pair(src, refs[0]) for src, refs in test_map.items()],
        test_refs=list(test_map.values()),
        valid_refs=[valid_map[p.source] for p in valid],
    )


def split_given(train: Sequence[Pair], valid: Sequence[Pair], test: Sequence[Pair]) -> Split:
    """Wrap an official split; each sentence keeps its one reference, so line counts stay
    those of the published test sets (needed to compare BLEU with papers)."""
    return Split(
        train=list(train),
        valid=list(valid),
        test=list(test),
        test_refs=[[p.target] for p in test],
        valid_refs=[[p.target] for p in valid],
    )


def unique_with_refs(pairs: Sequence[Pair], refs: Sequence[list[str]]) -> tuple[list[str], list[list[str]]]:
    """Distinct sources in order, each with all its references (for BLEU / exact match)."""
    seen: dict[str, list[str]] = {}
    for i, pair in enumerate(pairs):
        seen.setdefault(pair.source, refs[i] if i < len(refs) else [pair.target])
    return list(seen), list(seen.values())
