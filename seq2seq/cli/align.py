"""`align` command: word alignments from a model's attention, Pharaoh format (see `python -m seq2seq align -h`)."""
from __future__ import annotations

import sys

from seq2seq.analysis.alignment import align, parse_line, pharaoh
from seq2seq.decoding.translator import Translator
from seq2seq.errors import UserError


def align_command(translator: Translator, lines: list[str], min_weight: float) -> int:
    if not 0.0 <= min_weight <= 1.0:
        raise UserError(f"--min-weight must be between 0 and 1, got {min_weight}")
    parsed = [parse_line(line) for line in lines]
    for number, (line, pair) in enumerate(zip(lines, parsed), start=1):
        if pair is None:
            what = "empty line" if not line.strip() else "expected 'english words ||| french words' with words on both sides"
            print(f"warning: line {number}: {what}; its output line is empty", file=sys.stderr)
    good = [pair for pair in parsed if pair is not None]
    links = iter(align(translator, good, min_weight))
    for pair in parsed:
        sys.stdout.write((pharaoh(next(links)) if pair is not None else "") + "\n")
    return 0
