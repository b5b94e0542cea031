"""The Translate page's charts, cached as specs per (model version, sentence, settings): a click on any
widget reruns the whole page, and building its four Altair charts again cost more than the rest of the
rerun (benchmarks/README.md, 2026-12-06). Each reads its traces from the shared trace cache."""
from __future__ import annotations

import dataclasses

import streamlit as st

from seq2seq.config import DecodeConfig
from studio.shared import cache
from studio.shared.charts.attention import attention_heatmap
from studio.shared.charts.pieces import source_chips
from studio.shared.specs import MAX_SPECS, Spec, spec
from studio.translate.charts import exposure_chart, strategies_chart

# The strategies' chips wrap to rows this wide: with the strategy's name before them they fit the expander's
# column on a 1280 px screen with the sidebar open (its legend sits above the chips, not beside them).
STRATEGY_ROW_PX = 690


def strategy_configs(decode: DecodeConfig) -> dict[str, DecodeConfig]:
    """The sidebar's knobs, applied to each strategy in turn."""
    return {"greedy": dataclasses.replace(decode, strategy="greedy", n_best=1),
            "beam": dataclasses.replace(decode, strategy="beam", n_best=1),
            "sampling": dataclasses.replace(decode, strategy="sample", n_best=1)}


def _trace(path: str, version: float, text: str, decode: DecodeConfig):
    return cache.cached_trace(path, version, text, decode, ()).trace


@st.cache_data(max_entries=MAX_SPECS, show_spinner=False)
def source_chips_spec(path: str, version: float, text: str, decode: DecodeConfig) -> Spec:
    return spec(source_chips(_trace(path, version, text, decode)))


@st.cache_data(max_entries=MAX_SPECS, show_spinner=False)
def heatmap_spec(path: str, version: float, text: str, decode: DecodeConfig, hide_eos: bool, words: bool,
                 char_level: bool) -> Spec | None:
    return spec(attention_heatmap(_trace(path, version, text, decode), hide_eos, words, char_level))


@st.cache_data(max_entries=MAX_SPECS, show_spinner=False)
def strategies_spec(path: str, version: float, text: str, decode: DecodeConfig) -> Spec:
    traces = {name: _trace(path, version, text, config) for name, config in strategy_configs(decode).items()}
    return spec(strategies_chart(traces, row_px=STRATEGY_ROW_PX))


@st.cache_data(max_entries=MAX_SPECS, show_spinner=False)
def exposure_spec(path: str, version: float, text: str, reference: str) -> Spec:
    return spec(exposure_chart(cache.teacher_forced_by_path(path, version, text, reference).trace))
