"""The Inside page's caches, so that reruns answer at once.

The reference sample and its projections are shared by all sessions (cache_resource; never
mutated); per-sentence results are copied to each caller (cache_data). Both are keyed by the
checkpoint's version, so retraining a model invalidates them.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from seq2seq import service
from studio.inside import charts, swap_words
from studio.shared.charts.lengths import length_chart
from studio.shared.charts.trajectories import trajectory_chart
from studio.shared.charts.units import unit_heatmap
from studio.shared.selection import cached_translator
from studio.shared.specs import Spec, show, spec

CHARTS = {"trajectory": trajectory_chart, "kl": charts.kl_chart, "units": unit_heatmap,
          "lengths": length_chart}


@st.cache_resource(max_entries=8, show_spinner="Running the model over a sample of its training data "
                                               "(once per model, then kept on disk)…")
def training_reference(path: str, version: float) -> service.Reference:
    """Sample and projections from the training data; UserError when the data is not on this machine."""
    return service.training_reference(cached_translator(path, version), Path(path))


@st.cache_data(max_entries=50, show_spinner=False)
def typed_reference(path: str, version: float, pairs: tuple[tuple[str, str], ...]) -> service.Reference:
    """Fallback without training data: projections fitted on the user's own sentences."""
    return service.typed_reference(cached_translator(path, version), list(pairs))


@st.cache_resource(max_entries=12, show_spinner=False)
def state_index(path: str, version: float, family: str, metric: str) -> service.StateIndex:
    return service.state_index(training_reference(path, version), family, metric)


@st.cache_data(max_entries=100, show_spinner=False)
def swapped(path: str, version: float, original: str, output_ids: tuple[int, ...], text: str) -> service.Counterfactual:
    return service.counterfactual(cached_translator(path, version), original, list(output_ids), text)


@st.cache_data(max_entries=200, show_spinner=False)
def suggested_swap(path: str, version: float, word: str) -> str:
    """The first replacement offered for `word`: a word this model knows (studio.inside.swap_words)."""
    translator = cached_translator(path, version)
    if not service.reads_words(translator):  # it reads characters: no spelling is more real than another
        return swap_words.replacement(word)
    return swap_words.replacement(word, lambda w: service.known_word(translator, w),
                                  lambda w: service.similar_words(translator, w))


@st.cache_data(max_entries=16, show_spinner=False)
def length_scores(path: str, version: float, toy: bool) -> dict:
    """Greedy scores by source length (a minute or more the first time for a real model, then from disk)."""
    return service.scores_by_length(cached_translator(path, version), Path(path), toy)


@st.cache_data(max_entries=64, show_spinner=False)
def chart_spec(kind: str, *args) -> Spec:
    """The Vega-Lite spec of CHARTS[kind](*args), keyed by the data itself: building a layered Altair
    chart takes 0.1-0.3 s on a busy CPU, and a widget change that leaves a chart's data as it was then
    costs only the hashing of a few small frames."""
    return spec(CHARTS[kind](*args))


def show_chart(kind: str, *args, stretch: bool = False) -> None:
    show(chart_spec(kind, *args), stretch)
