"""Vanishing gradients as a chart, drawn on the Inside page and in the Lesson: the gradient norm that
reaches a source piece against the recurrent steps it travelled, one line per cell (rnn, gru, lstm).
"""
from __future__ import annotations

import altair as alt
import pandas as pd

CELL_COLORS = alt.Scale(domain=["rnn", "gru", "lstm"], range=["#e4572e", "#17becf", "#2ca02c"])


def gradient_frame(curves: dict[str, dict[int, float]]) -> pd.DataFrame:
    """Long format: one row per (cell, distance) with the gradient norm."""
    rows = [{"cell": cell, "distance": d, "norm": norm} for cell, curve in curves.items() for d, norm in curve.items()]
    return pd.DataFrame(rows, columns=["cell", "distance", "norm"])


def gradient_chart(frame: pd.DataFrame) -> alt.Chart:
    """Gradient norm (log scale) against the number of recurrent steps it travelled, one line per cell."""
    cells = list(dict.fromkeys(frame["cell"]))
    scale = CELL_COLORS if set(cells) <= set(CELL_COLORS.domain) else alt.Scale()
    return alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=alt.X("distance:Q", title="distance: recurrent steps between source piece and output step"),
        y=alt.Y("norm:Q", title="gradient norm (log scale)", scale=alt.Scale(type="log")),
        color=alt.Color("cell:N", title="cell", scale=scale, legend=alt.Legend(orient="right", labelLimit=0)),
        tooltip=["cell:N", "distance:Q", alt.Tooltip("norm:Q", format=".2e")],
    ).properties(height=280)
