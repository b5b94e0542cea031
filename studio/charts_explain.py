"""Chart builders beyond attention: attribution next to attention, gradient norms by distance,
several runs' curves on one chart, exact match by input length. Pure functions data -> Altair.
"""
from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from studio.charts import key, piece_axis
from studio.text import show_piece

POINTER_ORDER = ["attention", "saliency (gradient norm)", "gradient × input", "integrated gradients"]
# Red supports the piece, blue argues against it; attention and saliency are never negative.
SHARE_SCALE = alt.Scale(domain=[-1, 1], scheme="redblue", reverse=True)
CELL_COLORS = alt.Scale(domain=["rnn", "gru", "lstm"], range=["#e4572e", "#17becf", "#2ca02c"])
# Legends under the chart, never cut: run names can be long.
RUN_LEGEND = alt.Legend(orient="bottom", columns=2, labelLimit=0, title="run")
CURVE_TITLES = {"loss": "loss (nats per piece)", "score": "validation score", "step": "training step",
                "seconds": "seconds of training"}


def attribution_frame(src_pieces: list[str], scores: dict[str, list[float]], attention: list[float] | None,
                      labels: dict[str, str]) -> pd.DataFrame:
    """One row per (pointer, source piece): the raw score and its share of the pointer's largest
    |score| (−1..1), so that methods on different scales can share one colour scale."""
    pointers = ({"attention": attention} if attention is not None else {}) | scores
    rows = []
    for name, values in pointers.items():
        largest = max((abs(v) for v in values), default=0.0) or 1.0
        rows += [{"pointer": labels.get(name, name), "position": j, "key": key(j, piece),
                  "piece": show_piece(piece), "score": float(v), "share": float(v) / largest}
                 for j, (piece, v) in enumerate(zip(src_pieces, values))]
    return pd.DataFrame(rows, columns=["pointer", "position", "key", "piece", "score", "share"])


def attribution_chart(frame: pd.DataFrame) -> alt.Chart:
    """Rows: attention and each attribution method; columns: the source pieces; colour: share."""
    keys = list(dict.fromkeys(frame["key"]))
    order = [p for p in POINTER_ORDER if p in set(frame["pointer"])]
    return alt.Chart(frame).mark_rect(stroke="white").encode(
        x=alt.X("key:O", title="source piece", sort=keys, axis=piece_axis(list(frame["piece"]))),
        y=alt.Y("pointer:N", title=None, sort=order, axis=alt.Axis(labelLimit=220)),
        color=alt.Color("share:Q", title="share of the row's largest", scale=SHARE_SCALE,
                        legend=alt.Legend(orient="bottom", gradientLength=200)),
        tooltip=["pointer:N", "piece:N", alt.Tooltip("score:Q", format=".4f"), alt.Tooltip("share:Q", format=".2f")],
    ).properties(width=alt.Step(34), height=alt.Step(30))


def removal_frame(removals: list[Any], src_pieces: list[str], labels: dict[str, str],
                  winners: list[str]) -> pd.DataFrame:
    """The faithfulness check as a table: what each pointer removed and how much p(piece) fell."""
    return pd.DataFrame([{
        "pointer": labels.get(r.pointer, r.pointer), "piece removed": show_piece(src_pieces[r.position]),
        "position": r.position + 1, "p before": round(r.prob_before, 4), "p after": round(r.prob_after, 4),
        "drop": round(r.drop, 4), "explains best": "✔" if r.pointer in winners else "",
    } for r in removals])


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


def overlay_chart(frame: pd.DataFrame, x: str, y: str) -> alt.Chart:
    """Several runs' curves on one chart: `x` "step" or "seconds", `y` "loss" or "score"; colour = run
    (legend below), and for the loss a dashed line for validation next to the solid training one."""
    data = frame.dropna(subset=[x, y])
    if y == "score":
        data = data[data["split"] == "valid"]
    encoding = {
        "x": alt.X(f"{x}:Q", title=CURVE_TITLES[x]),
        "y": alt.Y(f"{y}:Q", title=score_title(data) if y == "score" else CURVE_TITLES[y], scale=alt.Scale(zero=False)),
        "color": alt.Color("run:N", legend=RUN_LEGEND),
        "tooltip": ["run:N", "split:N", f"{x}:Q", alt.Tooltip(f"{y}:Q", format=".3f")],
    }
    if y == "loss":
        encoding["strokeDash"] = alt.StrokeDash("split:N", title="data", legend=alt.Legend(orient="bottom"),
                                                scale=alt.Scale(domain=["train", "valid"], range=[[1, 0], [5, 3]]))
        encoding["detail"] = "split:N"
    return alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=14)).encode(**encoding).properties(height=260)


def score_title(frame: pd.DataFrame) -> str:
    metrics = set(frame["metric"].dropna())
    if metrics == {"bleu"}:
        return "validation BLEU (0-100)"
    if metrics == {"exact_match"}:
        return "validation exact match (0-1)"
    return "validation score (BLEU 0-100 or exact match 0-1)"


def length_chart(frame: pd.DataFrame) -> alt.Chart:
    """Exact match (0-100%) by input length, one line per run."""
    order = list(dict.fromkeys(frame.sort_values("low")["lengths"]))
    return alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("lengths:O", title="input length (characters)", sort=order, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("exact_match:Q", title="exact match", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("run:N", legend=RUN_LEGEND),
        tooltip=["run:N", "lengths:O", "sentences:Q", alt.Tooltip("exact_match:Q", format=".1%")],
    ).properties(height=260)


def _text(pieces: list[str], char_level: bool) -> str:
    """Pieces read as text: characters side by side; subwords joined at their word marks (▁)."""
    joined = "".join(show_piece(p) if char_level else p for p in pieces)
    return joined if char_level else show_piece(joined.replace("▁", " ").strip())


def pattern_frame(matches: list[Any], char_level: bool) -> pd.DataFrame:
    """One row per match: the text before, inside and after the matched run."""
    rows = [{"before": _text(m.pieces[:m.start], char_level), "match": _text(m.pieces[m.start:m.end + 1], char_level),
             "after": _text(m.pieces[m.end + 1:], char_level), "length": m.end - m.start + 1,
             "sentence": m.source} for m in matches]
    return pd.DataFrame(rows, columns=["before", "match", "after", "length", "sentence"])
