"""The Translate page's charts: one sentence decoded three ways side by side, and the reference fed by
teacher forcing against the model's own choices (exposure bias). Pure functions from traces to Altair.
"""
from __future__ import annotations

import math

import altair as alt
import pandas as pd

from seq2seq.service import Trace
from studio.shared.charts import palette
from studio.shared.charts.accessible import described
from studio.shared.charts.pieces import CHIP_ROW_PX, KEY_LABEL, chip_step, key, piece_axis, steps_frame
from studio.shared.text import show_piece

# Log-probabilities below this all get the darkest colour: the scale stays comparable between sentences.
LOGPROB_MIN = -6.0


def strategies_frame(traces: dict[str, Trace]) -> pd.DataFrame:
    """One row per output piece of each decoding, with the log-probability the model gave it."""
    frames = [steps_frame(trace.steps).assign(strategy=name) for name, trace in traces.items()]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def strategies_chart(traces: dict[str, Trace], row_px: int = CHIP_ROW_PX) -> alt.LayerChart:
    """The strategies' outputs as rows of chips, one block of rows per strategy with its name before the
    first row: each output wraps onto as many rows of `row_px` as it needs, so that a long sentence stays
    a few hundred pixels tall; colour = log-probability of that piece."""
    frame = strategies_frame(traces)
    step_px = chip_step(frame["piece"].tolist())
    per_line = max(1, row_px // step_px)
    frame = frame.assign(line=(frame["step"] - 1) // per_line, col=(frame["step"] - 1) % per_line)
    # One row key per (strategy, line), numbered down the chart; only a block's first row shows its name, and
    # an empty row keeps the blocks apart.
    offsets, start = {}, 0
    for name in traces:
        offsets[name] = start
        lines = frame.loc[frame["strategy"] == name, "line"]
        start += (int(lines.max()) + 1 if len(lines) else 1) + 1
    rows = [f"{number:03d} " for number in range(max(0, start - 1))]
    for name, offset in offsets.items():
        rows[offset] += name
    frame["row"] = [rows[offsets[name] + line] for name, line in zip(frame["strategy"], frame["line"])]
    base = alt.Chart(frame).encode(
        x=alt.X("col:O", axis=None),
        y=alt.Y("row:O", title=None, scale=alt.Scale(domain=rows),
                axis=alt.Axis(labelExpr=KEY_LABEL, labelFontSize=13, labelFontWeight="bold", labelPadding=6,
                              ticks=False, domain=False, labelOverlap=False)),
        tooltip=["strategy:N", "step:Q", "piece:N", "id:Q", alt.Tooltip("logprob:Q", format=".3f"),
                 alt.Tooltip("probability:Q", format=".3f")],
    )
    # Dark = unlikely, as the entropy chips elsewhere: dark always means the model was unsure.
    color = alt.Color("logprob:Q", title="log p(piece)", legend=alt.Legend(orient="top", direction="horizontal",
                                                                            gradientLength=120, titleOrient="left"),
                      scale=alt.Scale(scheme="orangered", domain=[LOGPROB_MIN, 0], reverse=True, clamp=True))
    rect = base.mark_rect(cornerRadius=6, stroke="white", strokeWidth=3).encode(color=color)
    text = base.mark_text(fontSize=13).encode(text="piece:N", color=alt.condition(
        alt.datum.logprob < LOGPROB_MIN * 0.6, alt.value("white"), alt.value("black")))
    return described((rect + text).properties(width=alt.Step(step_px), height=alt.Step(34)),
                     "One sentence decoded by each strategy",
                     "A block of chips per decoding strategy, its name before its first row, one chip per output "
                     "piece; the darker a chip, the less likely the model found that piece.")


def exposure_frame(forced: Trace) -> pd.DataFrame:
    """Per reference piece: its teacher-forced probability and what the model would have picked."""
    return pd.DataFrame({
        "position": [key(s.index, s.chosen_piece) for s in forced.steps],
        "reference piece": [show_piece(s.chosen_piece) for s in forced.steps],
        "p(reference)": [math.exp(s.logprob) for s in forced.steps],
        "model's choice": [show_piece(s.top[0].piece) if s.top else "" for s in forced.steps],
        "p(model's choice)": [s.top[0].prob if s.top else float("nan") for s in forced.steps],
        "agrees": [bool(s.top) and s.top[0].token_id == s.chosen_id for s in forced.steps],
    })


# Streamlit's theme sizes a chart to fit its whole box, axes and legend included ("fit"): a chart given its
# column's width and 220 px kept a plot 40 px tall under slanted labels. Fitting the width only keeps the
# height for the plot.
FIT_WIDTH_ONLY = alt.AutoSizeParams(type="fit-x", contains="padding")

# Vega-Lite reads a field name as an access path: an apostrophe in "model's choice" broke the chart.
SERIES = {"p(reference)": "reference", "p(model's choice)": "model_choice"}
SERIES_TITLES = {"reference": "p(reference piece)", "model_choice": "p(model's own choice)"}


def exposure_chart(forced: Trace) -> alt.Chart:
    """Side-by-side bars per reference piece: the reference's probability and the model's own pick."""
    wide = exposure_frame(forced).rename(columns={"reference piece": "reference_piece", "model's choice": "choice",
                                                  **SERIES})
    frame = wide.melt(id_vars=["position", "reference_piece", "choice"], value_vars=list(SERIES.values()),
                      var_name="series", value_name="probability")
    frame["series"] = frame["series"].map(SERIES_TITLES)
    order = list(SERIES_TITLES.values())
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("position:O", title="reference piece", axis=piece_axis(wide["reference_piece"].tolist())),
        xOffset=alt.XOffset("series:N", sort=order),
        y=alt.Y("probability:Q", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("series:N", title=None, sort=order, legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=order, range=[palette.BLUE, palette.ORANGE])),
        tooltip=[alt.Tooltip("reference_piece:N", title="reference piece"),
                 alt.Tooltip("choice:N", title="model's own choice"), alt.Tooltip("series:N", title="bar"),
                 alt.Tooltip("probability:Q", format=".3f")],
    ).properties(height=220, autosize=FIT_WIDTH_ONLY)
    return described(chart, "Teacher forcing: the reference against the model's own choice",
                     "Two bars per reference piece, always in this order: first (blue) the probability the model "
                     "gave the reference piece, then (orange) the probability of the piece it would have chosen "
                     "itself.")
