"""Cached traces: every button press reruns a page, and decoding again each time would make
next/back wait on the model. Results are per (model version, text, settings), shared by sessions;
st.cache_data hands each caller its own copy, so pages may not corrupt what others see.
"""
from __future__ import annotations

import streamlit as st

from seq2seq import service
from seq2seq.config import DecodeConfig
from seq2seq.service import Timed
from studio.sidebar import Selection, cached_translator

__all__ = ["Timed", "cached", "teacher_forced", "trace", "valid_prefix"]

# Each trace holds a few vectors per step; a few hundred stay well under 100 MB.
MAX_CACHED = 300


@st.cache_data(max_entries=MAX_CACHED, show_spinner=False)
def _trace(path: str, version: float, text: str, decode: DecodeConfig, prefix: tuple[int, ...]) -> Timed:
    return service.trace(cached_translator(path, version), text, decode, list(prefix))


@st.cache_data(max_entries=MAX_CACHED, show_spinner=False)
def _forced(path: str, version: float, text: str, reference: str) -> Timed:
    return service.teacher_forced(cached_translator(path, version), text, reference)


def cached(path: str, version: float, text: str, decode: DecodeConfig, prefix: tuple[int, ...] = ()) -> Timed:
    """The same cached trace by its cache key, for caches that build on it (studio.chart_specs)."""
    return _trace(path, version, text, decode, tuple(prefix))


def trace(selection: Selection, text: str, decode: DecodeConfig | None = None,
          prefix: list[int] | None = None) -> Timed:
    info = selection.model
    return _trace(str(info.path), info.version, text, decode or selection.decode, tuple(prefix or ()))


def teacher_forced(selection: Selection, text: str, reference: str) -> Timed:
    info = selection.model
    return _forced(str(info.path), info.version, text, reference)


def valid_prefix(selection: Selection, ids: list[int]) -> list[int]:
    """Forced pieces from a URL or an older model: only ids this model's vocabulary has (else UserError)."""
    return service.valid_prefix(selection.translator, ids)
