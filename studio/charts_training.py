"""Chart builders for a training run: pure functions from the trainer's events to Altair charts.

Train and validation curves share one chart per quantity, coloured by split with a legend, so
overfitting shows as the two lines parting.
"""
from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from studio.charts import KEY_LABEL, key
from studio.text import show_piece

SPLIT_COLORS = alt.Scale(domain=["train", "valid"], range=["#1f77b4", "#e4572e"])
SCORE_TITLES = {"bleu": "validation BLEU", "exact_match": "validation exact match"}


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
    """"bleu" or "exact_match", whichever the validations report."""
    return next((m for e in events if e["type"] == "valid" for m in SCORE_TITLES if m in e), "exact_match")


def score_chart(events: list[dict[str, Any]]) -> alt.Chart:
    metric = score_metric(events)
    frame = pd.DataFrame([{"step": e["step"], "score": e[metric], "best": bool(e.get("improved"))}
                          for e in events if e["type"] == "valid" and metric in e],
                         columns=["step", "score", "best"])
    score_format = ".1f" if metric == "bleu" else ".0%"
    return alt.Chart(frame).mark_line(color="#e4572e", point=alt.OverlayMarkDef(color="#e4572e")).encode(
        x=alt.X("step:Q", title="training step"),
        y=alt.Y("score:Q", title=SCORE_TITLES[metric], axis=alt.Axis(format=score_format)),
        tooltip=["step:Q", alt.Tooltip("score:Q", format=score_format), alt.Tooltip("best:N", title="new best")],
    ).properties(height=240)


def probe_frame(probe: dict[str, Any]) -> pd.DataFrame:
    """One row per (output piece, source piece) of a probe sentence's attention."""
    rows = [{"output": key(i, out), "source": key(j, src), "output piece": show_piece(out),
             "source piece": show_piece(src), "weight": weight}
            for i, (out, row) in enumerate(zip(probe.get("out_pieces", []), probe.get("attention", [])))
            for j, (src, weight) in enumerate(zip(probe.get("src_pieces", []), row))]
    return pd.DataFrame(rows, columns=["output", "source", "output piece", "source piece", "weight"])


def probe_heatmap(probe: dict[str, Any]) -> alt.Chart | None:
    """Where each output piece of the probe looked in the source; None for a model without attention."""
    frame = probe_frame(probe)
    if frame.empty:
        return None
    cell = max(16, min(30, 600 // max(1, len(probe["src_pieces"]))))
    return alt.Chart(frame).mark_rect().encode(
        x=alt.X("source:O", title="source piece", axis=alt.Axis(labelExpr=KEY_LABEL, labelAngle=-45, orient="top")),
        y=alt.Y("output:O", title="output piece", axis=alt.Axis(labelExpr=KEY_LABEL)),
        color=alt.Color("weight:Q", title="attention weight", scale=alt.Scale(scheme="blues", domain=[0, 1])),
        tooltip=["output piece:N", "source piece:N", alt.Tooltip("weight:Q", format=".3f")],
    ).properties(width=alt.Step(cell), height=alt.Step(cell))
