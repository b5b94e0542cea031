"""Pattern search on the Neurons view (after LSTMVis): select a span of the sentence, keep the units
that are on over all of it, and find where in the model's training sample the same units are on
together for at least as long."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from seq2seq import service
from studio.inside import cache as inside_cache
from studio.inside.charts import pattern_frame
from studio.shared.messages import user_errors
from studio.shared.selection import Selection
from studio.shared.text import escape_markdown, show_piece

HIGHLIGHT = "background-color: #ffd166; font-weight: bold"


def pattern_section(selection: Selection, family: str, activations, pieces: list[str]) -> None:
    st.markdown("**Pattern search**: where else are the same units on together?")
    if len(pieces) < 2:
        st.caption("The sentence needs at least two pieces to select a span.")
        return
    last = len(pieces) - 1
    labels = {i: f"{i + 1}: {show_piece(p)}" for i, p in enumerate(pieces)}
    left, right = st.columns([3, 1])
    start, end = left.select_slider("Span of the sentence", options=list(range(len(pieces))),
                                    value=(max(0, last // 2 - 1), last // 2), format_func=labels.get,
                                    key=f"inside_pattern_span_{family}_{len(pieces)}")
    info = selection.model
    before = (f"Pattern search looks in the training sentences of {escape_markdown(info.name)}; the charts above "
              "need only your sentence. ")
    with user_errors(st.warning, before=before) as failed:
        ref = inside_cache.training_reference(str(info.path), info.version)
        scan = service.pattern_thresholds(ref, family, activations, start, end)
    if failed:
        return
    # The default: the lowest threshold at which this span's units are found on together elsewhere (the
    # most units, the most specific pattern); kept per sentence length once the slider is moved.
    suggested = service.suggested_threshold(scan)
    threshold = right.slider("On above", 0.0, 0.95, service.PATTERN_THRESHOLD if suggested is None else suggested,
                             0.05, key=f"inside_pattern_threshold_{family}_{len(pieces)}",
                             help="A unit is on where its activation is above this (hidden states lie in -1..1). "
                                  "Higher keeps fewer units, and fewer units are more easily on together.")
    hint = service.threshold_hint(scan, threshold)
    with user_errors(st.warning, after=f" {escape_markdown(hint)}" if hint else "") as failed:
        result = service.pattern_search(ref, family, activations, start, end, threshold)
    if failed:
        return
    st.caption(f"{len(result.units)} unit(s) on over pieces {start + 1}-{end + 1}: "
               f"{', '.join(str(u) for u in result.units)}. Runs of at least {end - start + 1} pieces where all "
               f"of them are on, among {result.searched:,} training sentences, longest first:")
    if not result.matches:
        st.info(escape_markdown(hint or "No training sentence has these units on together for that long."))
        return
    char_level = (selection.summary.tgt_kind if family == "decoder" else selection.summary.src_kind) == "char"
    frame = pattern_frame(result.matches, char_level)
    st.dataframe(highlighted(frame), hide_index=True)


def highlighted(frame: pd.DataFrame):
    """The matched span stands out (a cell style, never HTML built from the text)."""
    return frame.style.map(lambda _: HIGHLIGHT, subset=["match"])
