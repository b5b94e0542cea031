"""Attribution beside attention, for the panel the Translate and Step-by-step pages share: one row per
pointer (attention, saliency, gradient × input, integrated gradients) over the source pieces, and the
faithfulness check as a table. Pure functions from the service's results to Altair or a table.
"""
from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from studio.shared.charts.accessible import described
from studio.shared.charts.pieces import key, piece_axis
from studio.shared.text import show_piece

POINTER_ORDER = ["attention", "saliency (gradient norm)", "gradient × input", "integrated gradients"]
# Red supports the piece, blue argues against it; attention and saliency are never negative.
SHARE_SCALE = alt.Scale(domain=[-1, 1], scheme="redblue", reverse=True)


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
    chart = alt.Chart(frame).mark_rect(stroke="white").encode(
        x=alt.X("key:O", title="source piece", sort=keys, axis=piece_axis(list(frame["piece"]))),
        y=alt.Y("pointer:N", title=None, sort=order, axis=alt.Axis(labelLimit=220)),
        color=alt.Color("share:Q", title="share of the row's largest", scale=SHARE_SCALE,
                        legend=alt.Legend(orient="bottom", gradientLength=200)),
        tooltip=["pointer:N", "piece:N", alt.Tooltip("score:Q", format=".4f"), alt.Tooltip("share:Q", format=".2f")],
    ).properties(width=alt.Step(column_px(len(keys))), height=alt.Step(30))
    return described(chart, "Attention beside attribution",
                     "One row per pointer (attention, then each attribution method), one column per source piece; "
                     "a cell's colour is its share of the row's largest score, red for support and blue against.")


# The pieces' columns share this width, so that a long sentence's row still fits the page's column beside the
# row names (25 pieces at 34 px each made the chart 990 px wide in a 906 px column).
ROW_PX = 600


def column_px(pieces: int) -> int:
    return max(8, min(34, ROW_PX // max(1, pieces)))


def removal_frame(removals: list[Any], src_pieces: list[str], labels: dict[str, str],
                  winners: list[str]) -> pd.DataFrame:
    """The faithfulness check as a table: what each pointer removed and how much p(piece) fell."""
    return pd.DataFrame([{
        "pointer": labels.get(r.pointer, r.pointer), "piece removed": show_piece(src_pieces[r.position]),
        "position": r.position + 1, "p before": round(r.prob_before, 4), "p after": round(r.prob_after, 4),
        "drop": round(r.drop, 4), "explains best": "✔" if r.pointer in winners else "",
    } for r in removals])
