"""The contrastive explanation's chart (the Step-by-step page and the notebook): which source pieces and which
output pieces written so far push the model toward the piece it chose (X) rather than a candidate (Y). Pure
functions from the service's result to a frame and an Altair chart."""
from __future__ import annotations

import altair as alt
import pandas as pd

from studio.shared.charts.accessible import described
from studio.shared.charts.attribution import POINTER_ORDER, SHARE_SCALE, column_px
from studio.shared.charts.pieces import key, piece_axis
from studio.shared.text import show_piece

SIDES = ("source", "output so far")


def contrast_frame(src_pieces: list[str], output_pieces: list[str], scores: dict[str, list[float]],
                   output_scores: dict[str, list[float]], attention: list[float] | None,
                   labels: dict[str, str]) -> pd.DataFrame:
    """One row per (pointer, piece) on both sides, with the raw score and its share of the pointer's largest
    |score| over both sides (−1..1): integrated gradients split one total between the two sides, so one
    scale shows which side carries the contrast. Attention covers the source only."""
    rows = []
    pointers = ({"attention": (attention, None)} if attention is not None else {}) | {
        name: (values, output_scores.get(name, [])) for name, values in scores.items()}
    for name, (on_source, on_output) in pointers.items():
        largest = max((abs(v) for v in [*on_source, *(on_output or [])]), default=0.0) or 1.0
        for side, pieces, values in ((SIDES[0], src_pieces, on_source), (SIDES[1], output_pieces, on_output or [])):
            rows += [{"side": side, "pointer": labels.get(name, name), "key": key(j, piece), "piece": show_piece(piece),
                      "score": float(v), "share": float(v) / largest}
                     for j, (piece, v) in enumerate(zip(pieces, values))]
    return pd.DataFrame(rows, columns=["side", "pointer", "key", "piece", "score", "share"])


def _side_chart(frame: pd.DataFrame, side: str, title: str, with_rows: bool) -> alt.Chart:
    part = frame[frame["side"] == side]
    keys = list(dict.fromkeys(part["key"]))
    order = [p for p in POINTER_ORDER if p in set(frame["pointer"])]
    return alt.Chart(part).mark_rect(stroke="white").encode(
        x=alt.X("key:O", title=title, sort=keys, axis=piece_axis(list(part["piece"]))),
        y=alt.Y("pointer:N", title=None, sort=order, scale=alt.Scale(domain=order),
                axis=alt.Axis(labelLimit=220) if with_rows else None),
        color=alt.Color("share:Q", title="share of the row's largest (red: toward the pick)", scale=SHARE_SCALE,
                        legend=alt.Legend(orient="bottom", gradientLength=200, titleLimit=400)),
        tooltip=["pointer:N", "piece:N", alt.Tooltip("score:Q", format=".4f"), alt.Tooltip("share:Q", format=".2f")],
    ).properties(width=alt.Step(column_px(len(frame[["side", "key"]].drop_duplicates()))), height=alt.Step(30))


def contrast_chart(frame: pd.DataFrame) -> alt.HConcatChart | alt.Chart:
    """Rows: attention and each method; columns: the source pieces, then the output pieces written so far
    (none at the first step); colour: share, red toward the piece chosen, blue toward the candidate."""
    source = _side_chart(frame, SIDES[0], "source piece", True)
    chart = source if not (frame["side"] == SIDES[1]).any() else \
        alt.hconcat(source, _side_chart(frame, SIDES[1], "output piece so far", False)).resolve_scale(color="shared")
    return described(chart, "Why this piece rather than the other candidate",
                     "One row per pointer, one column per source piece and then per output piece written so far; "
                     "red cells push toward the piece chosen, blue ones toward the candidate.")
