"""Cached explanations (attribution, gradient curves, exact match by length), so that reruns answer at once.

Keyed by the checkpoint's path and version: retraining a model invalidates them. Each caller gets
its own copy (cache_data), so nothing shared is ever changed.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from seq2seq import service
from studio.sidebar import cached_translator


@st.cache_data(max_entries=200, show_spinner=False)
def piece_attribution(path: str, version: float, sentence: str, output_ids: tuple[int, ...],
                      step: int) -> service.PieceAttribution:
    return service.explain_piece(cached_translator(path, version), sentence, list(output_ids), step)


@st.cache_data(max_entries=100, show_spinner=False)
def gradient_curve(path: str, version: float, text: str) -> service.GradientCurve:
    return service.gradient_curve(cached_translator(path, version), text)


@st.cache_data(max_entries=32, show_spinner=False)
def length_table(checkpoints: tuple[tuple[str, str, float], ...]) -> pd.DataFrame:
    """(label, path, version) per model; the version only keys the cache."""
    return service.experiments.length_table({label: Path(path) for label, path, _ in checkpoints})
