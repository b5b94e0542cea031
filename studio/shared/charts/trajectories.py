"""Hidden-state paths in two dimensions, drawn on the Inside page and by the notebook API (studio.notebook):
one path per sentence and family of states, arrows for the direction, a square at the first state, each state
labelled with its piece where the label fits. A pure function from projected states to Altair.

The plot uses equal scales on both axes (a square plot over a square domain), so that distances and the
direction arrows drawn between consecutive states are not distorted.
"""
from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

from seq2seq.service import StepTrace
from studio.shared.charts import palette
from studio.shared.charts.accessible import described
from studio.shared.text import show_piece

# Two charts side by side in the main column of a 1280 px screen, axes and titles included.
TRAJECTORY_SIZE = 280


def top_label(step: StepTrace, count: int = 3) -> str:
    """'a 92% · b 5% · c 1%': the step's most likely next pieces, for a hover."""
    return " · ".join(f"{show_piece(c.piece)} {c.prob:.0%}" for c in step.top[:count])


def trajectory_frame(label: str, pieces: list[str], coords: np.ndarray, details: list[str] | None = None,
                     links: list[str] | None = None) -> pd.DataFrame:
    """One trajectory's points in order; `coords` (N, 2) from a projection, one row per piece."""
    count = len(pieces)
    return pd.DataFrame({
        "trajectory": [label] * count, "order": range(count), "step": range(1, count + 1),
        "piece": [show_piece(p) for p in pieces], "x": coords[:, 0], "y": coords[:, 1],
        "detail": details or [""] * count, "link": links or [""] * count,
    })


def _square_domain(frames: list[pd.DataFrame]) -> tuple[list[float], list[float]]:
    xs = np.concatenate([f["x"].to_numpy() for f in frames if len(f)])
    ys = np.concatenate([f["y"].to_numpy() for f in frames if len(f)])
    half = max(float(np.ptp(xs)), float(np.ptp(ys)), 1e-6) * 0.55
    cx, cy = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
    return [cx - half, cx + half], [cy - half, cy + half]


# A piece's label as drawn (11 px font): its box in pixels, for label_frame; markers it must not cover.
LABEL_CHAR_PX, LABEL_PAD_PX, LABEL_HEIGHT_PX, LABEL_GAP_PX, MARKER_PX, START_PX = 6.5, 4.0, 14.0, 6.0, 5.0, 9.0


def label_frame(points: pd.DataFrame, x_domain: list[float], y_domain: list[float], size: int = TRAJECTORY_SIZE,
                markers: pd.DataFrame | None = None) -> pd.DataFrame:
    """The labels worth drawing: one row per labelled point (its columns, plus lx, ly: where the label's
    centre goes, in data units). A label goes above, below, right or left of its point, wherever it first
    fits inside the plot without covering another label, another point or a `markers` row (the arrows);
    a point with no such place keeps no label (hover shows every piece). Each path's first and last
    pieces are placed first, then the rest in reading order, so a crowd of states near the origin gets a
    few readable labels instead of a smudge."""
    sx, sy = size / (x_domain[1] - x_domain[0]), size / (y_domain[1] - y_domain[0])

    def pixel(x: float, y: float) -> tuple[float, float]:
        return (x - x_domain[0]) * sx, (y_domain[1] - y) * sy

    def square(px: float, py: float, half: float) -> tuple[float, float, float, float]:
        return px - half, py - half, px + half, py + half

    def hits(a, b) -> bool:
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

    centres = [pixel(x, y) for x, y in zip(points["x"], points["y"])]
    others = [] if markers is None else [square(*pixel(x, y), MARKER_PX) for x, y in zip(markers["x"], markers["y"])]
    last = points.groupby("trajectory", sort=False)["order"].transform("max").to_numpy()
    steps = points["order"].to_numpy()
    rank = np.where(steps == 0, 0, np.where(steps == last, 1, 2))
    kept: list[tuple[float, float, float, float]] = []
    rows, spots = [], []
    for i in sorted(range(len(points)), key=lambda i: (rank[i], steps[i], i)):
        piece = str(points["piece"].iloc[i])
        px, py = centres[i]
        half_w, half_h = (len(piece) * LABEL_CHAR_PX + LABEL_PAD_PX) / 2, LABEL_HEIGHT_PX / 2
        blockers = kept + others + [square(cx, cy, START_PX if rank[j] == 0 else MARKER_PX)
                                    for j, (cx, cy) in enumerate(centres) if j != i]
        for dx, dy in ((0, -(half_h + LABEL_GAP_PX)), (0, half_h + LABEL_GAP_PX),
                       (half_w + LABEL_GAP_PX, 0), (-(half_w + LABEL_GAP_PX), 0)):
            box = (px + dx - half_w, py + dy - half_h, px + dx + half_w, py + dy + half_h)
            if box[0] < 0 or box[1] < 0 or box[2] > size or box[3] > size:
                continue
            if not any(hits(box, other) for other in blockers):
                kept.append(box)
                rows.append(i)
                spots.append((x_domain[0] + (px + dx) / sx, y_domain[1] - (py + dy) / sy))
                break
    labelled = points.iloc[rows].drop(columns=["link"], errors="ignore")
    labelled["lx"] = [x for x, _ in spots]
    labelled["ly"] = [y for _, y in spots]
    return labelled.sort_index()


