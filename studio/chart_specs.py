"""Chart specs cached per (model version, sentence, settings, step): building a chart with Altair costs
far more than the rest of a rerun (tens of milliseconds each), so a chart is built once and every
later rerun that shows it — another session, Back to a step seen before, a widget elsewhere on the
page — sends the stored Vega-Lite spec. st.cache_data hands each caller its own copy of the spec.
"""
from __future__ import annotations

from typing import Any

import altair as alt
import streamlit as st
from streamlit import dataframe_util

from seq2seq.config import DecodeConfig
from seq2seq.decoding.trace import Trace
from seq2seq.service import ModelInfo
from studio import charts, charts_search, traces
from studio.sidebar import Selection

Spec = dict[str, Any]
# A spec is a few kilobytes: thousands stay within a few megabytes.
MAX_SPECS = 4000


def spec(chart: alt.TopLevelMixin | None) -> Spec | None:
    """The chart as st.vega_lite_chart takes it, its datasets already in the Arrow format Streamlit
    sends (which it would otherwise convert again on every rerun)."""
    if chart is None:
        return None
    # Altair's schema validation costs more than the chart itself; the builders' tests validate.
    value = chart.to_dict(validate=False)
    value["datasets"] = {name: dataframe_util.convert_anything_to_arrow_bytes(rows)
                         for name, rows in value.get("datasets", {}).items()}
    return value


def show(value: Spec | None, stretch: bool = False) -> None:
    if value is not None:
        st.vega_lite_chart(spec=value, width="stretch" if stretch else "content")


@st.cache_data(max_entries=MAX_SPECS, show_spinner=False)
def _step(path: str, version: float, text: str, decode: DecodeConfig, prefix: tuple[int, ...],
          index: int) -> dict[str, Spec | None]:
    trace = traces.cached(path, version, text, decode, prefix).trace
    step = trace.steps[index]
    return {"chips": spec(charts.output_chips(trace.steps[: index + 1])),
            "candidates": spec(charts.candidates_chart(step)),
            "attention": spec(charts.step_attention_chart(step, trace.src_pieces)),
            "beam": spec(charts_search.beam_tree_chart(trace.beam, index + 1)) if trace.beam else None}


def step_specs(selection: Selection, text: str, prefix: list[int], index: int) -> dict[str, Spec | None]:
    """The step page's charts at step `index` (from 0): output so far, candidates, attention, beam tree."""
    info = selection.model
    return _step(str(info.path), info.version, text, selection.decode, tuple(prefix), index)


@st.cache_data(max_entries=MAX_SPECS, show_spinner=False)
def _chips(path: str, version: float, decode: DecodeConfig, source: tuple[int, ...],
           choices: tuple[tuple[int, bool], ...], _steps: list) -> Spec:
    return spec(charts.output_chips(_steps))


def output_chips(info: ModelInfo, decode: DecodeConfig, trace: Trace) -> Spec:
    """A translation's pieces coloured by entropy (home and translate pages), keyed by what decides
    the chart: the model's version, the settings, the source and each step's choice."""
    choices = tuple((step.chosen_id, step.forced) for step in trace.steps)
    return _chips(str(info.path), info.version, decode, tuple(trace.src_ids), choices, trace.steps)
