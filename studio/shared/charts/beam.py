"""The beam search tree, drawn on the Step-by-step page and in the Lesson: every hypothesis the search
held (and, on request, those it pruned), laid out as a tidy tree by studio.shared.charts.beam_layout;
beam_frames places them by step and rank within the step, as the search ranked them.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from seq2seq.service import BeamNode
from studio.shared.charts import beam_layout, palette
from studio.shared.charts.accessible import described
from studio.shared.text import show_piece

# Told apart twice: by colour and by the dot's shape (pruned ones are also written in grey).
STATUS = ["kept", "finished", "pruned"]
STATUS_COLORS = palette.by_category(STATUS, [palette.BLUE, palette.BLUISH_GREEN, "#c7c7c7"])
STATUS_SHAPES = palette.by_category(STATUS, ["circle", "square", "triangle-up"])


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
                    max_width: int = 620, output_ids: list[int] | None = None, max_rows: int = 56) -> alt.LayerChart:
    """The search tree as Seq2Seq-Vis draws it: steps left to right, each hypothesis a dot and its piece written
    out whole, an edge from each piece to the pieces that extended it; colour = what the search did with it.
    Laid out by studio.shared.charts.beam_layout, so that no edge crosses a label or another edge.

    Pruned candidates stay collapsed unless `show_pruned`. `output_ids` (the translation the search returned)
    puts that hypothesis on the top row, in bold. A tree wider than `max_width` or taller than `max_rows`
    shows the steps around `current_step` (from 1, shaded), or from the start, that fit; the title says which."""
    placed = beam_layout.layout(nodes, current_step, show_pruned, output_ids, max_width, max_rows)
    width, height = placed.width, placed.height
    across = alt.Scale(domain=[0, width], nice=False, zero=False)
    x = alt.X("x:Q", axis=None, scale=across)
    y = alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[0, height], nice=False, zero=False, reverse=True))
    legend = alt.Legend(orient="bottom")
    color = alt.Color("status:N", scale=STATUS_COLORS, title="hypothesis", legend=legend)
    points = pd.DataFrame([
        {"x": p.x, "y": p.y, "text_x": p.text_x, "piece": p.piece, "step": p.column,
         "status": "kept" if p.status == "start" else p.status, "logprob": p.logprob, "score": p.score,
         "chosen": p.chosen, "ink": "#8a8a8a" if p.status == "pruned" else "#1b1b1b"} for p in placed.nodes
    ], columns=["x", "y", "text_x", "piece", "step", "status", "logprob", "score", "chosen", "ink"])
    segments = pd.DataFrame([
        {"x": s.x, "y": s.y, "x2": s.x2, "y2": s.y2, "status": s.status, "stroke": 2.6 if s.chosen else 1.2}
        for s in placed.segments], columns=["x", "y", "x2", "y2", "status", "stroke"])
    tooltip = ["piece:N", "step:Q", "status:N", alt.Tooltip("logprob:Q", format=".3f", title="log p(piece)"),
               alt.Tooltip("score:Q", format=".3f", title="log p(hypothesis)")]
    # The edges take their status's colour directly (scale=None), so that the legend comes from the dots alone,
    # where colour and shape merge into one: a circle, square or triangle in the status's colour.
    hues = dict(zip(STATUS_COLORS.domain, STATUS_COLORS.range))
    edges = alt.Chart(segments.assign(hue=segments["status"].map(hues))).mark_rule(strokeCap="round").encode(
        x=x, y=y, x2="x2:Q", y2="y2:Q", color=alt.Color("hue:N", scale=None),
        size=alt.Size("stroke:Q", scale=None, legend=None))
    dots = alt.Chart(points).mark_point(size=4 * beam_layout.DOT_PX ** 2, opacity=1, filled=True).encode(
        x=x, y=y, color=color, tooltip=tooltip,
        shape=alt.Shape("status:N", scale=STATUS_SHAPES, title="hypothesis", legend=legend))
    text = alt.Chart(points).encode(x=alt.X("text_x:Q", axis=None, scale=across), y=y, text="piece:N",
                                    color=alt.Color("ink:N", scale=None), tooltip=tooltip)
    labels = [text.transform_filter(~alt.datum.chosen).mark_text(align="left", baseline="middle",
                                                                  fontSize=beam_layout.FONT_PX),
              text.transform_filter(alt.datum.chosen).mark_text(align="left", baseline="middle", fontWeight="bold",
                                                                 fontSize=beam_layout.FONT_PX)]
    headers = pd.DataFrame([{"x": left + beam_layout.DOT_PX, "y": beam_layout.HEADER_PX / 2, "step": str(step),
                             "current": step == current_step} for step, (left, _) in placed.columns.items() if step],
                           columns=["x", "y", "step", "current"])
    header = alt.Chart(headers).mark_text(align="center", baseline="middle", fontSize=11).encode(
        x=x, y=y, text="step:N", color=alt.condition(alt.datum.current, alt.value("#111111"), alt.value("#8a8a8a")))
    layers = [edges, dots, *labels, header]
    if placed.earlier:
        marks = pd.DataFrame([{"x": m.text_x, "y": m.y, "piece": m.piece} for m in placed.earlier])
        layers.append(alt.Chart(marks).mark_text(align="left", baseline="middle", fontSize=beam_layout.FONT_PX,
                                                 color="#6b6b6b").encode(x=x, y=y, text="piece:N"))
    if current_step is not None and current_step in placed.columns:
        left, right = placed.columns[current_step]
        band = pd.DataFrame({"x": [left - 6], "x2": [right + 6], "y": [0], "y2": [height]})
        layers.insert(0, alt.Chart(band).mark_rect(color="#f2c14e", opacity=0.22).encode(
            x=x, y=y, x2="x2:Q", y2="y2:Q"))
    title = (window_title(placed.first, placed.last, placed.steps, output_ids)
             if placed.first > 0 or placed.last < placed.steps else None)
    chart = described(alt.layer(*layers).properties(width=width, height=height,
                                                    autosize=alt.AutoSizeParams(type="pad")),
                      "Beam search tree",
                      "Decoding steps from left to right; each hypothesis is a dot with its piece written beside it, "
                      "joined to the hypothesis it extended. Blue circles stayed in the beam, green squares ended "
                      "with the end symbol, grey triangles were pruned; the returned translation runs along the top "
                      "in bold.")
    return chart.properties(title=alt.TitleParams(title, anchor="start", fontSize=12, fontWeight="normal",
                                                  color="#6b6b6b")) if title else chart


def window_title(first: int, last: int, searched: int, output_ids: list[int] | None) -> str:
    """Which steps a window shows, counted as the Step-by-step page counts them: the returned translation's
    steps, one per piece it writes, </s> included; the search may have run on longer with other hypotheses."""
    shown = f"steps {max(first, 1)}–{last}"
    if output_ids is None:
        return f"{shown} of {searched}"
    steps = len(output_ids) + 1
    return f"{shown} of the translation's {steps}" + (f" (the search ran {searched})" if searched != steps else "")
