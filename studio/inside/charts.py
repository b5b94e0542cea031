"""The Inside page's own charts: the KL shift of a word swap, the rows of a pattern search and the bottleneck's
scores by length. Pure functions from arrays and traces to Altair. (Hidden-state paths in 2-D, which the
notebook API draws too, are in studio/shared/charts/trajectories.py.)
"""
from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from seq2seq.service import StepTrace
from studio.shared.charts import palette
from studio.shared.charts.accessible import described
from studio.shared.charts.lengths import LengthColumns
from studio.shared.charts.pieces import key, piece_axis
from studio.shared.charts.trajectories import top_label
from studio.shared.text import show_piece

# Sigmoid gates live in [0, 1]; tanh candidates and hidden states in [-1, 1].
GATE_RANGES = {"reset": (0.0, 1.0), "update": (0.0, 1.0), "input": (0.0, 1.0), "forget": (0.0, 1.0),
               "output": (0.0, 1.0), "candidate": (-1.0, 1.0), "cell_candidate": (-1.0, 1.0)}
# The bottleneck's scores by length, as length_frame names them.
LENGTH_COLUMNS = LengthColumns(series="model", bucket="bucket", order="order", score="score")


def kl_frame(steps: list[StepTrace], kl: list[float], p_original: list[float], p_swapped: list[float],
             swapped_steps: list[StepTrace]) -> pd.DataFrame:
    return pd.DataFrame({
        "key": [key(s.index + 1, s.chosen_piece) for s in steps], "step": [s.index + 1 for s in steps],
        "piece": [show_piece(s.chosen_piece) for s in steps], "kl": kl,
        "p_original": p_original, "p_swapped": p_swapped,
        "swapped_top": [top_label(s, 1) for s in swapped_steps],
    })


def kl_chart(frame: pd.DataFrame) -> alt.Chart:
    """KL(original || swapped) per output step, bars labelled with the original's piece."""
    chart = alt.Chart(frame).mark_bar(color=palette.VERMILION).encode(
        x=alt.X("key:O", title="original output piece (step)", axis=piece_axis(frame["piece"].tolist())),
        y=alt.Y("kl:Q", title="KL (nats)"),
        tooltip=["step:Q", "piece:N", alt.Tooltip("kl:Q", format=".4f", title="KL (nats)"),
                 alt.Tooltip("p_original:Q", format=".3f", title="p(piece | original)"),
                 alt.Tooltip("p_swapped:Q", format=".3f", title="p(piece | swapped)"),
                 alt.Tooltip("swapped_top:N", title="swapped's top piece")],
    ).properties(height=220, width=alt.Step(max(16, 9 * max((len(p) for p in frame["piece"]), default=1))))
    return described(chart, "How much each output step changed after the word swap",
                     "One bar per output piece of the original sentence: the KL divergence (nats) between the "
                     "model's next-piece distributions with the original and with the swapped word.")


def length_frame(results: dict[str, dict]) -> pd.DataFrame:
    """{model label: scores_by_length result} -> one row per model and length bucket."""
    rows = [{"model": label, **bucket} for label, result in results.items() for bucket in result["buckets"]]
    return pd.DataFrame(rows, columns=["model", "order", "bucket", "sentences", "score"])


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
