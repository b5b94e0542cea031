"""Chart builders for a training run: pure functions from the trainer's events to Altair charts.

Train and validation curves share one chart per quantity, coloured by split with a legend, so
overfitting shows as the two lines parting.
"""
from __future__ import annotations

import math
from typing import Any

import altair as alt
import pandas as pd

from studio.attention_grid import AttentionGrid
from studio.charts import grid_frame, grid_heatmap

SPLIT_COLORS = alt.Scale(domain=["train", "valid"], range=["#1f77b4", "#e4572e"])
SCORE_TITLES = {"bleu": "validation BLEU", "exact_match": "validation exact match"}
METRIC_LABELS = {"bleu": "Validation BLEU", "exact_match": "Validation exact match"}


def curves_frame(events: list[dict[str, Any]]) -> pd.DataFrame:
    """Long format: one row per (step, split) with loss and perplexity."""
    rows = [{"step": e["step"], "split": "train", "loss": e["loss"], "perplexity": e["ppl"]}
            for e in events if e["type"] == "train"]
    rows += [{"step": e["step"], "split": "valid", "loss": e["valid_loss"], "perplexity": e["valid_ppl"]}
             for e in events if e["type"] == "valid"]
    return pd.DataFrame(rows, columns=["step", "split", "loss", "perplexity"])


def _curve(frame: pd.DataFrame, field: str, title: str, scale: alt.Scale) -> alt.Chart:
    return alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(size=20)).encode(
        x=alt.X("step:Q", title="training step"),
        y=alt.Y(f"{field}:Q", title=title, scale=scale),
        color=alt.Color("split:N", title="data", scale=SPLIT_COLORS),
        tooltip=["split:N", "step:Q", alt.Tooltip(f"{field}:Q", format=".3f")],
    ).properties(height=240)


def loss_chart(events: list[dict[str, Any]]) -> alt.Chart:
    """Cross-entropy per target piece (nats); the training curve includes label smoothing."""
    return _curve(curves_frame(events), "loss", "loss (nats per piece)", alt.Scale(zero=False))


def perplexity_chart(events: list[dict[str, Any]]) -> alt.Chart:
    """exp(loss) on a log scale: early perplexities are in the hundreds, late ones near 1."""
    return _curve(curves_frame(events), "perplexity", "perplexity (log scale)", alt.Scale(type="log"))


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
    return alt.Chart(frame).mark_line(color="#e4572e", point=alt.OverlayMarkDef(color="#e4572e")).encode(
        x=alt.X("step:Q", title="training step", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("score:Q", title=SCORE_TITLES[metric], axis=alt.Axis(format=score_format, tickCount=5),
                scale=alt.Scale(domain=domain)),
        tooltip=["step:Q", alt.Tooltip("score:Q", format=score_format), alt.Tooltip("best:N", title="new best")],
    ).properties(height=240)


def probe_grid(probe: dict[str, Any]) -> AttentionGrid:
    return AttentionGrid(probe.get("src_pieces", []), probe.get("out_pieces", []), probe.get("attention", []))


def probe_frame(probe: dict[str, Any]) -> pd.DataFrame:
    """One row per (output piece, source piece) of a probe sentence's attention."""
    return grid_frame(probe_grid(probe))


def probe_heatmap(probe: dict[str, Any]) -> alt.Chart | None:
    """Where each output piece of the probe looked in the source; None for a model without attention."""
    grid = probe_grid(probe)
    return grid_heatmap(grid, max_width=420) if grid.weights and grid.sources else None
