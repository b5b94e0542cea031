"""The Step-by-step page's charts, cached as specs per (model version, sentence, settings, forced
pieces, step): Next, Back and the slider send stored specs instead of building Altair charts again."""
from __future__ import annotations

import streamlit as st

from seq2seq.config import DecodeConfig
from studio.shared import cache
from studio.shared.charts.beam import beam_tree_chart
from studio.shared.charts.pieces import candidates_chart, output_chips
from studio.shared.selection import Selection
from studio.shared.specs import MAX_SPECS, Spec, spec
from studio.step.charts import step_attention_chart


@st.cache_data(max_entries=MAX_SPECS, show_spinner=False)
def _step(path: str, version: float, text: str, decode: DecodeConfig, prefix: tuple[int, ...],
          index: int) -> dict[str, Spec | None]:
    trace = cache.cached_trace(path, version, text, decode, prefix).trace
    step = trace.steps[index]
    return {"chips": spec(output_chips(trace.steps[: index + 1])),
            "candidates": spec(candidates_chart(step)),
            "attention": spec(step_attention_chart(step, trace.src_pieces)),
            "beam": spec(beam_tree_chart(trace.beam, index + 1)) if trace.beam else None}


def step_specs(selection: Selection, text: str, prefix: list[int], index: int) -> dict[str, Spec | None]:
    """The charts at step `index` (from 0): output so far, candidates, attention, beam tree."""
    info = selection.model
    return _step(str(info.path), info.version, text, selection.decode, tuple(prefix), index)
