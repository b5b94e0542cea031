"""The Step-by-step page's own charts: where the decoder looked at one step, and the beam's hypotheses
after one step written out in full. Pure functions from a step's record to Altair or a table.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from seq2seq.service import BeamNode, StepTrace
from studio.shared.charts.accessible import described
from studio.shared.charts.pieces import key, piece_axis
from studio.shared.text import show_piece


def step_attention_chart(step: StepTrace, src_pieces: list[str]) -> alt.Chart | None:
    """Where the decoder looked while choosing this step's piece: one bar per source piece, top to
    bottom in source order, so that every piece keeps a readable label however long the sentence."""
    if step.attention is None:
        return None
    return step_attention_chart_of(step_attention_frame(step, src_pieces))


def step_attention_frame(step: StepTrace, src_pieces: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"source": [key(j, p) for j, p in enumerate(src_pieces)],
                         "source piece": [show_piece(p) for p in src_pieces], "weight": step.attention})


def step_attention_chart_of(frame: pd.DataFrame) -> alt.Chart:
    """step_attention_chart for a step_attention_frame: the chart depends on nothing but its rows."""
    chart = alt.Chart(frame).mark_bar(color="#3a7ca5").encode(
        y=alt.Y("source:O", title="source piece", axis=piece_axis([], labelAngle=0)),
        x=alt.X("weight:Q", title="attention weight", scale=alt.Scale(domain=[0, 1])),
        tooltip=["source piece:N", alt.Tooltip("weight:Q", format=".3f")],
    ).properties(height=alt.Step(18))
    return described(chart, "Attention at this step",
                     "One bar per source piece, in source order: how much attention the decoder paid to it while "
                     "choosing this step's piece. The bars sum to 1.")


def beam_step_table(nodes: list[BeamNode], step: int) -> pd.DataFrame:
    """The hypotheses the search held after `step` (from 1), best first, each written out in full."""
    by_id = {n.node_id: n for n in nodes}
    rows = []
    for node in sorted((n for n in nodes if n.step + 1 == step), key=lambda n: -n.score):
        pieces, cursor = [], node
        while cursor is not None:
            pieces.append(show_piece(cursor.piece))
            cursor = by_id.get(cursor.parent) if cursor.parent is not None and cursor.parent >= 0 else None
        rows.append({"hypothesis": " ".join(reversed(pieces)), "last piece": show_piece(node.piece),
                     "log p (total)": round(node.score, 3), "status": node.status})
    return pd.DataFrame(rows, columns=["hypothesis", "last piece", "log p (total)", "status"])
