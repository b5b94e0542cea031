"""The caches several pages share: decoded traces and explanations of them. Every button press reruns
a page, and decoding again each time would make Next and Back wait on the model.

Results are keyed by the checkpoint's path and version (retraining a model invalidates them), the text
and the settings, and shared by sessions; st.cache_data hands each caller its own copy, so a page
cannot corrupt what others see.
"""
from __future__ import annotations

import streamlit as st

from seq2seq import service
from seq2seq.config import DecodeConfig
from seq2seq.service import GradientCurve, ModelInfo, PieceAttribution, Timed
from studio.shared.selection import Selection, cached_translator

# Each trace holds a few vectors per step; a few hundred stay well under 100 MB.
MAX_CACHED = 300


@st.cache_data(max_entries=MAX_CACHED, show_spinner=False)
def cached_trace(path: str, version: float, text: str, decode: DecodeConfig, prefix: tuple[int, ...]) -> Timed:
    """A trace by its cache key, for caches that build on it (the step page's chart specs, the warm-up).
    Every caller passes every argument: st.cache_data keys on the arguments given, defaults left out."""
    return service.trace(cached_translator(path, version), text, decode, list(prefix))


@st.cache_data(max_entries=MAX_CACHED, show_spinner=False)
def teacher_forced_by_path(path: str, version: float, text: str, reference: str) -> Timed:
    return service.teacher_forced(cached_translator(path, version), text, reference)


def trace(selection: Selection, text: str, decode: DecodeConfig | None = None,
          prefix: list[int] | None = None) -> Timed:
    """One sentence decoded by the selected model, with the sidebar's settings unless told otherwise."""
    info = selection.model
    return cached_trace(str(info.path), info.version, text, decode or selection.decode, tuple(prefix or ()))


def teacher_forced(selection: Selection, text: str, reference: str) -> Timed:
    info = selection.model
    return teacher_forced_by_path(str(info.path), info.version, text, reference)


@st.cache_data(max_entries=200, show_spinner=False)
def piece_attribution(path: str, version: float, sentence: str, output_ids: tuple[int, ...],
                      step: int) -> PieceAttribution:
    return service.explain_piece(cached_translator(path, version), sentence, list(output_ids), step)


@st.cache_data(max_entries=100, show_spinner=False)
def gradient_curve(path: str, version: float, text: str) -> GradientCurve:
    return service.gradient_curve(cached_translator(path, version), text)


def gradient_curves(models: dict[str, ModelInfo], text: str) -> dict[str, GradientCurve]:
    """Cell -> its vanishing-gradient model's curve for the same input (service.gradient_models)."""
    return {cell: gradient_curve(str(info.path), info.version, text) for cell, info in models.items()}
