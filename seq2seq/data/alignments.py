"""Statistical word alignments of the training pairs (eflomal), the targets of guided-alignment training.

eflomal aligns the pairs as sequences of subword ids, so its links are between exactly the pieces the
model reads and writes (on the Hansards trial set, piece-level links mapped back to words score an
AER of ~14 against ~12 for word-level links). They are computed once per set of encoded pairs (about
a minute for Tatoeba's 134k pairs on two cores) and cached under the data cache.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from pathlib import Path

from seq2seq.data.corpora import cache_dir
from seq2seq.files import atomic_write

Links = list[tuple[int, int]]  # (target piece, source piece), 0-based, per pair


def piece_links(sources: list[list[int]], targets: list[list[int]]) -> list[Links]:
    """For every pair of id sequences (no special symbols), eflomal's forward links, cached by content."""
    path = cache_dir("alignments") / f"{_digest(sources, targets)}.txt.gz"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        text = _run_eflomal(sources, targets)
        atomic_write(path, lambda tmp: _write_gzip(tmp, text))
    with gzip.open(path, "rt", encoding="ascii") as handle:
        lines = handle.read().split("\n")[: len(sources)]
    return [_parse(line) for line in lines]


def _digest(sources: list[list[int]], targets: list[list[int]]) -> str:
    digest = hashlib.sha256()
    for src, tgt in zip(sources, targets):
        digest.update(f"{src}|{tgt}\n".encode())
    return digest.hexdigest()[:24]


def _run_eflomal(sources: list[list[int]], targets: list[list[int]]) -> str:
    import eflomal  # compiled aligner, needed only when guided alignment is on

    as_text = [" ".join(map(str, ids)) for ids in sources], [" ".join(map(str, ids)) for ids in targets]
    with tempfile.TemporaryDirectory() as folder:
        forward = os.path.join(folder, "forward")
        eflomal.Aligner().align(*as_text, links_filename_fwd=forward, quiet=True)
        return Path(forward).read_text(encoding="ascii")


def _write_gzip(path: Path, text: str) -> None:
    with gzip.open(path, "wt", encoding="ascii") as handle:
        handle.write(text)


def _parse(line: str) -> Links:
    """eflomal writes `src-tgt` pairs; the trainer wants (target, source)."""
    links = []
    for item in line.split():
        src, _, tgt = item.partition("-")
        links.append((int(tgt), int(src)))
    return links
