"""`align` command: word alignments from a model's attention, Pharaoh format (see `python -m seq2seq align -h`)."""
from __future__ import annotations

import sys

from seq2seq.analysis.alignment import METHODS, align, parse_line, pharaoh
from seq2seq.decoding.translator import Translator
from seq2seq.errors import UserError


class Aligner:
    """Writes one output line per input line, batch after batch, numbering lines across batches."""

    def __init__(self, translator: Translator, min_weight: float, method: str = "argmax"):
        if not 0.0 <= min_weight <= 1.0:
            raise UserError(f"--min-weight must be between 0 and 1, got {min_weight}")
        if method not in METHODS:
            raise UserError(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
        self.translator, self.min_weight, self.method = translator, min_weight, method
        self.lines_done = 0

    def write(self, lines: list[str]) -> None:
        parsed = [parse_line(line) for line in lines]
        numbers = [self.lines_done + i + 1 for i in range(len(lines))]
        for number, line, pair in zip(numbers, lines, parsed):
            if pair is None:
                what = ("empty line" if not line.strip()
                        else "expected 'english words ||| french words' with words on both sides")
                _warn(f"line {number}: {what}; its output line is empty")
        good = [(number, pair) for number, pair in zip(numbers, parsed) if pair is not None]
        links = iter(align(self.translator, [pair for _, pair in good], self.min_weight, self.method,
                           on_cut=lambda index: self._cut(good[index][0])))
        for pair in parsed:
            sys.stdout.write((pharaoh(next(links)) if pair is not None else "") + "\n")
        sys.stdout.flush()
        self.lines_done += len(lines)

    def _cut(self, number: int) -> None:
        config = self.translator.model.config
        _warn(f"line {number}: longer than the model reads ({config.max_src_len} English / {config.max_tgt_len} "
              "French pieces); the words past that get no link")


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)
