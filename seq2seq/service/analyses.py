"""Analyses for the app, as plain arrays and rows: the reference sample of hidden states and its
2-D projections, unit rankings, nearest training states; word-swap counterfactuals and scores by
length come straight from the engine (re-exported here).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seq2seq.analysis import units
from seq2seq.analysis.bottleneck import cached_scores, scores_by_length
from seq2seq.analysis.counterfactual import (
    Counterfactual,
    counterfactual,
    known_word,
    reads_words,
    similar_words,
    source_words,
    swap_word,
)
from seq2seq.analysis.neighbours import METRICS, StateIndex, describe
from seq2seq.analysis.projection import SPACES, Projection, cached_spaces, fit_spaces
from seq2seq.analysis.states import FAMILIES, StateSample, collect_states, reference_sample, trace_states
from seq2seq.data.pairs import Pair
from seq2seq.decoding.translator import Translator

__all__ = ["FAMILIES", "METRICS", "SPACES", "Counterfactual", "Reference", "StateIndex", "background", "cached_scores",
           "counterfactual", "explained", "known_word", "nearest", "project", "reads_words", "scores_by_length",
           "similar_words", "source_words", "state_index", "swap_word", "trace_states", "training_reference",
           "typed_reference", "unit_order"]


@dataclass
class Reference:
    """States of many sentences run through the model, and one PCA per space ("encoder", "decoder")."""
    sample: StateSample
    spaces: dict[str, Projection]

    @property
    def origin(self) -> str:
        return self.sample.origin  # "train" or "typed"

    @property
    def sentences(self) -> int:
        return len(self.sample.pairs)

    def states_in(self, space: str) -> int:
        return self.spaces[space].n_states


def training_reference(translator: Translator, checkpoint: Path) -> Reference:
    """The model's own training data as the reference (cached on disk); UserError when it is not here."""
    sample = reference_sample(translator, checkpoint)
    return Reference(sample, cached_spaces(sample, checkpoint))


def typed_reference(translator: Translator, pairs: list[tuple[str, str]]) -> Reference:
    """Fallback without training data: (source, translation) pairs the user typed are the reference."""
    sample = collect_states(translator, [Pair(s, t) for s, t in pairs], "typed")
    return Reference(sample, fit_spaces(sample))


def project(reference: Reference, space: str, states: np.ndarray, components: tuple[int, int]) -> np.ndarray:
    """(N, D) states -> (N, 2) coordinates on the two principal components asked for (from 0)."""
    return reference.spaces[space].transform(states)[:, list(components)]


def explained(reference: Reference, space: str) -> list[float]:
    """Share of the reference's variance along each principal component, 0-1."""
    return [float(r) for r in reference.spaces[space].explained_ratio]


def background(reference: Reference, space: str, components: tuple[int, int], limit: int) -> np.ndarray:
    """An evenly spaced subset (about `limit`) of the reference's states in this space, as (n, 2) coordinates."""
    found = [reference.sample.families[f].states for f in SPACES[space] if f in reference.sample.families]
    states = np.concatenate(found)
    return project(reference, space, states[:: max(1, len(states) // limit)], components)


def unit_order(activations: np.ndarray, marks: list[bool] | None = None) -> list[int]:
    """Unit indices, most interesting first: by variance over time, or (with `marks`, one per row) by how
    closely the unit rises or falls where the marks are set."""
    if marks is None:
        return units.rank_units(activations, "variance")[0].tolist()
    return units.rank_units(activations, "correlation", np.array(marks, dtype=float))[0].tolist()


def state_index(reference: Reference, family: str, metric: str) -> StateIndex:
    return StateIndex(reference.sample.families[family].states, metric)


def nearest(reference: Reference, index: StateIndex, family: str, state: np.ndarray, count: int,
            char_level: bool) -> list[dict]:
    """The `count` reference states nearest to `state`, each with its training sentence and context."""
    return [describe(reference.sample, family, hit, char_level) for hit in index.search(state, count)]
