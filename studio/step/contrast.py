"""Why this piece rather than another (the Step-by-step page): click a candidate of the step and see which
source pieces and which output pieces written so far push the model toward its pick rather than that
candidate, with the same faithfulness check as the single-piece attribution."""
from __future__ import annotations

import streamlit as st

from seq2seq import service
from seq2seq.service import BOS_ID, PAD_ID, PieceContrast
from studio.shared import glossary, render
from studio.shared.charts.attribution import removal_frame
from studio.shared.charts.contrast import contrast_chart, contrast_frame
from studio.shared.messages import user_errors
from studio.shared.selection import Selection, cached_translator
from studio.shared.text import escape_markdown, show_piece


@st.cache_data(max_entries=200, show_spinner=False)
def piece_contrast(path: str, version: float, sentence: str, output_ids: tuple[int, ...], step: int,
                   foil: int) -> PieceContrast:
    return service.explain_contrast(cached_translator(path, version), sentence, list(output_ids), step, foil)


def contrast_section(selection: Selection, trace, index: int) -> None:
    """The step's candidates as buttons; a click explains the pick against that candidate (built on
    request: a second or two)."""
    step = trace.steps[index]
    others = [c for c in step.top if c.token_id not in (PAD_ID, BOS_ID, step.chosen_id)]
    if not others:
        return
    pick = escape_markdown(show_piece(step.chosen_piece))
    labels = {c.token_id: f"{show_piece(c.piece)} · {percent(c.prob)}" for c in others}
    foil = st.pills(f"**Why {pick} rather than…?** Click a candidate: what pushes the model toward its pick "
                    "rather than that one", list(labels), format_func=labels.__getitem__,
                    key=f"step_contrast_{index}_{step.chosen_id}")
    if foil is not None:
        contrast_panel(selection, trace, index, foil)


def percent(p: float) -> str:
    """A probability as a student reads it: the candidates a pick beat by far are not "0.0%"."""
    return f"{p:.1%}" if p >= 0.001 else f"{100 * p:.1g}%"


def contrast_panel(selection: Selection, trace, index: int, foil: int) -> None:
    info = selection.model
    with st.spinner("Taking gradients…"), user_errors(st.warning) as failed:
        found = piece_contrast(str(info.path), info.version, trace.source, tuple(trace.output_ids), index, foil)
    if failed:
        return
    x, y = escape_markdown(show_piece(found.piece)), escape_markdown(show_piece(found.foil))
    st.markdown(f"**Why {x} (p = {percent(found.prob)}) rather than {y} (p = {percent(found.foil_prob)})**: "
                f"attribution of log p({x}) − log p({y}) = {found.contrast:.2f} nats. "
                f"Red pushes toward {x}, blue toward {y}.")
    frame = contrast_frame(found.src_pieces, found.output_pieces, found.scores, found.output_scores,
                           found.attention, service.ATTRIBUTION_LABELS)
    render.chart(contrast_chart(frame))
    st.caption(reading(found, frame))
    st.markdown(f"**Faithfulness check**: remove the source piece each row points at; p({x} | {x} or {y}) "
                f"= p({x}) / (p({x}) + p({y})) is scored again")
    labels = service.ATTRIBUTION_LABELS
    st.dataframe(removal_frame(found.removals, found.src_pieces, labels, found.winners), hide_index=True)
    glossary.what("contrast")


def reading(found: PieceContrast, frame) -> str:
    """The caption's conclusion, from the numbers drawn: the piece integrated gradients rank first (either side),
    the share the output so far carries, and completeness."""
    ig = frame[frame["pointer"] == service.ATTRIBUTION_LABELS["integrated_gradients"]]
    top = ig.loc[ig["score"].idxmax()] if len(ig) else None
    total = sum(found.scores["integrated_gradients"]) + sum(found.output_scores["integrated_gradients"])
    outputs = sum(abs(v) for v in found.output_scores["integrated_gradients"])
    carried = outputs / max(1e-12, outputs + sum(abs(v) for v in found.scores["integrated_gradients"]))
    x = escape_markdown(show_piece(found.piece))
    said = (f"Integrated gradients: the strongest push toward {x} comes from {escape_markdown(top['side'])} piece "
            f"{escape_markdown(top['piece'])}" if top is not None and top["score"] > 0 else
            f"Integrated gradients find no piece that pushes toward {x}")
    return (f"{said}; the output so far carries {carried:.0%} of the total. The shares sum to {total:.3f} against "
            f"the contrast's change from an all-zero input, {found.contrast - found.baseline_contrast:.3f} "
            "(completeness).")
