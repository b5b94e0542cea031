"""Cached analysis results for the "Inside the model" page, so that reruns answer at once.

The reference sample and its projections are shared by all sessions (cache_resource; never
mutated); per-sentence results are copied to each caller (cache_data). Both are keyed by the
checkpoint's version, so retraining a model invalidates them.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from seq2seq.analysis.bottleneck import scores_by_length
from seq2seq.analysis.counterfactual import Counterfactual, counterfactual
from seq2seq.analysis.neighbours import StateIndex
from seq2seq.analysis.projection import Projection, cached_spaces, fit_spaces
from seq2seq.analysis.states import StateSample, collect_states, reference_sample
from seq2seq.data.pairs import Pair
from studio import charts_inside
from studio.sidebar import cached_translator

Reference = tuple[StateSample, dict[str, Projection]]
CHARTS = {"trajectory": charts_inside.trajectory_chart, "kl": charts_inside.kl_chart,
          "units": charts_inside.unit_heatmap, "lengths": charts_inside.length_chart}


@st.cache_resource(max_entries=8, show_spinner="Running the model over a sample of its training data "
                                               "(once per model, then kept on disk)…")
def training_reference(path: str, version: float) -> Reference:
    """Sample and projections from the training data; UserError when the data is not on this machine."""
    sample = reference_sample(cached_translator(path, version), Path(path))
    return sample, cached_spaces(sample, Path(path))


@st.cache_data(max_entries=50, show_spinner=False)
def typed_reference(path: str, version: float, pairs: tuple[tuple[str, str], ...]) -> Reference:
    """Fallback without training data: projections fitted on the user's own sentences."""
    sample = collect_states(cached_translator(path, version), [Pair(s, t) for s, t in pairs], "typed")
    return sample, fit_spaces(sample)


@st.cache_resource(max_entries=12, show_spinner=False)
def state_index(path: str, version: float, family: str, metric: str) -> StateIndex:
    sample, _ = training_reference(path, version)
    return StateIndex(sample.families[family].states, metric)


@st.cache_data(max_entries=100, show_spinner=False)
def swapped(path: str, version: float, original: str, output_ids: tuple[int, ...], text: str) -> Counterfactual:
    return counterfactual(cached_translator(path, version), original, list(output_ids), text)


@st.cache_data(max_entries=16, show_spinner=False)
def length_scores(path: str, version: float, toy: bool) -> dict:
    """Greedy scores by source length (a minute or more the first time for a real model, then from disk)."""
    return scores_by_length(cached_translator(path, version), Path(path), toy)


@st.cache_data(max_entries=64, show_spinner=False)
def chart_spec(kind: str, *args) -> dict:
    """The Vega-Lite spec of CHARTS[kind](*args), keyed by the data itself.

    Building a layered Altair chart takes 0.1-0.3 s on a busy CPU; a widget change that leaves a
    chart's data as it was then costs only the hashing of a few small frames. Schema validation
    (another third of the time) is left to the chart builders' tests, which validate every builder.
    """
    return CHARTS[kind](*args).to_dict(validate=False)
