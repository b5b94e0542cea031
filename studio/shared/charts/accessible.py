"""What a screen reader announces for a chart. Vega names the chart's container (its aria-label) after the
Vega-Lite spec's top-level `description`; without one every chart reads "Vega visualization". Each chart
builder passes its chart through `described`, with a title and a sentence on how to read it.
"""
from __future__ import annotations

from typing import TypeVar

import altair as alt

Chart = TypeVar("Chart", bound=alt.TopLevelMixin)


def described(chart: Chart, title: str, how_to_read: str) -> Chart:
    """The chart announced as "title. how_to_read"; both must say something."""
    if not title.strip() or not how_to_read.strip():
        raise ValueError("a chart needs a title and a description for screen readers")
    return chart.properties(description=f"{title.strip().rstrip('.')}. {how_to_read.strip()}")
