"""The Inside page's views of single hidden units and of whole states: units and gates over time,
and the training states nearest to one of the sentence's."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from seq2seq import service
from studio.inside import cache as inside_cache
from studio.inside.charts import GATE_RANGES
from studio.inside.patterns import pattern_section
from studio.inside.space import FAMILY_LABELS
from studio.shared import cache, glossary
from studio.shared.charts.units import unit_frame
from studio.shared.messages import user_errors
from studio.shared.selection import Selection
from studio.shared.text import escape_markdown, show_piece


def family_pieces(trace, family: str) -> list[str]:
    return [s.chosen_piece for s in trace.steps] if family == "decoder" else trace.src_pieces


def unit_order(activations, pieces: list[str], key: str) -> list[int]:
    """Widgets for the unit order; returns unit indices, best first."""
    left, right = st.columns(2)
    order = left.radio("Sort units by", ["variance over time", "correlation with a piece"], key=f"{key}_order",
                       horizontal=True)
    if order == "variance over time":
        return service.unit_order(activations)
    choices = sorted(set(pieces))
    piece = right.selectbox("Piece", choices, format_func=show_piece, key=f"{key}_piece",
                            help="Units whose activation rises (or falls) exactly where this piece is come first.")
    return service.unit_order(activations, [p == piece for p in pieces])


def neurons(selection: Selection, sentence: str) -> None:
    trace = cache.trace(selection, sentence).trace
    states = service.trace_states(trace)
    family = st.radio("States", list(states), index=len(states) - 1, format_func=FAMILY_LABELS.get, horizontal=True,
                      key="inside_family")  # the decoder by default: it is the one with recorded gates
    activations, pieces = states[family], family_pieces(trace, family)
    units = unit_order(activations, pieces, "inside_units")
    size = activations.shape[1]
    shown = st.slider("Units shown", 1, size, min(size, 32), key="inside_units_shown") if size > 1 else 1
    st.markdown(f"**Hidden units × time** ({FAMILY_LABELS[family]}, {shown} of {size} units)")
    frame = unit_frame(activations, units[:shown], pieces)
    inside_cache.show_chart("units", frame, "activation", (-1.0, 1.0), stretch=True)
    glossary.what("neurons")
    if family == "decoder":
        gates(trace, units[:shown], pieces)
    else:
        st.caption("Gate values are recorded for the decoder, which runs one step at a time; the encoder runs "
                   "as one fused RNN call over the whole sentence.")
    pattern_section(selection, family, activations, pieces)


def gates(trace, units: list[int], pieces: list[str]) -> None:
    names = list(trace.steps[0].gates)
    if names == ["preactivation"]:
        st.caption("A plain RNN cell has no gates; below is its pre-activation a = W x + U h + b (h = tanh a): "
                   "the value inside each unit before the tanh squashes it into [-1, 1].")
    gate = st.radio("Gate", names, horizontal=True, key="inside_gate",
                    help="GRU: reset r and update z (how much of the old state to keep), candidate n. "
                         "LSTM: input, forget, output gates and the cell candidate. " + glossary.GLOSSARY["gates"])
    values = [step.gates[gate] for step in trace.steps]
    st.markdown(f"**{escape_markdown(gate)} gate × time** (same units, same order)")
    frame = unit_frame(values, units, pieces)
    inside_cache.show_chart("units", frame, gate, GATE_RANGES.get(gate), stretch=True)


def neighbours(selection: Selection, sentence: str) -> None:
    info = selection.model
    before = (f"Nearest neighbours need the training data of {escape_markdown(info.name)}; the other views work on "
              "the sentences you type. ")
    with user_errors(st.warning, before=before) as failed:
        ref = inside_cache.training_reference(str(info.path), info.version)
    if failed:
        return
    trace = cache.trace(selection, sentence).trace
    states = service.trace_states(trace)
    left, middle, right = st.columns(3)
    family = left.radio("States", list(states), index=len(states) - 1, format_func=FAMILY_LABELS.get,
                        key="inside_nn_family")
    pieces = family_pieces(trace, family)
    # Mid-sentence by default: first states only tell which piece a sentence starts with.
    position = middle.selectbox("State of piece", range(len(pieces)), index=len(pieces) // 2,
                                key=f"inside_nn_position_{family}_{len(pieces)}",
                                format_func=lambda i: f"{i + 1}: {show_piece(pieces[i])}")
    metric = right.radio("Distance", service.METRICS, key="inside_nn_metric", horizontal=True)
    count = right.slider("Neighbours", 3, 30, 10, key="inside_nn_count")
    index = inside_cache.state_index(str(info.path), info.version, family, metric)
    summary = selection.summary
    char_level = (summary.tgt_kind if family == "decoder" else summary.src_kind) == "char"
    rows = service.nearest(ref, index, family, states[family][position], count, char_level)
    st.caption(f"The {count} {FAMILY_LABELS[family]} states nearest to the one at piece {position + 1}, among "
               f"{index.size:,} states of {ref.sentences:,} training sentences (exact search; score = "
               f"{'cosine similarity, 1 = same direction' if metric == 'cosine' else 'euclidean distance, 0 = same'}).")
    # A static table wraps its cells within the column: the interactive grid sized its columns to the longest
    # sentence and pushed the target past the right edge.
    st.table(pd.DataFrame(rows), hide_index=True)
    glossary.what("neighbours")
