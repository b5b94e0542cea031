"""The beam search tree, drawn on the Step-by-step page and in the Lesson: every hypothesis the search
held (and, on request, those it pruned), placed by step and by rank within the step.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from seq2seq.service import BeamNode
from studio.shared.text import show_piece

STATUS_COLORS = alt.Scale(domain=["kept", "finished", "pruned"], range=["#1f77b4", "#2ca02c", "#c7c7c7"])


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
