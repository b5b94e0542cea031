"""Exact nearest-neighbour search among the reference sample's states (numpy, no approximation).

The sample (a few thousand states) is small enough that a full scan is a single matrix-vector
product: exact answers in milliseconds, no index library needed. The sample itself is cached on
disk per checkpoint (state_sample.reference_sample); normalising it here is instant.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seq2seq.analysis.states import StateSample

METRICS = ("cosine", "euclidean")
CONTEXT = 4  # pieces shown either side of a neighbour's piece


@dataclass
class Neighbour:
    rank: int
    row: int  # row in the sample's family
    score: float  # cosine similarity (higher is nearer) or euclidean distance (lower is nearer)


class StateIndex:
    """Search over fixed states (N, D); `metric` is "cosine" or "euclidean"."""

    def __init__(self, states: np.ndarray, metric: str = "cosine"):
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}")
        self.metric = metric
        states = np.asarray(states, dtype=np.float64)
        self.size = len(states)
        self.sq_norms = (states ** 2).sum(axis=1)
        # Cosine needs only unit rows; zero vectors have no direction and score 0 against anything.
        self.matrix = states / np.maximum(np.sqrt(self.sq_norms), 1e-12)[:, None] if metric == "cosine" else states

    def scores(self, query: np.ndarray) -> np.ndarray:
        query = np.asarray(query, dtype=np.float64)
        if self.metric == "cosine":
            return self.matrix @ (query / max(float(np.linalg.norm(query)), 1e-12))
        squared = self.sq_norms - 2.0 * (self.matrix @ query) + float(query @ query)
        return np.sqrt(np.maximum(squared, 0.0))

    def search(self, query: np.ndarray, k: int) -> list[Neighbour]:
        """The k nearest rows, nearest first; ties keep sample order."""
        scores = self.scores(query)
        order = np.argsort(-scores if self.metric == "cosine" else scores, kind="stable")[:k]
        return [Neighbour(rank + 1, int(row), float(scores[row])) for rank, row in enumerate(order)]


def describe(sample: StateSample, family: str, neighbour: Neighbour, char_level: bool = False) -> dict:
    """Where a neighbour comes from: its training sentence, piece and the pieces around it.

    Character pieces are joined as they are; subword pieces back into words (a space where sentencepiece
    marks a word's start), the neighbour's own piece in brackets.
    """
    states = sample.families[family]
    sentence, position = int(states.sentence[neighbour.row]), int(states.position[neighbour.row])
    pieces = (sample.tgt_pieces if family == "decoder" else sample.src_pieces)[sentence]
    before, after = pieces[max(0, position - CONTEXT):position], pieces[position + 1:position + 1 + CONTEXT]
    if char_level:
        context = f"{''.join(before)} [{pieces[position]}] {''.join(after)}".strip()
    else:
        context = _subword_context(before, pieces[position], after)
    return {"rank": neighbour.rank, "score": round(neighbour.score, 4), "piece": pieces[position],
            "position": position + 1, "context": context,
            "source": sample.pairs[sentence].source, "target": sample.pairs[sentence].target}


WORD_START = "\u2581"  # sentencepiece's mark of a piece that starts a word


def _subword_context(before: list[str], piece: str, after: list[str]) -> str:
    """ "▁ai", "▁plac", "é", ["es"], "▁ma" -> "ai placé[es] ma": the words as written, the piece bracketed."""
    def words(pieces: list[str]) -> str:  # a special piece (</s>) stands apart like a word
        return "".join(p if p.startswith(WORD_START) or not p.startswith("<") else WORD_START + p for p in pieces)

    starts = piece.startswith(WORD_START) or piece.startswith("<")
    marked = f"{WORD_START if starts else ''}[{piece.removeprefix(WORD_START)}]"
    return " ".join((words(before) + marked + words(after)).replace(WORD_START, " ").split())
