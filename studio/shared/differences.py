"""What differs between models shown side by side (Inside page: gradients, bottleneck; Train page: runs
compared): a sentence naming every difference beyond what the comparison is about, and the table of
facts it comes from, each model's read from its own config.json and metrics.json."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from seq2seq.service import Comparison
from studio.shared.text import escape_markdown

DIFFERS = "background-color: #fde2d4"  # a row whose values differ (beyond what is compared)
COMPARED = "background-color: #e3eefa"  # the row the comparison is about


def differences_frame(comparison: Comparison) -> pd.DataFrame:
    """One row per fact, one column per model, and whether the fact is the same for all."""
    return pd.DataFrame(comparison.rows(), columns=["", "same?", *comparison.models])


def _row_style(row: pd.Series) -> list[str]:
    state = row["same?"]
    style = COMPARED if state == "compared" else DIFFERS if state.startswith("differs") else ""
    return [style] * len(row)


def show_differences(comparison: Comparison, title: str) -> None:
    """The sentence, then the table (rows that differ shaded)."""
    st.markdown(f"**{escape_markdown(title)}**")
    st.caption(escape_markdown(comparison.sentence()))
    frame = differences_frame(comparison)
    # Tall enough for every row: a fact scrolled out of sight is a difference unseen.
    st.dataframe(frame.style.apply(_row_style, axis=1), hide_index=True, height=35 * (len(frame) + 1) + 3)
