"""The Train page's charts: pure functions from the trainer's events (or a table of several runs'
curves) to Altair charts.

Train and validation curves share one chart per quantity, coloured by split with a legend, so
overfitting shows as the two lines parting. Several runs overlaid get one colour each.
"""
from __future__ import annotations

import math
from typing import Any

import altair as alt
import pandas as pd

from studio.shared.charts import palette
from studio.shared.charts.accessible import described
from studio.shared.charts.attention import AttentionGrid, grid_frame, grid_heatmap
from studio.shared.charts.lengths import LengthColumns

# Validation is also the dashed line (as on the overlay): never told from training by its colour alone.
SPLIT_COLORS = alt.Scale(domain=["train", "valid"], range=[palette.BLUE, palette.VERMILION])
SPLIT_DASHES = alt.Scale(domain=["train", "valid"], range=[[1, 0], [5, 3]])
SCORE_TITLES = {"bleu": "validation BLEU", "exact_match": "validation exact match"}
METRIC_LABELS = {"bleu": "Validation BLEU", "exact_match": "Validation exact match"}
# Legends under the chart, one run a line, never cut: run names can be long.
RUN_LEGEND = alt.Legend(orient="bottom", columns=1, labelLimit=0, title="run")
# Up to MAX_OVERLAID (8) runs told apart three ways: hues far apart on the colour wheel (never two shades
# of one), point shapes, and on the score chart dashes.
RUN_COLORS, RUN_SHAPES, RUN_DASHES = palette.CATEGORICAL, palette.SHAPES, palette.DASHES
CURVE_TITLES = {"loss": "loss (nats per piece)", "score": "validation score", "step": "training step",
                "seconds": "seconds of training"}
# Steps are whole numbers: a run validated once has a zero-width step domain, whose one tick Vega would
# print as "30.000000" without a format.
STEP_AXIS = alt.Axis(format=",~f", tickMinStep=1)
# Exact match by input length, as the service's length_table names its columns.
LENGTH_COLUMNS = LengthColumns(series="run", bucket="lengths", order="low", score="exact_match")


def curves_frame(events: list[dict[str, Any]]) -> pd.DataFrame:
    """Long format: one row per (step, split) with loss and perplexity."""
    rows = [{"step": e["step"], "split": "train", "loss": e["loss"], "perplexity": e["ppl"]}
            for e in events if e["type"] == "train"]
    rows += [{"step": e["step"], "split": "valid", "loss": e["valid_loss"], "perplexity": e["valid_ppl"]}
             for e in events if e["type"] == "valid"]
    return pd.DataFrame(rows, columns=["step", "split", "loss", "perplexity"])


def _curve(frame: pd.DataFrame, field: str, title: str, scale: alt.Scale) -> alt.Chart:
    return alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(size=20)).encode(
        x=alt.X("step:Q", title="training step", axis=STEP_AXIS),
        y=alt.Y(f"{field}:Q", title=title, scale=scale),
        color=alt.Color("split:N", title="data", scale=SPLIT_COLORS),
        strokeDash=alt.StrokeDash("split:N", title="data", scale=SPLIT_DASHES),
        tooltip=["split:N", "step:Q", alt.Tooltip(f"{field}:Q", format=".3f")],
    ).properties(height=240)


def loss_chart(events: list[dict[str, Any]]) -> alt.Chart:
    """Cross-entropy per target piece (nats); the training curve includes label smoothing."""
    return described(_curve(curves_frame(events), "loss", "loss (nats per piece)", alt.Scale(zero=False)),
                     "Loss while training", "Cross-entropy per target piece against the training step: the "
                     "solid blue line on training batches, the dashed vermilion one on the validation set.")


def perplexity_chart(events: list[dict[str, Any]]) -> alt.Chart:
    """exp(loss) on a log scale: early perplexities are in the hundreds, late ones near 1."""
    return described(_curve(curves_frame(events), "perplexity", "perplexity (log scale)", alt.Scale(type="log")),
                     "Perplexity while training", "exp(loss) on a log scale against the training step: the solid "
                     "blue line on training batches, the dashed vermilion one on the validation set.")


def score_metric(events: list[dict[str, Any]]) -> str:
    """"bleu" or "exact_match": what the validations say they measure (older runs: the key they carry)."""
    for event in events:
        if event["type"] == "valid":
            return event["metric"] if event.get("metric") in SCORE_TITLES else \
                next((m for m in SCORE_TITLES if m in event), "exact_match")
    return "exact_match"


def score_chart(events: list[dict[str, Any]]) -> alt.Chart:
    metric = score_metric(events)
    frame = pd.DataFrame([{"step": e["step"], "score": e[metric], "best": bool(e.get("improved"))}
                          for e in events if e["type"] == "valid" and metric in e],
                         columns=["step", "score", "best"])
    score_format = ".1f" if metric == "bleu" else ".0%"
    # A domain on the metric's own scale: one validation alone would otherwise span a zero-width domain
    # whose ticks read "100.000000". Exact match is a fraction (0-1); BLEU (0-100) stops above the best score.
    top = float(frame["score"].max()) if len(frame) else 0.0
    domain = [0, 1] if metric == "exact_match" else [0, min(100, 10 * math.ceil(top / 10 + 1e-9) or 10)]
    point = alt.OverlayMarkDef(color=palette.VERMILION)
    chart = alt.Chart(frame).mark_line(color=palette.VERMILION, point=point).encode(
        x=alt.X("step:Q", title="training step", axis=STEP_AXIS),
        y=alt.Y("score:Q", title=SCORE_TITLES[metric], axis=alt.Axis(format=score_format, tickCount=5),
                scale=alt.Scale(domain=domain)),
        tooltip=["step:Q", alt.Tooltip("score:Q", format=score_format), alt.Tooltip("best:N", title="new best")],
    ).properties(height=240)
    return described(chart, SCORE_TITLES[metric].capitalize() + " while training",
                     f"One point per validation, against the training step: the model's {SCORE_TITLES[metric]}.")


