"""Explanations beyond attention, for the app: attribution of one output piece with its faithfulness
check (and of the piece chosen against another candidate: a contrastive explanation), the gradient that
reaches each source piece (vanishing gradients), and pattern search over hidden units. Everything comes
back as plain dataclasses, lists and arrays.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seq2seq import catalog
from seq2seq.analysis import attribution, contrastive, faithfulness, gradient_flow, patterns
from seq2seq.analysis.patterns import THRESHOLDS as PATTERN_THRESHOLDS
from seq2seq.analysis.patterns import ThresholdCount, suggested_threshold, threshold_hint
from seq2seq.analysis.readings import CellReading, gradient_sentence, gradient_summary, read_cells
from seq2seq.catalog import ModelInfo
from seq2seq.data.toy import REFERENCES
from seq2seq.decoding.translator import Translator
from seq2seq.errors import UserError
from seq2seq.service.analyses import Reference

__all__ = ["ATTRIBUTION_LABELS", "ATTRIBUTION_METHODS", "GRADIENT_MODELS", "PATTERN_THRESHOLD", "PATTERN_THRESHOLDS",
           "CellReading", "GradientCurve", "PatternMatch", "PatternResult", "PieceAttribution", "PieceContrast",
           "Removal", "ThresholdCount", "explain_contrast", "explain_piece", "gradient_curve", "gradient_models",
           "gradient_reference", "gradient_sentence", "gradient_summary", "pattern_search", "pattern_thresholds",
           "read_cells", "suggested_threshold", "threshold_hint"]

ATTRIBUTION_METHODS = attribution.METHODS
ATTRIBUTION_LABELS = {**attribution.LABELS, faithfulness.ATTENTION: "attention"}
# The three shipped models trained the same way (reverse up to 30 letters, no attention, one-way
# encoder) that differ only in their cell: the Inside page's vanishing-gradient chart compares them.
GRADIENT_MODELS = {"rnn": "grad-rnn", "gru": "grad-gru", "lstm": "grad-lstm"}
PATTERN_THRESHOLD = patterns.DEFAULT_THRESHOLD
Removal = faithfulness.Removal


@dataclass(frozen=True)
class PieceAttribution:
    step: int  # output step explained, from 0
    piece: str  # the output piece
    prob: float  # p(piece), 0..1
    src_pieces: list[str]
    scores: dict[str, list[float]]  # method -> one score per source piece
    attention: list[float] | None  # weights of the same step (None without attention)
    baseline_logprob: float  # log p(piece) with every source embedding at zero
    completeness_gap: float  # Σ integrated gradients − (log p − baseline log p); ~0
    removals: list[Removal]  # the faithfulness check, one per pointer
    winners: list[str]  # pointers whose removal cost p(piece) the most


def explain_piece(translator: Translator, text: str, output_ids: list[int], step: int) -> PieceAttribution:
    """Attribution of output piece `step` of `output_ids` (the trace's output; EOS is the last step)
    to the source pieces, and what removing the top piece of each pointer does to p(piece)."""
    source, _ = translator.source_ids(text)
    found = attribution.attribute(translator.model, source, list(output_ids), step)
    removed = faithfulness.removals(translator.model, source, list(output_ids), found)
    return PieceAttribution(step, translator.tgt.piece(found.target_id), float(np.exp(found.logprob)),
                            [translator.src.piece(i) for i in source], found.scores, found.attention,
                            found.baseline_logprob, found.completeness_gap, removed, faithfulness.winners(removed))


@dataclass(frozen=True)
class PieceContrast:
    """Why the output has piece X at `step` rather than the candidate Y: attribution of log p(X) − log p(Y)."""
    step: int  # output step explained, from 0
    piece: str  # X, the piece the output has at this step
    foil: str  # Y, the candidate it is contrasted with
    prob: float  # p(X), 0..1
    foil_prob: float  # p(Y), 0..1
    src_pieces: list[str]
    output_pieces: list[str]  # the output pieces before this step, which the decoder read
    scores: dict[str, list[float]]  # method -> one score per source piece (> 0: toward X, < 0: toward Y)
    output_scores: dict[str, list[float]]  # method -> one score per output piece before this step
    attention: list[float] | None  # weights of the same step (None without attention)
    contrast: float  # log p(X) − log p(Y), nats
    baseline_contrast: float  # the same with every attributed embedding at zero
    completeness_gap: float  # Σ integrated gradients − (contrast − baseline contrast); ~0
    removals: list[Removal]  # the faithfulness check on p(X | X or Y), one per pointer
    winners: list[str]  # pointers whose removal cost p(X | X or Y) the most


def explain_contrast(translator: Translator, text: str, output_ids: list[int], step: int,
                     foil_id: int) -> PieceContrast:
    """Which source pieces and earlier output pieces push output step `step` of `output_ids` toward its
    piece rather than the candidate `foil_id`, and what removing the top source piece of each pointer
    does to p(X | X or Y)."""
    source, _ = translator.source_ids(text)
    output_ids = list(output_ids)
    found = contrastive.contrast(translator.model, source, output_ids, step, foil_id)
    removed = faithfulness.removals(translator.model, source, output_ids, found)
    return PieceContrast(step, translator.tgt.piece(found.target_id), translator.tgt.piece(foil_id),
                         float(np.exp(found.logprob)), float(np.exp(found.foil_logprob)),
                         [translator.src.piece(i) for i in source],
                         [translator.tgt.piece(i) for i in output_ids[:step]],
                         found.scores, found.output_scores, found.attention, found.contrast, found.baseline_contrast,
                         found.completeness_gap, removed, faithfulness.winners(removed))


@dataclass(frozen=True)
class GradientCurve:
    src_pieces: list[str]
    out_pieces: list[str]  # the target the loss is measured against, EOS last
    norms: np.ndarray  # (T_out, T_src) gradient norm of step t's loss at source piece j
    distances: np.ndarray  # (T_out, T_src) recurrent steps between them

    def by_distance(self, step: int | None = None) -> dict[int, float]:
        """Distance -> gradient norm of one output step, or the geometric mean over all steps."""
        return gradient_flow.GradientFlow(self.norms, self.distances).curve(step)


def gradient_models() -> dict[str, ModelInfo]:
    """Cell -> the shipped vanishing-gradient model with that cell, for those present on this machine."""
    found = {}
    for cell, name in GRADIENT_MODELS.items():
        try:
            found[cell] = catalog.find_model(name)
        except UserError:
            continue
    return found


def gradient_reference(translator: Translator, text: str) -> str:
    """What the loss is measured against: the right answer for toy tasks that have one (copy,
    reverse, sort), else the model's own greedy output."""
    data = translator.bundle.train_config.data
    task = data[4:] if data.startswith("toy:") else None
    if task in REFERENCES:
        return REFERENCES[task](text)
    return translator.translate([text])[0]


def gradient_curve(translator: Translator, text: str) -> GradientCurve:
    if not text.strip():
        raise UserError("type an input first")
    source, _ = translator.source_ids(text)
    target = translator.target_ids(gradient_reference(translator, text))
    flow = gradient_flow.gradient_flow(translator.model, source, target)
    return GradientCurve([translator.src.piece(i) for i in source],
                         [translator.tgt.piece(i) for i in target] + ["</s>"], flow.norms, flow.distances)


@dataclass(frozen=True)
class PatternMatch:
    pieces: list[str]  # the sample sentence's pieces in the searched family
    start: int  # matched run, inclusive
    end: int
    source: str  # the sample sentence's source text


@dataclass(frozen=True)
class PatternResult:
    units: list[int]  # units on over the selected span
    matches: list[PatternMatch]
    searched: int  # sentences searched


def pattern_search(reference: Reference, family: str, activations: np.ndarray, start: int, end: int,
                   threshold: float = PATTERN_THRESHOLD) -> PatternResult:
    """Units on over positions start..end of `activations` (one sentence, (T, H), of `family`), and the
    reference sample's runs at least as long where the same units are all on."""
    sample = reference.sample
    if family not in sample.families:
        raise UserError(f"the reference sample has no {family} states")
    states = sample.families[family]
    units = patterns.units_on(activations, start, end, threshold)
    found = patterns.find_matches(states.states, states.sentence, states.position, units, threshold,
                                  end - start + 1)
    pieces = sample.tgt_pieces if family == "decoder" else sample.src_pieces
    matches = [PatternMatch(pieces[m.sentence], m.start, m.end, sample.pairs[m.sentence].source) for m in found]
    return PatternResult(units, matches, len(sample.pairs))


def pattern_thresholds(reference: Reference, family: str, activations: np.ndarray, start: int,
                       end: int) -> list[ThresholdCount]:
    """What pattern_search of this span finds at each threshold the view offers (units on, runs found):
    the view's default threshold and its hint which way to move it come from this."""
    sample = reference.sample
    if family not in sample.families:
        raise UserError(f"the reference sample has no {family} states")
    states = sample.families[family]
    return patterns.threshold_scan(activations, start, end, states.states, states.sentence, states.position)
