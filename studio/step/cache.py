"""The Step-by-step page's charts, cached as specs per (model version, sentence, settings, forced
pieces, step): Next, Back and the slider send stored specs instead of building Altair charts again."""
from __future__ import annotations

import streamlit as st

from seq2seq.config import DecodeConfig
from studio.shared.charts.beam import beam_tree_chart
from studio.shared.charts.pieces import (
    candidates_chart_of,
    candidates_frame,
    output_chips_chart,
    output_chips_frame,
    output_chips_layout,
)
from studio.shared.selection import Selection
from studio.shared.specs import MAX_SPECS, Spec, spec, templated
from studio.step.charts import step_attention_chart_of, step_attention_frame


@st.cache_data(max_entries=MAX_SPECS, show_spinner=False)
def _step(path: str, version: float, text: str, decode: DecodeConfig, prefix: tuple[int, ...],
          index: int, _trace) -> dict[str, Spec | None]:
    """Keyed by what decides the trace (`_trace` is the page's own copy of it, left out of the key: reading
    it from the trace cache again would copy the whole trace once more)."""
    trace = _trace
    step = trace.steps[index]
    chips = output_chips_frame(trace.steps[: index + 1])
    attention = None if step.attention is None else step_attention_frame(step, trace.src_pieces)
    return {"chips": templated("output chips", output_chips_layout(chips), chips, output_chips_chart),
            "candidates": templated("candidates", (), candidates_frame(step), candidates_chart_of),
            "attention": None if attention is None else templated("step attention", (), attention,
                                                                  step_attention_chart_of),
            "beam": spec(tree_chart(trace, index + 1)) if trace.beam else None}


# The beam tree's room: the expander's column on a 1280 px screen with the sidebar open (the browser tests
# measure it), and rows enough for beam 5 with its pruned candidates over the steps that fit across.
BEAM_TREE_PX = 760
BEAM_TREE_ROWS = 40


def tree_chart(trace, current: int, show_pruned: bool = False):
    """The search tree around step `current` (from 1), the returned translation along its top row."""
    return beam_tree_chart(trace.beam, current, show_pruned, max_width=BEAM_TREE_PX, output_ids=trace.output_ids,
                           max_rows=BEAM_TREE_ROWS)


def step_specs(selection: Selection, text: str, prefix: list[int], index: int, trace) -> dict[str, Spec | None]:
    """The charts at step `index` (from 0) of `trace`, the trace of `text` with `prefix` forced that
    studio.shared.cache gave the page: output so far, candidates, attention, beam tree."""
    info = selection.model
    return _step(str(info.path), info.version, text, selection.decode, tuple(prefix), index, trace)
