"""Chart specs cached per (model version, sentence, settings, step): building a chart with Altair costs
far more than the rest of a rerun (tens of milliseconds each), so a chart is built once and every
later rerun that shows it — another session, Back to a step seen before, a widget elsewhere on the
page — sends the stored Vega-Lite spec. st.cache_data hands each caller its own copy of the spec.
"""
from __future__ import annotations

from typing import Any

import altair as alt
import streamlit as st

from seq2seq.config import DecodeConfig
from studio import charts, charts_search, traces
from studio.sidebar import Selection

Spec = dict[str, Any]
# A spec is a few kilobytes: thousands stay within a few megabytes.
MAX_SPECS = 4000


def spec(chart: alt.TopLevelMixin | None) -> Spec | None:
    # Altair's schema validation costs more than the chart itself; the builders' tests validate.
    return None if chart is None else chart.to_dict(validate=False)


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
def _output(path: str, version: float, text: str, decode: DecodeConfig) -> Spec:
    return spec(charts.output_chips(traces.cached(path, version, text, decode, ()).trace.steps))


def output_chips(selection: Selection, text: str, decode: DecodeConfig | None = None) -> Spec:
    """A translation's pieces coloured by entropy, as the home and translate pages show it."""
    info = selection.model
    return _output(str(info.path), info.version, text, decode or selection.decode)
