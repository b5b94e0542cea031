"""The app's chart colours, in one place: the Okabe-Ito palette (Okabe & Ito, "Color Universal Design",
2008), whose eight colours stay apart for readers with any of the common colour-vision deficiencies, and the
second channels (dashes, point shapes) that every chart telling categories apart by colour also uses.
.streamlit/config.toml gives charts that set no colours of their own the same palette.

benchmarks/colour_vision.py measures how far apart a chart's colours stay under simulated deuteranopia.
"""
from __future__ import annotations

import altair as alt

BLUE = "#0072B2"
VERMILION = "#D55E00"
BLUISH_GREEN = "#009E73"
REDDISH_PURPLE = "#CC79A7"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
YELLOW = "#F0E442"
BLACK = "#000000"
# Light blue-grey for "everything else" beside a highlighted category (alternatives, other words).
MUTED = "#9db4c0"
# Categories in this order: neighbours in the list stay far apart under deuteranopia and protanopia.
CATEGORICAL = [BLUE, VERMILION, BLUISH_GREEN, REDDISH_PURPLE, ORANGE, SKY_BLUE, YELLOW, BLACK]
# The second channel for lines and points, in the same order: solid first, then dashes easy to tell apart.
DASHES = [[1, 0], [8, 4], [2, 3], [10, 3, 2, 3], [4, 4], [1, 6], [14, 4], [6, 2, 2, 2]]
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "triangle-left", "triangle-right"]


def by_category(categories: list[str], values: list) -> alt.Scale:
    """A scale giving the i-th category the i-th value (colours, dashes or shapes), repeating past the end."""
    return alt.Scale(domain=list(categories), range=[values[i % len(values)] for i in range(len(categories))])


def outlined(field: str, categories: list[str], highlighted: str, others: str | None = None, width: float = 2) -> dict:
    """Encodings that frame the marks of the `highlighted` one of `categories` in black: the highlighted bar or
    chip is told apart by its outline as well as by its colour. `others`: the outline the other marks keep
    (chips separated by white), none by default. (Scales rather than conditions: Altair parses a condition
    again on every build.)"""
    strokes = [BLACK if c == highlighted else others or "transparent" for c in categories]
    widths = [width if c == highlighted or others else 0 for c in categories]
    return {"stroke": alt.Stroke(f"{field}:N", scale=alt.Scale(domain=list(categories), range=strokes), legend=None),
            "strokeWidth": alt.StrokeWidth(f"{field}:N", scale=alt.Scale(domain=list(categories), range=widths),
                                           legend=None)}