def probe_grid(probe: dict[str, Any]) -> AttentionGrid:
    return AttentionGrid(probe.get("src_pieces", []), probe.get("out_pieces", []), probe.get("attention", []))


def probe_frame(probe: dict[str, Any]) -> pd.DataFrame:
    """One row per (output piece, source piece) of a probe sentence's attention."""
    return grid_frame(probe_grid(probe))


def probe_heatmap(probe: dict[str, Any]) -> alt.Chart | None:
    """Where each output piece of the probe looked in the source; None for a model without attention."""
    grid = probe_grid(probe)
    return grid_heatmap(grid, max_width=420) if grid.weights and grid.sources else None


def overlay_chart(frame: pd.DataFrame, x: str, y: str, order: list[str] | None = None) -> alt.Chart:
    """Several runs' curves on one chart: `x` "step" or "seconds", `y` "loss" or "score". Each run has its
    own hue and point shape (and, for the score, its own dash), one legend below naming each in full;
    for the loss a dashed line is validation next to the solid training one. Ticks read as the numbers
    they are, even when every run validated only once (a zero-width domain would print "100.000000").
    `order`: the runs in the order their hues are given (the page's choice), so other charts can match."""
    runs = list(order or dict.fromkeys(frame["run"]))
    data = frame.dropna(subset=[x, y])
    if y == "score":
        data = data[data["split"] == "valid"]
    y_format = overlay_score_format(data) if y == "score" else ".2~f"
    # Scores on their metric's own scale (exact match 0-100%, BLEU from 0); losses fitted to the curves.
    y_scale = alt.Scale(zero=False) if y == "loss" else \
        alt.Scale(domain=[0, 1]) if y_format == ".0%" else alt.Scale(zero=True)
    encoding = {
        "x": alt.X(f"{x}:Q", title=CURVE_TITLES[x], scale=alt.Scale(zero=False),
                   axis=alt.Axis(format=",~f", tickMinStep=1 if x == "step" else alt.Undefined)),
        "y": alt.Y(f"{y}:Q", title=score_title(data) if y == "score" else CURVE_TITLES[y], scale=y_scale,
                   axis=alt.Axis(format=y_format)),
        "color": alt.Color("run:N", legend=RUN_LEGEND, scale=_by_run(runs, RUN_COLORS)),
        "tooltip": ["run:N", "split:N", alt.Tooltip(f"{x}:Q", format=",~f"), alt.Tooltip(f"{y}:Q", format=".3f")],
    }
    if y == "loss":
        legend = alt.Legend(orient="bottom", symbolType="stroke", symbolStrokeColor="#444444", symbolStrokeWidth=2,
                            symbolSize=400)
        encoding["strokeDash"] = alt.StrokeDash("split:N", title="data", legend=legend,
                                                scale=alt.Scale(domain=["train", "valid"], range=[[1, 0], [5, 3]]))
        encoding["detail"] = "split:N"
    else:
        # Dashes on the lines only, through a copy of the run's name: on the legend's own field they would break
        # the outline of each run's symbol.
        data = data.assign(line=data["run"])
        encoding["strokeDash"] = alt.StrokeDash("line:N", legend=None, scale=_by_run(runs, RUN_DASHES))
    # Points in a layer of their own: a line's filled point overlay turns its dash legend's strokes transparent
    # (vega-lite#7033), which left "train" and "valid" without a line sample.
    dashes = {k: encoding.pop(k) for k in ("strokeDash", "detail") if k in encoding}
    lines = alt.Chart().mark_line().encode(**dashes)
    dots = alt.Chart().mark_point(size=40, filled=True, opacity=1).encode(
        shape=alt.Shape("run:N", legend=RUN_LEGEND, scale=_by_run(runs, RUN_SHAPES)))
    # "fit-x": the plot keeps its height and the legend is added below it, never squeezed into it.
    chart = alt.layer(lines, dots, data=data).encode(**encoding).properties(
        height=220, autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    what = "loss (solid: training, dashed: validation)" if y == "loss" else "validation score"
    return described(chart, f"Runs compared: {CURVE_TITLES[y]} by {CURVE_TITLES[x]}",
                     f"One line per run, each with its own colour, point shape and dash: its {what} against "
                     f"{CURVE_TITLES[x]}.")


def run_colors(runs: list[str]) -> alt.Scale:
    """Each run's hue as the overlay draws it, for other charts of the same runs."""
    return _by_run(runs, RUN_COLORS)


def _by_run(runs: list[str], values: list) -> alt.Scale:
    """The same run gets the same hue, shape or dash on every chart (up to len(values) runs)."""
    return alt.Scale(domain=runs, range=[values[i % len(values)] for i in range(len(runs))])


def overlay_score_format(frame: pd.DataFrame) -> str:
    """Exact match in %, BLEU with at most one decimal; a mix of both as plain numbers."""
    metrics = set(frame["metric"].dropna())
    return ".0%" if metrics == {"exact_match"} else ".1~f" if metrics == {"bleu"} else ".2~f"


def score_title(frame: pd.DataFrame) -> str:
    metrics = set(frame["metric"].dropna())
    if metrics == {"bleu"}:
        return "validation BLEU (0-100)"
    if metrics == {"exact_match"}:
        return "validation exact match"
    return "validation score (BLEU 0-100 or exact match 0-1)"
