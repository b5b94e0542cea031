"""Scores by length, drawn on the Inside page (a model against its no-attention twins, by source length)
and on the Train page (toy-task runs, exact match by input length): one line per model or run, a dot per
length bucket, the buckets in order of length. A pure function from a table to Altair.
"""
from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

from studio.shared.charts import palette
from studio.shared.charts.accessible import described


@dataclass(frozen=True)
class LengthColumns:
    """Which columns hold what. Each page keeps the names its own tables use (and its tests read)."""
    series: str  # one line each: "model" or "run"
    bucket: str  # a bucket's label, such as "6-10"
    order: str  # sorts the buckets by length: as text, "11-15" would come before "6-10"
    score: str


def length_chart(frame: pd.DataFrame, columns: LengthColumns, score_title: str, length_title: str,
                 fraction: bool = False, colors: alt.Scale | None = None) -> alt.LayerChart:
    """`fraction`: the score is a share from 0 to 1 (exact match), drawn in % on a fixed 0-100% axis; otherwise
    it is drawn as it is (BLEU), its axis fitted to the scores. `colors`: the series' hues (a page that draws
    the same runs elsewhere keeps each run's hue); by default the palette's, far apart. Each series also has
    its own point shape, in the order of the hues."""
    series = list(colors.domain) if colors is not None else list(dict.fromkeys(frame[columns.series]))
    legend = alt.Legend(orient="bottom", columns=1, labelLimit=0)
    order = list(dict.fromkeys(frame.sort_values(columns.order)[columns.bucket]))
    score = alt.Y(f"{columns.score}:Q", title=score_title)
    if fraction:
        score = score.scale(domain=[0, 1]).axis(format="%")
    base = alt.Chart(frame).encode(
        x=alt.X(f"{columns.bucket}:O", sort=order, title=length_title, axis=alt.Axis(labelAngle=0)),
        y=score,
        # One entry per line, below the chart and never cut: model names with their architecture are long.
        color=alt.Color(f"{columns.series}:N", title=columns.series,
                        scale=colors or palette.by_category(series, palette.CATEGORICAL), legend=legend),
        shape=alt.Shape(f"{columns.series}:N", title=columns.series, scale=palette.by_category(series, palette.SHAPES),
                        legend=legend),
        tooltip=[f"{columns.series}:N", f"{columns.bucket}:N", "sentences:Q",
                 alt.Tooltip(f"{columns.score}:Q", format=".1%" if fraction else ".1f", title=score_title)],
    )
    # "fit-x": the plot keeps its height and the legend (one line per series) goes below it, never
    # squeezing the plot until its axis title is cut.
    chart = (base.mark_line() + base.mark_point(size=80, filled=True, opacity=1)).properties(
        height=280, autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    return described(chart, f"{score_title} by {length_title}",
                     f"One line per {columns.series}, each with its own colour and point shape, a point per length "
                     f"bucket from the shortest to the longest: the {score_title} of its sentences in that bucket.")
