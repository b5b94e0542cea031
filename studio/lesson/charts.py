"""The Lesson's charts: pure functions from the model's numbers to Altair, testable without a browser.

Every chart draws all the numbers its step's text counts (a state of 256 numbers is 256 cells, a
vocabulary of 4,000 pieces is 4,000 bars), keeps its plot at least 60 px tall and at most about 600 px
on a 1400 x 900 screen, and fits the page's column (WIDTH). The marks the text counts are named
(`name=` below), so that a browser test can count what was drawn. They render as SVG (Streamlit would
pick canvas for charts with many points, whose marks cannot be counted).
"""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from studio.shared.charts import palette
from studio.shared.charts.accessible import described
from studio.shared.charts.pieces import key, piece_axis
from studio.shared.text import show_piece

# The plot, without its labels: the main column is 740 px wide at 1280 px with the sidebar open (860 at
# 1400), and a row label or a legend takes up to ~130 px beside it.
WIDTH = 600
MAX_HEIGHT = 600
VALUE_SCALE = alt.Scale(scheme="blueorange", domain=[-1, 1], clamp=True)
# The followed word and the piece taken, in red: framed in black as well wherever they are told apart by colour.
FOCUS = palette.VERMILION
SVG = {"embedOptions": {"renderer": "svg"}}
CHOSEN_COLORS = alt.Scale(domain=["chosen", "alternative"], range=[FOCUS, palette.MUTED])
ROLES = ["followed", "other"]  # the followed word's pieces, and the rest


