"""Vanishing gradients as a chart, drawn on the Inside page and in the Lesson: the gradient norm that
reaches a source piece against the recurrent steps it travelled, one line per cell (rnn, gru, lstm).
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from studio.shared.charts import palette
from studio.shared.charts.accessible import described

CELLS = ["rnn", "gru", "lstm"]
# Vermilion, green and blue stay apart under deuteranopia (benchmarks/colour_vision.py: rnn against lstm
# ΔE 108, where the red and green of before fell to 11); each cell also has its own dash and point shape.
CELL_COLORS = palette.by_category(CELLS, [palette.VERMILION, palette.BLUISH_GREEN, palette.BLUE])


def gradient_frame(curves: dict[str, dict[int, float]]) -> pd.DataFrame:
    """Long format: one row per (cell, distance) with the gradient norm."""
    rows = [{"cell": cell, "distance": d, "norm": norm} for cell, curve in curves.items() for d, norm in curve.items()]
    return pd.DataFrame(rows, columns=["cell", "distance", "norm"])


def gradient_chart(frame: pd.DataFrame) -> alt.Chart:
    """Gradient norm (log scale) against the number of recurrent steps it travelled, one line per cell."""
    cells = list(dict.fromkeys(frame["cell"]))
    order = CELLS if set(cells) <= set(CELLS) else cells
    colors = CELL_COLORS if order is CELLS else palette.by_category(order, palette.CATEGORICAL)
    legend = alt.Legend(orient="right", labelLimit=0, symbolStrokeWidth=2, symbolSize=80)
    chart = alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(size=40, filled=True)).encode(
        x=alt.X("distance:Q", title="distance: recurrent steps between source piece and output step"),
        y=alt.Y("norm:Q", title="gradient norm (log scale)", scale=alt.Scale(type="log")),
        # One legend for the three channels: the same field, title and order on each.
        color=alt.Color("cell:N", title="cell", scale=colors, legend=legend),
        strokeDash=alt.StrokeDash("cell:N", title="cell", scale=palette.by_category(order, palette.DASHES),
                                  legend=legend),
        shape=alt.Shape("cell:N", title="cell", scale=palette.by_category(order, palette.SHAPES), legend=legend),
        tooltip=["cell:N", "distance:Q", alt.Tooltip("norm:Q", format=".2e")],
    ).properties(height=280)
    return described(chart, "Vanishing gradients by cell type",
                     "One line per recurrent cell (rnn, gru, lstm), each with its own colour, dash and point shape: "
                     "the size of the gradient that reaches a source piece (log scale) against how many recurrent "
                     "steps it travelled. A line that falls steeply is a gradient that vanishes.")
