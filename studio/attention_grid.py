"""Attention as a grid of weights (output pieces × source pieces) and the two ways the heatmap can
regroup it: without the end-of-sentence column, and by whole words instead of subword pieces.

Each row is one output step's attention, a distribution over the source that sums to 1. Merging
pieces into words sums a row over the pieces of each source word (the attention the word got, so a
row still sums to 1) and averages over the pieces of each output word (the word's typical look).
"""
from __future__ import annotations

from dataclasses import dataclass

from seq2seq.decoding.trace import Trace

EOS = "</s>"
SPECIALS = ("</s>", "<s>", "<unk>", "<pad>")
WORD_START = "▁"  # SentencePiece marks the first piece of every word with it


@dataclass(frozen=True)
class AttentionGrid:
    sources: list[str]  # column labels, in source order
    outputs: list[str]  # row labels, in output order
    weights: list[list[float]]  # one row per output, one weight per source column


def from_trace(trace: Trace) -> AttentionGrid | None:
    """The trace's attention; None for a model without attention."""
    steps = [step for step in trace.steps if step.attention is not None]
    if not steps:
        return None
    return AttentionGrid(list(trace.src_pieces), [s.chosen_piece for s in steps], [list(s.attention) for s in steps])


def with_eos_hidden(grid: AttentionGrid) -> AttentionGrid:
    """The </s> column dropped and each row renormalised to sum to 1 over the remaining pieces."""
    keep = [j for j, piece in enumerate(grid.sources) if piece != EOS]
    rows = []
    for row in grid.weights:
        kept = [row[j] for j in keep]
        total = sum(kept)
        rows.append([w / total for w in kept] if total > 0 else kept)
    return AttentionGrid([grid.sources[j] for j in keep], list(grid.outputs), rows)


def word_groups(pieces: list[str], char_level: bool) -> list[list[int]]:
    """Indices of the pieces making up each word, in order. Subwords: a word starts at a piece marked
    with ▁. Characters: a word runs between spaces, and each space is a group of its own. Special
    symbols such as </s> are always alone."""
    groups: list[list[int]] = []
    for index, piece in enumerate(pieces):
        starts = (piece in SPECIALS or piece == " " or (not char_level and piece.startswith(WORD_START))
                  or not groups or pieces[groups[-1][-1]] in SPECIALS or pieces[groups[-1][-1]] == " ")
        if starts:
            groups.append([index])
        else:
            groups[-1].append(index)
    return groups


def word_label(pieces: list[str], group: list[int]) -> str:
    text = "".join(pieces[i] for i in group)
    return text if text in SPECIALS else text.replace(WORD_START, "") or WORD_START


def merged_words(grid: AttentionGrid, char_level: bool) -> AttentionGrid:
    """Words instead of pieces: summed over each source word's pieces, averaged over each output word's."""
    src_groups, out_groups = word_groups(grid.sources, char_level), word_groups(grid.outputs, char_level)
    summed = [[sum(row[j] for j in group) for group in src_groups] for row in grid.weights]
    averaged = [[sum(summed[i][col] for i in group) / len(group) for col in range(len(src_groups))]
                for group in out_groups]
    return AttentionGrid([word_label(grid.sources, g) for g in src_groups],
                         [word_label(grid.outputs, g) for g in out_groups], averaged)
