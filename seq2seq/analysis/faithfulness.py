"""Does attention or attribution explain an output piece? Remove the piece each one points at.

For one output step, the source piece with the highest attention weight and the one with the
highest score of each attribution method are removed in turn (replaced by padding: a zero
embedding that attention cannot look at either), and the output is scored again under teacher
forcing. The bigger the drop in p(piece), the better that pointer explained the model's choice.
A contrastive explanation (`contrastive.py`: the chosen piece X against a candidate Y) gets the same
check on p(X | X or Y) = p(X) / (p(X) + p(Y)), the model's choice between the two.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from seq2seq.analysis.attribution import METHODS, Attribution
from seq2seq.analysis.contrastive import Contrast
from seq2seq.decoding.forced import forced_logprobs, teacher_forced
from seq2seq.nn.model import Seq2Seq
from seq2seq.symbols import PAD_ID

ATTENTION = "attention"
POINTERS = (ATTENTION, *METHODS)


@dataclass(frozen=True)
class Removal:
    pointer: str  # "attention" or an attribution method
    position: int  # the source piece removed
    prob_before: float  # p(piece) with the whole source, 0..1 (with a foil: p(X | X or Y))
    prob_after: float  # p(piece) with that source piece removed, 0..1 (with a foil: p(X | X or Y))

    @property
    def drop(self) -> float:
        """How much p(piece) fell, in probability points (0..1; negative when it rose)."""
        return self.prob_before - self.prob_after


def pointed_at(attribution: Attribution | Contrast) -> dict[str, int]:
    """The source position each pointer picks: the largest weight or score (ties: the first)."""
    found = {method: _argmax(attribution.scores[method]) for method in METHODS}
    if attribution.attention is not None:
        found = {ATTENTION: _argmax(attribution.attention), **found}
    return found


def _argmax(values: list[float]) -> int:
    return max(range(len(values)), key=lambda i: (values[i], -i))


def removals(model: Seq2Seq, source: list[int], output_ids: list[int],
             attribution: Attribution | Contrast) -> list[Removal]:
    """One `Removal` per pointer, all scored in one teacher-forced batch: p(piece), or for a `Contrast`
    p(X | X or Y)."""
    picks = pointed_at(attribution)
    positions = sorted(set(picks.values()))
    variants = [list(source)] + [_without(source, position) for position in positions]
    targets = [list(output_ids)] * len(variants)
    with torch.inference_mode():
        if isinstance(attribution, Contrast):
            logp = torch.log_softmax(teacher_forced(model, variants, targets).logits[:, attribution.step].float(), -1)
            # p(X) / (p(X) + p(Y)) = sigmoid(log p(X) − log p(Y))
            probs = torch.sigmoid(logp[:, attribution.target_id] - logp[:, attribution.foil_id]).tolist()
        else:
            probs = [math.exp(row[attribution.step]) for row in forced_logprobs(model, variants, targets)]
    after = dict(zip(positions, probs[1:]))
    return [Removal(pointer, position, probs[0], after[position]) for pointer, position in picks.items()]


def _without(source: list[int], position: int) -> list[int]:
    return [PAD_ID if i == position else piece for i, piece in enumerate(source)]


def winners(found: list[Removal]) -> list[str]:
    """The pointers whose removal hurt p(piece) most (several when they removed the same piece)."""
    best = max(removal.drop for removal in found)
    return [removal.pointer for removal in found if removal.drop >= best - 1e-12]
