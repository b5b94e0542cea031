"""The Step-by-step page's charts, cached as specs per (model version, sentence, settings, forced
pieces, step): Next, Back and the slider send stored specs instead of building Altair charts again.

STEP_CHARTS is the page's one list of per-step charts, each under a StepChart kind: a new chart is its
builder (studio/step/charts.py or shared/charts), a StepChart member with its entry here, and the place
view.py shows `charts[StepChart.X]` (tests/test_registries.py fails while a piece is missing)."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Callable

import streamlit as st

from seq2seq.config import DecodeConfig
from seq2seq.service import Trace
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


@enum.unique
class StepChart(enum.Enum):
    """The per-step charts of the page, by what they show."""
    CHIPS = "the output up to this step"
    CANDIDATES = "the next-piece candidates"
    ATTENTION = "the attention over the source"
    BEAM = "the beam search tree"


@dataclass(frozen=True)
class Drawn:
    """One chart of the page: its kind and its spec at step `index` (from 0) of a trace, None where the
    step has none (no attention, no beam)."""
    kind: StepChart
    spec: Callable[[Trace, int], Spec | None]


def _chips(trace: Trace, index: int) -> Spec:
    chips = output_chips_frame(trace.steps[: index + 1])
    return templated(output_chips_layout(chips), chips, output_chips_chart)


def _candidates(trace: Trace, index: int) -> Spec:
    return templated((), candidates_frame(trace.steps[index]), candidates_chart_of)


def _attention(trace: Trace, index: int) -> Spec | None:
    step = trace.steps[index]
    if step.attention is None:
        return None
    return templated((), step_attention_frame(step, trace.src_pieces), step_attention_chart_of)


def _beam(trace: Trace, index: int) -> Spec | None:
    return spec(tree_chart(trace, index + 1)) if trace.beam else None


STEP_CHARTS = (Drawn(StepChart.CHIPS, _chips), Drawn(StepChart.CANDIDATES, _candidates),
               Drawn(StepChart.ATTENTION, _attention), Drawn(StepChart.BEAM, _beam))


@st.cache_data(max_entries=MAX_SPECS, show_spinner=False)
def _step(path: str, version: float, text: str, decode: DecodeConfig, prefix: tuple[int, ...],
          index: int, _trace: Trace) -> dict[StepChart, Spec | None]:
    """Keyed by what decides the trace (`_trace` is the page's own copy of it, left out of the key: reading
    it from the trace cache again would copy the whole trace once more)."""
    return {drawn.kind: drawn.spec(_trace, index) for drawn in STEP_CHARTS}


# The beam tree's room: the expander's column on a 1280 px screen with the sidebar open (the browser tests
# measure it), and rows enough for beam 5 with its pruned candidates over the steps that fit across.
BEAM_TREE_PX = 760
BEAM_TREE_ROWS = 40


def tree_chart(trace: Trace, current: int, show_pruned: bool = False):
    """The search tree around step `current` (from 1), the returned translation along its top row."""
    return beam_tree_chart(trace.beam, current, show_pruned, max_width=BEAM_TREE_PX, output_ids=trace.output_ids,
                           max_rows=BEAM_TREE_ROWS)


def step_specs(selection: Selection, text: str, prefix: list[int], index: int,
               trace: Trace) -> dict[StepChart, Spec | None]:
    """The charts at step `index` (from 0) of `trace`, the trace of `text` with `prefix` forced that
    studio.shared.cache gave the page: output so far, candidates, attention, beam tree."""
    info = selection.model
    return _step(str(info.path), info.version, text, selection.decode, tuple(prefix), index, trace)
