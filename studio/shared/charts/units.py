"""Hidden units over time as a heatmap, drawn on the Inside page (units and gates) and in the Lesson
(the encoder's busiest units): one row per unit in the order chosen, one column per piece.
"""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from studio.shared.charts.accessible import described
from studio.shared.charts.pieces import key, piece_axis
from studio.shared.text import show_piece


def unit_frame(activations, units: list[int], pieces: list[str]) -> pd.DataFrame:
    """Long table of the chosen units (in display order) × time for a heatmap; `activations` is (T, H)."""
    activations = np.asarray(activations, dtype=float)
    rows = [{"unit": f"unit {u}", "rank": rank, "key": key(t + 1, pieces[t]), "step": t + 1,
             "piece": show_piece(pieces[t]), "value": float(activations[t, u])}
            for rank, u in enumerate(units) for t in range(len(pieces))]
    return pd.DataFrame(rows, columns=["unit", "rank", "key", "step", "piece", "value"])


def unit_heatmap(frame: pd.DataFrame, value_title: str, domain: tuple[float, float] | None = None) -> alt.Chart:
    """Units (rows, in the chosen order) × time (columns): colour = activation, diverging around 0."""
    if domain is None:
        bound = max(float(frame["value"].abs().max()), 1e-6) if len(frame) else 1.0
        domain = (-bound, bound)
    scheme = "blueorange" if domain[0] < 0 else "greens"
    order = frame.drop_duplicates("unit").sort_values("rank")["unit"].tolist()
    chart = alt.Chart(frame).mark_rect().encode(
        x=alt.X("key:O", title="piece (position)", axis=piece_axis(frame["piece"].drop_duplicates().tolist())),
        y=alt.Y("unit:O", sort=order, title=None, axis=alt.Axis(labelOverlap=False, labelFontSize=10)),
        color=alt.Color("value:Q", title=value_title, scale=alt.Scale(scheme=scheme, domain=list(domain), clamp=True)),
        tooltip=["unit:N", "step:Q", "piece:N", alt.Tooltip("value:Q", format=".3f")],
    ).properties(height=alt.Step(14), width=alt.Step(22))
    return described(chart, f"Hidden units over the sentence: {value_title}",
                     "A heatmap with one row per unit and one column per piece of the sentence; the colour of a "
                     "cell is the unit's value as it reads that piece"
                     + (", blue for negative and orange for positive." if domain[0] < 0 else ", darker for more."))