def arrow_frame(points: pd.DataFrame) -> pd.DataFrame:
    """Midpoints of consecutive states with the clockwise-from-up angle of the move (degrees)."""
    rows = []
    for label, path in points.groupby("trajectory", sort=False):
        xy = path.sort_values("order")[["x", "y"]].to_numpy()
        for (x0, y0), (x1, y1) in zip(xy[:-1], xy[1:]):
            if (x0, y0) != (x1, y1):
                rows.append({"trajectory": label, "x": (x0 + x1) / 2, "y": (y0 + y1) / 2,
                             "angle": math.degrees(math.atan2(x1 - x0, y1 - y0)) % 360})
    return pd.DataFrame(rows, columns=["trajectory", "x", "y", "angle"])


def trajectory_chart(points: pd.DataFrame, background: pd.DataFrame | None, axes: tuple[str, str],
                     colors: alt.Scale | None = None) -> alt.LayerChart:
    """Paths of states in a 2-D projection: colour = trajectory, arrows = direction, a square marks the
    first state, grey dots are training states."""
    x_domain, y_domain = _square_domain([points] + ([background] if background is not None else []))
    x_scale = alt.Scale(domain=x_domain, nice=False, zero=False)
    y_scale = alt.Scale(domain=y_domain, nice=False, zero=False)
    x, y = alt.X("x:Q", title=axes[0], scale=x_scale), alt.Y("y:Q", title=axes[1], scale=y_scale)
    names = list(colors.domain) if colors is not None else list(dict.fromkeys(points["trajectory"]))
    # A long stroke in the legend, so that its dash shows: the dash is each path's second channel.
    legend = alt.Legend(orient="bottom", columns=1, labelLimit=360, symbolType="stroke", symbolStrokeWidth=2,
                        symbolSize=400)
    color = alt.Color("trajectory:N", title="trajectory",
                      scale=colors or palette.by_category(names, palette.CATEGORICAL), legend=legend)
    # Each path also has its own dash, named in the same legend: never told apart by colour alone.
    dash = alt.StrokeDash("trajectory:N", title="trajectory", scale=palette.by_category(names, palette.DASHES),
                          legend=legend)
    layers = []
    if background is not None and len(background):
        layers.append(alt.Chart(background).mark_circle(size=10, color="#b0b0b0", opacity=0.25).encode(
            x=x, y=y, tooltip=alt.value("a state of a training sentence")))
    base = alt.Chart(points).encode(x=x, y=y, color=color)
    layers.append(base.mark_line(strokeWidth=1.5, opacity=0.7).encode(order="order:Q", detail="trajectory:N",
                                                                       strokeDash=dash, tooltip=["trajectory:N"]))
    arrows = arrow_frame(points)
    if len(arrows):
        layers.append(alt.Chart(arrows).mark_point(shape="triangle", size=70, filled=True, opacity=0.9)
                      .encode(x=x, y=y, color=color, angle=alt.Angle("angle:Q", scale=None),
                              tooltip=["trajectory:N"]))
    # Every layer gets the same readable tooltip: one without it would list raw coordinates on hover.
    tooltip = ["trajectory:N", "step:Q", "piece:N", alt.Tooltip("detail:N", title="this state")]
    starts = points[points["order"] == 0]
    layers.append(alt.Chart(starts).mark_point(shape="square", size=260, strokeWidth=2)
                  .encode(x=x, y=y, color=color, tooltip=tooltip))
    layers.append(base.mark_circle(size=70, opacity=1).encode(tooltip=tooltip, href="link:N"))
    labels = label_frame(points, x_domain, y_domain, markers=arrows)
    if len(labels):
        at = {"x": alt.X("lx:Q", title=axes[0], scale=x_scale), "y": alt.Y("ly:Q", title=axes[1], scale=y_scale)}
        # A white halo under each label keeps it readable over lines and the grey cloud.
        layers.append(alt.Chart(labels).mark_text(fontSize=11, stroke="white", strokeWidth=3, opacity=0.9)
                      .encode(**at, text="piece:N", tooltip=tooltip))
        layers.append(alt.Chart(labels).mark_text(fontSize=11).encode(**at, color=color, text="piece:N",
                                                                       tooltip=tooltip))
    # "pad": the plot itself is exactly square; legend and axes are added around it, not squeezed in.
    chart = alt.layer(*layers).properties(width=TRAJECTORY_SIZE, height=TRAJECTORY_SIZE,
                                          autosize=alt.AutoSizeParams(type="pad"))
    return described(chart, f"Hidden-state trajectories ({axes[0]} against {axes[1]})",
                     "Each sentence's hidden states as a path in two dimensions, one colour and dash per path, "
                     "arrows along it for the direction, a square at its first state and each state labelled with "
                     "its piece; grey dots are states of training sentences.")
