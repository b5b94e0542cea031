"""Attribution beside attention, for one output piece (a panel of the Translate and Step-by-step
pages): which source pieces caused it (saliency, gradient × input, integrated gradients) and the
faithfulness check (remove the piece each one points at and watch p(piece))."""
from __future__ import annotations

import math

import streamlit as st

from seq2seq import service
from studio.shared import cache, render
from studio.shared.charts.attribution import attribution_chart, attribution_frame, removal_frame
from studio.shared.messages import user_errors
from studio.shared.selection import Selection
from studio.shared.text import escape_markdown, show_piece

HELP = ("**Attention** shows where the decoder looked at this step. **Attribution** asks what caused "
        "its choice: how log p(piece) responds to each source piece's embedding. *Saliency* is the size of "
        "the gradient (how sensitive the choice is to that piece); *gradient × input* is its first-order "
        "share; *integrated gradients* adds up the gradient along a path from an all-zero input to the real "
        "one, so its shares sum exactly to log p(piece) − log p(piece | zero input). Red supports the "
        "piece, blue argues against it; each row is scaled to its own largest value.\n\n"
        "**The check**: the source piece each row ranks first is removed (replaced by padding: a zero "
        "vector attention cannot look at) and the same output is scored again. The bigger the drop in "
        "p(piece), the better that row explained the choice.")


def attribution_panel(selection: Selection, trace, index: int) -> None:
    """Everything for output step `index` of `trace` (built on request: a second or so)."""
    info = selection.model
    piece = show_piece(trace.steps[index].chosen_piece)
    with st.spinner("Taking gradients…"), user_errors(st.warning) as failed:
        found = cache.piece_attribution(str(info.path), info.version, trace.source, tuple(trace.output_ids), index)
    if failed:
        return
    st.markdown(f"**What caused piece {index + 1}, {escape_markdown(piece)}** (p = {found.prob:.1%})")
    frame = attribution_frame(found.src_pieces, found.scores, found.attention, service.ATTRIBUTION_LABELS)
    render.chart(attribution_chart(frame))
    with st.expander("What these rows mean"):
        st.markdown(HELP)
    st.markdown("**Faithfulness check**: remove the piece each row points at")
    st.dataframe(removal_frame(found.removals, found.src_pieces, service.ATTRIBUTION_LABELS, found.winners),
                 hide_index=True)
    labels = [service.ATTRIBUTION_LABELS[w] for w in found.winners]
    st.caption(f"Biggest drop: {escape_markdown(', '.join(labels))}. Integrated gradients sum to "
               f"{found.completeness_gap + (_log(found.prob) - found.baseline_logprob):.3f} against "
               f"log p − log p(zero input) = {_log(found.prob) - found.baseline_logprob:.3f} (completeness).")


def _log(p: float) -> float:
    return math.log(max(p, 1e-300))


def attribution_section(selection: Selection, trace, index: int | None, key: str) -> None:
    """A closed expander costs nothing: the gradients are taken only while it is open. With `index`
    None (the Translate page) the reader picks the output piece inside it."""
    box = st.expander("Attribution: which source pieces caused this piece (beside attention), and a "
                      "faithfulness check", key=key, on_change="rerun")
    with box:
        if not box.open:
            return
        if index is None:
            labels = [f"{i + 1}: {show_piece(s.chosen_piece)}" for i, s in enumerate(trace.steps)]
            index = st.selectbox("Output piece to explain", range(len(labels)), format_func=labels.__getitem__,
                                 key=f"{key}_piece")
        attribution_panel(selection, trace, index)
