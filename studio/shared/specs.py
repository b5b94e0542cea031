"""Charts as Vega-Lite specs, built once and sent many times: building a chart with Altair costs far
more than the rest of a rerun (tens of milliseconds each), so a cached chart is built once and every
later rerun that shows it (another session, Back to a step seen before, a widget elsewhere on the
page) sends the stored spec. st.cache_data hands each caller its own copy of the spec.
"""
from __future__ import annotations

import copy
from typing import Any, Callable

import altair as alt
import pandas as pd
import streamlit as st
from streamlit import dataframe_util

from seq2seq.config import DecodeConfig
from seq2seq.service import ModelInfo, Trace
from studio.shared.charts.pieces import output_chips_chart, output_chips_frame, output_chips_layout

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


# (builder, layout) -> (a chart's spec without its data, the name of its one dataset); holds no data.
# Keyed by the builder itself, not by a name: two charts cannot share a template by mistake.
_TEMPLATES: dict[tuple, tuple[Spec, str]] = {}


def templated(layout: tuple, frame: pd.DataFrame, build: Callable[[pd.DataFrame], alt.TopLevelMixin]) -> Spec:
    """The spec of build(frame), for a chart that depends on its data only through `frame`'s rows and the
    `layout` values: Altair builds and serialises it once per (build, layout), and every later frame only
    replaces the one dataset (a few milliseconds instead of a hundred for a layered chart). The dataset
    keeps its name, so the browser swaps the data of the chart it has drawn instead of drawing anew.
    `build` is a module-level function: a lambda or closure made per call would never find its template."""
    if build.__name__ == "<lambda>" or build.__closure__:
        raise ValueError(f"{build.__qualname__}: a templated chart's builder is a module-level function")
    found = _TEMPLATES.get((build, layout))
    if found is None:
        value = build(frame).to_dict(validate=False)
        names = list(value.pop("datasets", {}))
        if len(names) != 1:
            raise ValueError(f"{build.__qualname__}: a templated chart draws one dataset, not {len(names)}")
        found = _TEMPLATES[(build, layout)] = (value, names[0])
    template, name = found
    value = copy.deepcopy(template)
    value["datasets"] = {name: dataframe_util.convert_anything_to_arrow_bytes(frame)}
    return value


def show(value: Spec | None, stretch: bool = False) -> None:
    if value is not None:
        st.vega_lite_chart(spec=value, width="stretch" if stretch else "content")


@st.cache_data(max_entries=MAX_SPECS, show_spinner=False)
def _chips(path: str, version: float, decode: DecodeConfig, source: tuple[int, ...],
           choices: tuple[tuple[int, bool], ...], _steps: list) -> Spec:
    frame = output_chips_frame(_steps)
    return templated(output_chips_layout(frame), frame, output_chips_chart)


def translation_chips(info: ModelInfo, decode: DecodeConfig, trace: Trace) -> Spec:
    """A translation's pieces coloured by entropy (home and translate pages), keyed by what decides
    the chart: the model's version, the settings, the source and each step's choice."""
    choices = tuple((step.chosen_id, step.forced) for step in trace.steps)
    return _chips(str(info.path), info.version, decode, tuple(trace.src_ids), choices, trace.steps)
