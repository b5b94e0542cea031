"""Does attention or attribution explain an output piece? Remove the piece each one points at.

For one output step, the source piece with the highest attention weight and the one with the
highest score of each attribution method are removed in turn (replaced by padding: a zero
embedding that attention cannot look at either), and the output is scored again under teacher
forcing. The bigger the drop in p(piece), the better that pointer explained the model's choice.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from seq2seq.analysis.attribution import METHODS, Attribution
from seq2seq.symbols import PAD_ID
from seq2seq.decoding.forced import forced_logprobs
from seq2seq.nn.model import Seq2Seq

ATTENTION = "attention"
POINTERS = (ATTENTION, *METHODS)


@dataclass(frozen=True)
class Removal:
    pointer: str  # "attention" or an attribution method
    position: int  # the source piece removed
    prob_before: float  # p(piece) with the whole source, 0..1
    prob_after: float  # p(piece) with that source piece removed, 0..1

    @property
    def drop(self) -> float:
        """How much p(piece) fell, in probability points (0..1; negative when it rose)."""
        return self.prob_before - self.prob_after


def pointed_at(attribution: Attribution) -> dict[str, int]:
    """The source position each pointer picks: the largest weight or score (ties: the first)."""
    found = {method: _argmax(attribution.scores[method]) for method in METHODS}
    if attribution.attention is not None:
        found = {ATTENTION: _argmax(attribution.attention), **found}
    return found


def _argmax(values: list[float]) -> int:
    return max(range(len(values)), key=lambda i: (values[i], -i))


def removals(model: Seq2Seq, source: list[int], output_ids: list[int], attribution: Attribution) -> list[Removal]:
    """One `Removal` per pointer, all scored in one teacher-forced batch."""
    picks = pointed_at(attribution)
    positions = sorted(set(picks.values()))
    variants = [list(source)] + [_without(source, position) for position in positions]
    with torch.inference_mode():
        scored = forced_logprobs(model, variants, [list(output_ids)] * len(variants))
    probs = [math.exp(row[attribution.step]) for row in scored]
    after = dict(zip(positions, probs[1:]))
    return [Removal(pointer, position, probs[0], after[position]) for pointer, position in picks.items()]


def _without(source: list[int], position: int) -> list[int]:
    return [PAD_ID if i == position else piece for i, piece in enumerate(source)]


def winners(found: list[Removal]) -> list[str]:
    """The pointers whose removal hurt p(piece) most (several when they removed the same piece)."""
    best = max(removal.drop for removal in found)
    return [removal.pointer for removal in found if removal.drop >= best - 1e-12]
