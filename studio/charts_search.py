"""Chart builders that compare decodings: the beam search tree, strategies side by side, and the
reference fed by teacher forcing against the model's own choices (exposure bias).
"""
from __future__ import annotations

import math

import altair as alt
import pandas as pd

from seq2seq.decoding.trace import BeamNode, Trace
from studio.charts import (
    GRADIENT_LEGEND,
    KEY_LABEL,
    LOGPROB_MIN,
    STATUS_COLORS,
    key,
    label_angle,
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


def beam_tree_chart(nodes: list[BeamNode], current_step: int | None = None) -> alt.LayerChart:
    """x = step, y = rank of the hypothesis' score at that step; colour = what the search did with it.

    `current_step` (from 1) draws a band over that step.
    """
    points, edges = beam_frames(nodes)
    x = alt.X("step:Q", title="step", axis=alt.Axis(tickMinStep=1), scale=alt.Scale(domainMin=0))
    y = alt.Y("rank:Q", title="rank by score (0 = best)", scale=alt.Scale(reverse=True))
    color = alt.Color("status:N", scale=STATUS_COLORS, title="hypothesis")
    lines = alt.Chart(edges).mark_rule(strokeWidth=1.5).encode(x=x, y=y, x2="step2:Q", y2="rank2:Q", color=color)
    tooltip = ["piece:N", "id:Q", "step:Q", "status:N", alt.Tooltip("logprob:Q", format=".3f"),
               alt.Tooltip("score:Q", format=".3f")]
    dots = alt.Chart(points).mark_circle(size=140, opacity=1).encode(x=x, y=y, color=color, tooltip=tooltip)
    labels = alt.Chart(points).mark_text(dy=-11, fontSize=12).encode(x=x, y=y, text="piece:N")
    root = alt.Chart(pd.DataFrame({"step": [0], "rank": [0], "piece": ["<s>"]})).mark_text(fontSize=12).encode(
        x=x, y=y, text="piece:N")
    layers = [lines, dots, labels, root]
    if current_step is not None:
        marker = pd.DataFrame({"step": [current_step]})
        layers.insert(0, alt.Chart(marker).mark_rule(color="#f2c14e", strokeWidth=14, opacity=0.35).encode(x=x))
    width = max(300, 46 * (int(points["step"].max()) + 1 if len(points) else 1))
    height = max(160, 26 * (int(points["rank"].max()) + 1 if len(points) else 1))
    return alt.layer(*layers).properties(width=width, height=height)


def strategies_frame(traces: dict[str, Trace]) -> pd.DataFrame:
    """One row per output piece of each decoding, with the log-probability the model gave it."""
    frames = [steps_frame(trace.steps).assign(strategy=name) for name, trace in traces.items()]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def strategies_chart(traces: dict[str, Trace]) -> alt.LayerChart:
    """Each strategy's output as a row of chips; colour = log-probability of that piece."""
    frame = strategies_frame(traces)
    longest = max((len(p) for p in frame["piece"]), default=1)
    base = alt.Chart(frame).encode(
        x=alt.X("step:O", title="step"), y=alt.Y("strategy:N", title=None, sort=list(traces)),
        tooltip=["strategy:N", "piece:N", "id:Q", alt.Tooltip("logprob:Q", format=".3f"),
                 alt.Tooltip("probability:Q", format=".3f")],
    )
    # Dark = unlikely, as the entropy chips elsewhere: dark always means the model was unsure.
    color = alt.Color("logprob:Q", title="log p(piece)", legend=GRADIENT_LEGEND,
                      scale=alt.Scale(scheme="orangered", domain=[LOGPROB_MIN, 0], reverse=True, clamp=True))
    rect = base.mark_rect(cornerRadius=6, stroke="white", strokeWidth=3).encode(color=color)
    text = base.mark_text(fontSize=13).encode(text="piece:N", color=alt.condition(
        alt.datum.logprob < LOGPROB_MIN * 0.6, alt.value("white"), alt.value("black")))
    return (rect + text).properties(width=alt.Step(max(28, min(120, 9 * longest + 16))), height=alt.Step(36))


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


def exposure_chart(forced: Trace) -> alt.Chart:
    """Side-by-side bars per reference piece: the reference's probability and the model's own pick."""
    frame = exposure_frame(forced).melt(
        id_vars=["position", "reference piece", "model's choice"], value_vars=["p(reference)", "p(model's choice)"],
        var_name="series", value_name="probability")
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("position:O", title="reference piece",
                axis=alt.Axis(labelExpr=KEY_LABEL, labelAngle=label_angle(frame["reference piece"].tolist()))),
        xOffset=alt.XOffset("series:N", sort=["p(reference)", "p(model's choice)"]),
        y=alt.Y("probability:Q", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("series:N", title=None, scale=alt.Scale(
            domain=["p(reference)", "p(model's choice)"], range=["#3a7ca5", "#e4572e"])),
        tooltip=["reference piece:N", "model's choice:N", "series:N", alt.Tooltip("probability:Q", format=".3f")],
    ).properties(height=220)
