"""Attention as a grid of weights (output pieces × source pieces), the two ways the heatmap can
regroup it (without the end-of-sentence column, by whole words instead of subword pieces), and the
heatmap itself: the one the Translate page, the Lesson and a training run's probe all draw.

Each row is one output step's attention, a distribution over the source that sums to 1. Merging
pieces into words sums a row over the pieces of each source word (the attention the word got, so a
row still sums to 1) and averages over the pieces of each output word (the word's typical look).
"""
from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

from seq2seq.service import Trace
from studio.shared.charts.accessible import described
from studio.shared.charts.pieces import key, piece_axis
from studio.shared.text import show_piece

EOS = "</s>"
SPECIALS = ("</s>", "<s>", "<unk>", "<pad>")
WORD_START = "▁"  # SentencePiece marks the first piece of every word with it
# Heatmap cells: wide enough for a label rotated upright (font 11) and never wider than is useful.
MIN_CELL, MAX_CELL = 18, 34


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


def grid_frame(grid: AttentionGrid) -> pd.DataFrame:
    """Long format: one row per (output, source) cell with the attention weight, outputs in order."""
    rows = [
        {"output": key(i, out), "source": key(j, src), "output piece": show_piece(out), "source piece": show_piece(src),
         "weight": weight}
        for i, (out, row) in enumerate(zip(grid.outputs, grid.weights))
        for j, (src, weight) in enumerate(zip(grid.sources, row))
    ]
    return pd.DataFrame(rows, columns=["output", "source", "output piece", "source piece", "weight"])


def attention_frame(trace: Trace) -> pd.DataFrame:
    """One row per (output step, source position) with the attention weight."""
    grid = from_trace(trace)
    return grid_frame(grid) if grid is not None else grid_frame(AttentionGrid([], [], []))


def attention_grid(trace: Trace, hide_eos: bool = False, words: bool = False,
                   char_level: bool = False) -> AttentionGrid | None:
    """The trace's attention, optionally without </s> (rows renormalised) and by whole words."""
    grid = from_trace(trace)
    if grid is None:
        return None
    if words:
        grid = merged_words(grid, char_level)
    return with_eos_hidden(grid) if hide_eos else grid


def attention_heatmap(trace: Trace, hide_eos: bool = False, words: bool = False,
                      char_level: bool = False) -> alt.Chart | None:
    """Source pieces across, output pieces down; None for a model without attention."""
    grid = attention_grid(trace, hide_eos, words, char_level)
    return None if grid is None else grid_heatmap(grid)


def grid_heatmap(grid: AttentionGrid, max_width: int = 700) -> alt.Chart:
    labels = [show_piece(p) for p in grid.sources]
    cell = max(MIN_CELL, min(MAX_CELL, max_width // max(1, len(grid.sources))))
    chart = alt.Chart(grid_frame(grid)).mark_rect().encode(
        x=alt.X("source:O", title="source piece", axis=piece_axis(labels, orient="top")),
        y=alt.Y("output:O", title="output piece", axis=piece_axis([], labelAngle=0)),
        # Legend below: beside a wide grid with long output pieces it pushed the chart past its column.
        color=alt.Color("weight:Q", title="attention weight", scale=alt.Scale(scheme="blues", domain=[0, 1]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=["output piece:N", "source piece:N", alt.Tooltip("weight:Q", format=".3f")],
    ).properties(width=alt.Step(cell), height=alt.Step(cell))
    return described(chart, "Attention heatmap",
                     "Source pieces across the top, output pieces down the side; the darker a cell, the more "
                     "attention that output piece paid to that source piece. Each row sums to 1.")
