"""Chart builders that compare decodings: the beam search tree, strategies side by side, and the
reference fed by teacher forcing against the model's own choices (exposure bias).
"""
from __future__ import annotations

import math

import altair as alt
import pandas as pd

from seq2seq.decoding.trace import BeamNode, Trace
from studio.charts import (
    CHIP_ROW_PX,
    LOGPROB_MIN,
    STATUS_COLORS,
    chip_step,
    key,
    piece_axis,
    steps_frame,
)
from studio.text import show_piece


def beam_frames(nodes: list[BeamNode]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes placed at (step, rank by score within the step) plus one edge per node to its parent.

    Steps count from 1 as elsewhere in the app; the start symbol is the root at step 0.
    """
    ranked = sorted(nodes, key=lambda n: (n.step, -n.score))
    rank, place = {}, {-1: (0, 0)}
    for node in ranked:
        rank[node.step] = rank.get(node.step, -1) + 1
        place[node.node_id] = (node.step + 1, rank[node.step])
    points = pd.DataFrame([
        {"step": place[n.node_id][0], "rank": place[n.node_id][1], "piece": show_piece(n.piece), "id": n.token_id,
         "logprob": n.logprob, "score": n.score, "status": n.status} for n in ranked
    ], columns=["step", "rank", "piece", "id", "logprob", "score", "status"])
    edges = pd.DataFrame([
        {"step": place[_parent(n)][0], "rank": place[_parent(n)][1], "step2": place[n.node_id][0],
         "rank2": place[n.node_id][1], "status": n.status} for n in ranked
    ], columns=["step", "rank", "step2", "rank2", "status"])
    return points, edges


def _parent(node: BeamNode) -> int:
    return -1 if node.parent is None or node.parent < 0 else node.parent


def beam_tree_chart(nodes: list[BeamNode], current_step: int | None = None, show_pruned: bool = False,
                    max_width: int = 620) -> alt.LayerChart:
    """Steps run down the page, hypotheses across by their rank at that step (0 = best score); colour =
    what the search did with each. Each piece is written beside its dot, so with beam 5 and 20 steps
    every label keeps its own place. `current_step` (from 1) draws a band across that step.

    Kept and finished hypotheses fit `max_width` with whole labels; with the pruned candidates too
    (twice as many columns) long pieces are cut short: the table beside the tree writes them out."""
    points, edges = beam_frames(nodes)
    if not show_pruned:
        points, edges = points[points["status"] != "pruned"], edges[edges["status"] != "pruned"]
    longest = max((len(p) for p in points["piece"]), default=1)
    ranks = int(points["rank"].max()) + 1 if len(points) else 1
    column = max(44, min(120, 8 * longest + 28, max_width // (ranks + 1)))
    x = alt.X("rank:Q", title="rank at this step (0 = best score)", axis=alt.Axis(tickMinStep=1, orient="top"),
              scale=alt.Scale(domain=[-0.3, max(1, int(points["rank"].max()) if len(points) else 1) + 0.7]))
    y = alt.Y("step:Q", title="step", axis=alt.Axis(tickMinStep=1), scale=alt.Scale(reverse=True, domainMin=0))
    color = alt.Color("status:N", scale=STATUS_COLORS, title="hypothesis", legend=alt.Legend(orient="bottom"))
    lines = alt.Chart(edges).mark_rule(strokeWidth=1.5).encode(x=x, y=y, x2="rank2:Q", y2="step2:Q", color=color)
    tooltip = ["piece:N", "id:Q", "step:Q", "rank:Q", "status:N", alt.Tooltip("logprob:Q", format=".3f"),
               alt.Tooltip("score:Q", format=".3f")]
    dots = alt.Chart(points).mark_circle(size=110, opacity=1).encode(x=x, y=y, color=color, tooltip=tooltip)
    labels = alt.Chart(points).mark_text(align="left", dx=8, fontSize=13, limit=column - 12).encode(
        x=x, y=y, text="piece:N", tooltip=tooltip)
    root = alt.Chart(pd.DataFrame({"step": [0], "rank": [0], "piece": ["<s>"]})).mark_text(
        align="left", dx=8, fontSize=13).encode(x=x, y=y, text="piece:N")
    layers = [lines, dots, labels, root]
    if current_step is not None:
        marker = pd.DataFrame({"step": [current_step]})
        layers.insert(0, alt.Chart(marker).mark_rule(color="#f2c14e", strokeWidth=22, opacity=0.35).encode(y=y))
    steps = int(points["step"].max()) + 1 if len(points) else 1
    return alt.layer(*layers).properties(width=column * (ranks + 1), height=max(120, 30 * steps))


def beam_step_table(nodes: list[BeamNode], step: int) -> pd.DataFrame:
    """The hypotheses the search held after `step` (from 1), best first, each written out in full."""
    by_id = {n.node_id: n for n in nodes}
    rows = []
    for node in sorted((n for n in nodes if n.step + 1 == step), key=lambda n: -n.score):
        pieces, cursor = [], node
        while cursor is not None:
            pieces.append(show_piece(cursor.piece))
            cursor = by_id.get(cursor.parent) if cursor.parent is not None and cursor.parent >= 0 else None
        rows.append({"hypothesis": " ".join(reversed(pieces)), "last piece": show_piece(node.piece),
                     "log p (total)": round(node.score, 3), "status": node.status})
    return pd.DataFrame(rows, columns=["hypothesis", "last piece", "log p (total)", "status"])


def strategies_frame(traces: dict[str, Trace]) -> pd.DataFrame:
    """One row per output piece of each decoding, with the log-probability the model gave it."""
    frames = [steps_frame(trace.steps).assign(strategy=name) for name, trace in traces.items()]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def strategies_chart(traces: dict[str, Trace], row_px: int = CHIP_ROW_PX) -> alt.LayerChart:
    """Each strategy's output as chips, wrapped onto as many lines as needed so that the chart never
    outgrows the page; colour = log-probability of that piece."""
    frame = strategies_frame(traces)
    step_px = chip_step(frame["piece"].tolist())
    per_line = max(1, row_px // step_px)
    frame = frame.assign(line=(frame["step"] - 1) // per_line, col=(frame["step"] - 1) % per_line)
    base = alt.Chart(frame).encode(
        x=alt.X("col:O", axis=None), y=alt.Y("strategy:N", title=None, sort=list(traces),
                                              axis=alt.Axis(labelFontSize=13, labelPadding=6)),
        yOffset=alt.YOffset("line:O"),
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
    lines = int(frame["line"].max()) + 1 if len(frame) else 1
    return (rect + text).properties(width=alt.Step(step_px), height=alt.Step(36 * lines))


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
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("position:O", title="reference piece", axis=piece_axis(wide["reference_piece"].tolist())),
        xOffset=alt.XOffset("series:N", sort=order),
        y=alt.Y("probability:Q", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("series:N", title=None, sort=order, legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=order, range=["#3a7ca5", "#e4572e"])),
        tooltip=[alt.Tooltip("reference_piece:N", title="reference piece"),
                 alt.Tooltip("choice:N", title="model's own choice"), alt.Tooltip("series:N", title="bar"),
                 alt.Tooltip("probability:Q", format=".3f")],
    ).properties(height=220)
