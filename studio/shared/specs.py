"""Charts as Vega-Lite specs, built once and sent many times: building a chart with Altair costs far
more than the rest of a rerun (tens of milliseconds each), so a cached chart is built once and every
later rerun that shows it (another session, Back to a step seen before, a widget elsewhere on the
page) sends the stored spec. st.cache_data hands each caller its own copy of the spec.
"""
from __future__ import annotations

from typing import Any

import altair as alt
import streamlit as st
from streamlit import dataframe_util

from seq2seq.config import DecodeConfig
from seq2seq.service import ModelInfo, Trace
from studio.shared.charts.pieces import output_chips

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
def _chips(path: str, version: float, decode: DecodeConfig, source: tuple[int, ...],
           choices: tuple[tuple[int, bool], ...], _steps: list) -> Spec:
    return spec(output_chips(_steps))


def translation_chips(info: ModelInfo, decode: DecodeConfig, trace: Trace) -> Spec:
    """A translation's pieces coloured by entropy (home and translate pages), keyed by what decides
    the chart: the model's version, the settings, the source and each step's choice."""
    choices = tuple((step.chosen_id, step.forced) for step in trace.steps)
    return _chips(str(info.path), info.version, decode, tuple(trace.src_ids), choices, trace.steps)