def svg(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    chart.usermeta = SVG
    return chart


def row_height(rows: int, largest: int = 26, smallest: int = 12, budget: int = 420) -> int:
    return max(smallest, min(largest, budget // max(1, rows)))


def vectors_frame(rows: list[tuple[str, np.ndarray]]) -> pd.DataFrame:
    """Long table, one row per number: which vector, its unit (from 0) and value."""
    frames = [pd.DataFrame({"vector": label, "order": order, "unit": np.arange(len(values)),
                            "value": np.asarray(values, dtype=float)})
              for order, (label, values) in enumerate(rows)]
    empty = pd.DataFrame(columns=["vector", "order", "unit", "value"])
    return pd.concat(frames, ignore_index=True) if frames else empty


def vectors_chart(rows: list[tuple[str, np.ndarray]], focus: list[str] = (), split: int | None = None,
                  width: int = WIDTH, title: str = "unit (one column per number)") -> alt.LayerChart:
    """Each vector as a strip of coloured cells, one per number, on one shared unit axis, so that a
    vector of 128 numbers is visibly half as long as one of 256. `focus` rows get a red frame; `split`
    draws a line between two halves (forward | backward)."""
    frame = vectors_frame(rows)
    labels = [label for label, _ in rows]
    longest = max((len(values) for _, values in rows), default=1)
    x = alt.X("unit:Q", title=title, scale=alt.Scale(domain=[0, longest], nice=False),
              axis=alt.Axis(tickCount=8, format="d"))
    y = alt.Y("vector:N", sort=labels, title=None, axis=alt.Axis(labelLimit=260, labelFontSize=12))
    cells = alt.Chart(frame, name="cells").mark_rect().encode(
        x=x, x2="end:Q", y=y, color=alt.Color("value:Q", title="value", scale=VALUE_SCALE,
                                             legend=alt.Legend(orient="bottom", gradientLength=160)),
        tooltip=["vector:N", "unit:Q", alt.Tooltip("value:Q", format="+.3f")],
    ).transform_calculate(end="datum.unit + 1")
    layers = [cells]
    if focus:
        boxes = pd.DataFrame({"vector": [f for f in focus if f in labels], "start": 0, "end": longest})
        layers.append(alt.Chart(boxes).mark_rect(fill=None, stroke=FOCUS, strokeWidth=2.5).encode(
            x="start:Q", x2="end:Q", y=alt.Y("vector:N", sort=labels)))
    if split:
        line = pd.DataFrame({"unit": [split]})
        layers.append(alt.Chart(line).mark_rule(color="black", strokeWidth=2).encode(x="unit:Q"))
    chart = alt.layer(*layers).properties(width=width, height=alt.Step(row_height(len(rows))))
    return svg(described(chart, "Vectors as strips of numbers: " + ", ".join(labels),
                         "One row per vector, one cell per number on a shared axis, so a longer vector is a longer "
                         "strip; a cell's colour is its value, blue for negative and orange for positive."
                         + (" The rows of the followed word are framed." if focus else "")))


def cell_chart(pre: np.ndarray, state: np.ndarray, nonlinearity: str = "tanh") -> alt.LayerChart:
    """One cell update: each unit a dot at (a, h = f(a)), on the curve of f; the other nonlinearity
    (ReLU for tanh) dashed, to show what it would do to the same sums."""
    bound = max(2.5, float(np.ceil(np.abs(pre).max())))
    dots = pd.DataFrame({"unit": np.arange(len(pre)), "a": pre, "h": state})
    grid = np.linspace(-bound, bound, 161)
    curves = pd.DataFrame({"a": np.concatenate([grid, grid]),
                           "h": np.concatenate([np.tanh(grid), np.minimum(np.maximum(grid, 0), 2.0)]),
                           "function": ["tanh"] * len(grid) + ["ReLU (max(0, a), cut at 2)"] * len(grid)})
    relu = "ReLU (max(0, a), cut at 2)"
    used = "tanh" if nonlinearity == "tanh" else relu
    x = alt.X("a:Q", title="pre-activation a = W_eh x_i + W_hh h_i−1 + b_h", scale=alt.Scale(domain=[-bound, bound]))
    y = alt.Y("h:Q", title="new state h_i = f(a)", scale=alt.Scale(domain=[-1.2, 2.05]))
    lines = alt.Chart(curves).mark_line(strokeWidth=2).encode(
        x=x, y=y, color=alt.Color("function:N", title="f",
                                  scale=alt.Scale(domain=[used, relu if used == "tanh" else "tanh"],
                                                  range=["#444444", "#bbbbbb"]),
                                  legend=alt.Legend(orient="bottom", labelLimit=0)),
        strokeDash=alt.condition(alt.datum.function == used, alt.value([1, 0]), alt.value([5, 4])))
    points = alt.Chart(dots, name="units").mark_circle(size=34, opacity=0.75, color="#1f77b4").encode(
        x=x, y=y, tooltip=["unit:Q", alt.Tooltip("a:Q", format="+.3f"), alt.Tooltip("h:Q", format="+.3f")])
    return svg(described(alt.layer(lines, points).properties(width=300, height=320), "One cell update, unit by unit",
                         f"Each of the {len(pre)} units is a dot at its sum a and its new state "
                         f"h = {nonlinearity}(a), on the solid curve of the function used; the other choice of "
                         "function is the dashed curve."))


def word_change_chart(words: list[str], changes: list[float], focus: int | None) -> alt.Chart:
    """How far s_0 moves (1 − cosine) when each word is left out."""
    frame = pd.DataFrame({"key": [key(i, w) for i, w in enumerate(words)], "word": words, "change": changes,
                          "role": ["followed" if i == focus else "other" for i in range(len(words))]})
    chart = alt.Chart(frame, name="words").mark_bar().encode(
        x=alt.X("key:O", title="word left out", sort=list(frame["key"]), axis=piece_axis(words)),
        y=alt.Y("change:Q", title="1 − cosine"),
        color=alt.Color("role:N", scale=alt.Scale(domain=["followed", "other"], range=[FOCUS, palette.MUTED]),
                        legend=None),
        tooltip=["word:N", alt.Tooltip("change:Q", format=".4f")], **palette.outlined("role", ROLES, "followed"),
    ).properties(width=alt.Step(max(22, min(60, WIDTH // max(1, len(words))))), height=230)
    return svg(described(chart, "How far the fixed-length vector moves when each word is left out",
                         "One bar per word of the sentence: 1 − cosine between the vector with and without it; the "
                         "followed word's bar is red and framed in black."))


def vocabulary_chart(probabilities: np.ndarray, chosen: int, pieces: dict[int, str]) -> alt.LayerChart:
    """Every piece of the vocabulary as one bar, best first, its probability on a log scale: how the
    softmax spreads 1 over thousands of pieces. The chosen piece is marked."""
    order = np.argsort(-probabilities)
    frame = pd.DataFrame({"rank": np.arange(1, len(order) + 1), "id": order,
                          "probability": np.maximum(probabilities[order].astype(float), 1e-12)})
    frame["piece"] = [show_piece(pieces.get(int(i), f"id {i}")) for i in order]
    x = alt.X("rank:Q", title=f"the {len(order):,} pieces of the vocabulary, most likely first (log scale)",
              scale=alt.Scale(type="log", domain=[1, len(order)], nice=False))
    y = alt.Y("probability:Q", title="probability (log scale)", scale=alt.Scale(type="log"),
              axis=alt.Axis(format=".0e"))
    bars = alt.Chart(frame, name="pieces").mark_circle(color="#1f77b4", size=10, opacity=0.6).encode(
        x=x, y=y, tooltip=["rank:Q", "piece:N", alt.Tooltip("probability:Q", format=".2e")])
    taken = frame[frame["id"] == chosen]
    mark = alt.Chart(taken).mark_point(color=FOCUS, size=80, filled=True).encode(x=x, y=y, tooltip=["piece:N"])
    label = alt.Chart(taken).mark_text(align="left", dx=8, color=FOCUS, fontSize=13).encode(x=x, y=y, text="piece:N")
    return svg(described(alt.layer(bars, mark, label).properties(width=WIDTH - 80, height=280),
                         "The whole softmax over the vocabulary",
                         f"One dot per piece of the {len(order):,}-piece vocabulary, most likely first, its "
                         "probability on a log scale; the piece taken is the larger red dot, labelled."))


def top_chart(candidates: pd.DataFrame, field: str, title: str, fmt: str) -> alt.LayerChart:
    """The top candidates' logits or probabilities as bars, the chosen piece in the highlight colour.
    `candidates` has piece, candidate (a unique key), role and the field."""
    base = alt.Chart(candidates).encode(
        y=alt.Y("candidate:O", title=None, axis=piece_axis([], labelAngle=0, labelFontSize=13)),
        x=alt.X(f"{field}:Q", title=title, scale=alt.Scale(zero=field != "logit")),
        tooltip=["piece:N", alt.Tooltip(f"{field}:Q", format=fmt)])
    bars = base.mark_bar().encode(color=alt.Color("role:N", scale=CHOSEN_COLORS, title=None,
                                                  legend=alt.Legend(orient="bottom")),
                                  **palette.outlined("role", CHOSEN_COLORS.domain, "chosen"))
    text = base.mark_text(align="left", dx=3).encode(text=alt.Text(f"{field}:Q", format=fmt))
    return svg(described((bars + text).properties(width=260, height=alt.Step(22)), f"Top candidates: {title}",
                         f"One bar per candidate piece, labelled with its {title}; the piece taken is red and "
                         "framed in black."))


def output_progress_chart(pieces: list[str], probabilities: list[float], current: int) -> alt.LayerChart:
    """The output as chips: those written before step `current` (from 1) solid, the current one framed
    in red, the ones still to come faded. Colour = the probability greedy decoding took it with."""
    labels = [show_piece(p) for p in pieces]
    step = max(34, min(110, 9 * max(len(label) for label in labels) + 18))
    per_row = max(1, WIDTH // step)
    frame = pd.DataFrame({"piece": labels, "step": np.arange(1, len(labels) + 1), "probability": probabilities})
    frame["row"], frame["col"] = (frame["step"] - 1) // per_row, (frame["step"] - 1) % per_row
    frame["when"] = np.where(frame["step"] < current, "written", np.where(frame["step"] == current, "now", "to come"))
    base = alt.Chart(frame).encode(x=alt.X("col:O", axis=None), y=alt.Y("row:O", axis=None),
                                   tooltip=["step:Q", "piece:N", alt.Tooltip("probability:Q", format=".3f")])
    rect = alt.Chart(frame, name="chips").mark_rect(cornerRadius=7, stroke="white", strokeWidth=4).encode(
        x=alt.X("col:O", axis=None), y=alt.Y("row:O", axis=None),
        color=alt.Color("probability:Q", title="p(piece)", scale=alt.Scale(scheme="blues", domain=[0, 1]),
                        legend=alt.Legend(orient="right", direction="horizontal", gradientLength=90,
                                          titleOrient="top")),
        opacity=alt.condition(alt.datum.when == "to come", alt.value(0.2), alt.value(1.0)),
        tooltip=["step:Q", "piece:N", alt.Tooltip("probability:Q", format=".3f")])
    frame_now = base.transform_filter(alt.datum.when == "now").mark_rect(
        fill=None, stroke=FOCUS, strokeWidth=3, cornerRadius=7)
    text = base.mark_text(fontSize=14).encode(
        text="piece:N", opacity=alt.condition(alt.datum.when == "to come", alt.value(0.55), alt.value(1.0)),
        color=alt.condition((alt.datum.probability > 0.6) & (alt.datum.when != "to come"), alt.value("white"),
                            alt.value("black")))
    return svg(described(alt.layer(rect, frame_now, text).properties(width=alt.Step(step), height=alt.Step(36)),
                         "Greedy decoding, piece by piece",
                         f"One chip per output piece: those written before step {current} solid, the current one "
                         "framed in red, those still to come faded; the darker the chip, the more probable the piece."))


# Each curve also has its own dash: told apart without its colour.
CURVE_COLORS = {"training loss": palette.BLUE, "validation loss": palette.VERMILION,
                "validation BLEU": palette.BLUISH_GREEN}
CURVE_DASHES = {"training loss": [1, 0], "validation loss": [6, 3], "validation BLEU": [2, 2]}


def curves_chart(frame: pd.DataFrame, uniform: float | None, y_title: str, height: int = 290) -> alt.LayerChart:
    """Training curves (columns step, value, curve), with the loss of a uniform guess as a dashed rule."""
    curves = list(dict.fromkeys(frame["curve"]))
    line = alt.Chart(frame, name="curve").mark_line(point=alt.OverlayMarkDef(size=14)).encode(
        x=alt.X("step:Q", title="training step (one Adam update each)"),
        y=alt.Y("value:Q", title=y_title),
        color=alt.Color("curve:N", title=None, scale=alt.Scale(domain=curves, range=[CURVE_COLORS[c] for c in curves]),
                        legend=alt.Legend(orient="bottom", labelLimit=0)),
        strokeDash=alt.StrokeDash("curve:N", title=None, scale=alt.Scale(domain=curves,
                                                                         range=[CURVE_DASHES[c] for c in curves]),
                                  legend=alt.Legend(orient="bottom", labelLimit=0)),
        tooltip=["curve:N", "step:Q", alt.Tooltip("value:Q", format=".3f")])
    layers = [line]
    if uniform is not None:
        rule = pd.DataFrame({"value": [uniform], "label": [f"uniform guess: ln V = {uniform:.2f}"]})
        layers.append(alt.Chart(rule).mark_rule(strokeDash=[5, 4], color="#777777").encode(y="value:Q"))
        layers.append(alt.Chart(rule).mark_text(align="right", baseline="bottom", dy=-3, color="#555555",
                                                x="width").encode(y="value:Q", text="label:N"))
    return svg(described(alt.layer(*layers).properties(width=300, height=height), f"Training curves: {y_title}",
                         "One line per curve (" + ", ".join(curves) + "), each with its own colour and dash, against "
                         "the training step" + ("; the grey dashed rule is the loss of a uniform guess." if uniform
                                                is not None else ".")))


def piece_loss_chart(pieces: list[str], losses: list[float]) -> alt.LayerChart:
    """−log p of each reference piece under teacher forcing; the rule is their mean: the loss."""
    frame = pd.DataFrame({"key": [key(i, p) for i, p in enumerate(pieces)], "piece": [show_piece(p) for p in pieces],
                          "loss": losses})
    bars = alt.Chart(frame, name="losses").mark_bar(color="#1f77b4").encode(
        x=alt.X("key:O", title="reference piece", sort=list(frame["key"]), axis=piece_axis(list(frame["piece"]))),
        y=alt.Y("loss:Q", title="−log p (nats)"),
        tooltip=["piece:N", alt.Tooltip("loss:Q", format=".3f")])
    mean = pd.DataFrame({"loss": [float(np.mean(losses)) if losses else 0.0]})
    rule = alt.Chart(mean).mark_rule(color=FOCUS, strokeWidth=2).encode(y="loss:Q")
    step = max(24, min(56, WIDTH // max(1, len(pieces))))
    return svg(described(alt.layer(bars, rule).properties(width=alt.Step(step), height=260),
                         "The loss of each reference piece",
                         "One bar per piece of the reference: −log p of it under teacher forcing; the red rule is "
                         "their mean, the loss."))


# Beside the one-step bars the heatmap has 3/5 of the column: 556 px at 1400 px with the sidebar open, 506 px
# when the sidebar is 380 px wide, of which its axis labels and titles take ~100-120 px, so its cells get
# 380 px; 22 px is the smallest cell whose slanted labels stay apart. A sentence with more pieces than that
# gets the whole column, the bars below it.
BESIDE_CELLS = 380
BESIDE_MIN_CELL = 22


def attention_fits_beside(sources: int) -> bool:
    """Whether the heatmap of `sources` source pieces fits beside the one-step bars (see BESIDE_CELLS)."""
    return sources * BESIDE_MIN_CELL <= BESIDE_CELLS


def attention_chart(sources: list[str], outputs: list[str], weights: list[list[float]], focus: list[int],
                    current: int | None, width: int = WIDTH) -> alt.LayerChart:
    """Attention weights, output pieces down and source pieces across; the followed word's columns are
    framed in red and the current decoding step's row (from 1) in black. The cells take at most `width` px
    across (16 px at the least, which a 50-piece source needs to fit the column at 1400 px)."""
    rows = [{"output": key(i, out), "source": key(j, src), "output piece": show_piece(out),
             "source piece": show_piece(src), "weight": w}
            for i, (out, row) in enumerate(zip(outputs, weights)) for j, (src, w) in enumerate(zip(sources, row))]
    frame = pd.DataFrame(rows)
    out_keys = [key(i, o) for i, o in enumerate(outputs)]
    src_keys = [key(j, s) for j, s in enumerate(sources)]
    cell = max(16, min(34, width // max(1, len(sources)), MAX_HEIGHT // max(1, len(outputs))))
    x = alt.X("source:O", sort=src_keys, title="source piece", axis=piece_axis([show_piece(s) for s in sources],
                                                                              orient="top"))
    y = alt.Y("output:O", sort=out_keys, title="output piece", axis=piece_axis([], labelAngle=0))
    # Hovering a cell lights up its source column and its output row: which pieces a source piece fed.
    hover = alt.selection_point(name="hover", fields=["source"], on="pointerover", clear="pointerout", empty=True)
    cells = alt.Chart(frame, name="weights").mark_rect().encode(
        x=x, y=y, color=alt.Color("weight:Q", title="attention weight α",
                                  scale=alt.Scale(scheme="blues", domain=[0, 1]), legend=alt.Legend(orient="bottom")),
        opacity=alt.condition(hover, alt.value(1.0), alt.value(0.35)),
        tooltip=["output piece:N", "source piece:N", alt.Tooltip("weight:Q", format=".3f")]).add_params(hover)
    layers = [cells]
    if focus:
        columns = frame[frame["source"].isin([src_keys[j] for j in focus if j < len(src_keys)])]
        layers.append(alt.Chart(columns).mark_rect(fill=None, stroke=FOCUS, strokeWidth=2).encode(x=x, y=y))
    if current is not None and 1 <= current <= len(outputs):
        row = frame[frame["output"] == out_keys[current - 1]]
        layers.append(alt.Chart(row).mark_rect(fill=None, stroke="black", strokeWidth=2).encode(x=x, y=y))
    return svg(described(alt.layer(*layers).properties(width=alt.Step(cell), height=alt.Step(cell)),
                         "Attention heatmap",
                         "Source pieces across the top, output pieces down the side; the darker a cell, the more "
                         "attention that output piece paid to that source piece. The followed word's columns are "
                         "framed in red, the current step's row in black."))


def step_weights_chart(sources: list[str], weights: list[float], focus: list[int], step: int) -> alt.LayerChart:
    """One decoding step's attention over the source: a bar per source piece (the followed word's in red)."""
    frame = pd.DataFrame({"key": [key(j, s) for j, s in enumerate(sources)], "piece": [show_piece(s) for s in sources],
                          "weight": weights, "role": ["followed" if j in set(focus) else "other"
                                                      for j in range(len(sources))]})
    encoding = {"y": alt.Y("key:O", sort=list(frame["key"]), title=None,
                           axis=piece_axis([], labelAngle=0, labelFontSize=12)),
                "x": alt.X("weight:Q", title=f"α at step {step}", scale=alt.Scale(domain=[0, 1])),
                "tooltip": ["piece:N", alt.Tooltip("weight:Q", format=".3f")]}
    bars = alt.Chart(frame, name="step_weights").mark_bar().encode(
        color=alt.Color("role:N", scale=alt.Scale(domain=["followed", "other"], range=[FOCUS, palette.BLUE]),
                        legend=None),
        **palette.outlined("role", ROLES, "followed"), **encoding)
    text = alt.Chart(frame).mark_text(align="left", dx=3).encode(text=alt.Text("weight:Q", format=".2f"), **encoding)
    row = max(16, min(26, MAX_HEIGHT // max(1, len(sources))))
    return svg(described((bars + text).properties(width=200, height=alt.Step(row)), f"Attention at step {step}",
                         "One bar per source piece, labelled with its weight α; the followed word's bars are red and "
                         "framed in black."))


def letters_chart(letters: str, focus: list[int]) -> alt.LayerChart:
    """The letters the vanishing-gradient models read as chips, the followed word's letters in red."""
    frame = pd.DataFrame({"position": np.arange(len(letters)), "letter": list(letters),
                          "role": ["followed" if i in set(focus) else "other" for i in range(len(letters))]})
    base = alt.Chart(frame).encode(x=alt.X("position:O", axis=None), y=alt.value(15),
                                   tooltip=["position:Q", "letter:N"])
    rect = alt.Chart(frame, name="letters").mark_rect(cornerRadius=4, stroke="white", strokeWidth=2).encode(
        x=alt.X("position:O", axis=None), y=alt.value(1), y2=alt.value(29),
        color=alt.Color("role:N", scale=alt.Scale(domain=["followed", "other"], range=["#f4a582", "#dde7ee"]),
                        legend=None), **palette.outlined("role", ROLES, "followed", others="white"))
    text = base.mark_text(fontSize=14)
    chart = (rect + text.encode(text="letter:N")).properties(width=alt.Step(min(26, WIDTH // max(1, len(letters)))),
                                                            height=30)
    return svg(described(chart, "The letters the models read",
                         "One chip per letter, in order; the followed word's letters are red and framed in black."))
