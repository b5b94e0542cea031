"""Cached traces: every button press reruns a page, and decoding again each time would make
next/back wait on the model. Results are per (model version, text, settings), shared by sessions;
st.cache_data hands each caller its own copy, so pages may not corrupt what others see.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st

from seq2seq.config import DecodeConfig
from seq2seq.decoding.trace import Trace
from seq2seq.errors import UserError
from studio.sidebar import Selection, cached_translator

# Each trace holds a few vectors per step; a few hundred stay well under 100 MB.
MAX_CACHED = 300


@dataclass
class Timed:
    trace: Trace
    ms: float  # server-side time of the decoding that produced it (not of the cache lookup)


@st.cache_data(max_entries=MAX_CACHED, show_spinner=False)
def _trace(path: str, version: float, text: str, decode: DecodeConfig, prefix: tuple[int, ...]) -> Timed:
    translator = cached_translator(path, version)
    start = time.perf_counter()
    trace = translator.trace(text, decode, list(prefix) or None)
    return Timed(trace, (time.perf_counter() - start) * 1000)


@st.cache_data(max_entries=MAX_CACHED, show_spinner=False)
def _forced(path: str, version: float, text: str, reference: str) -> Timed:
    translator = cached_translator(path, version)
    start = time.perf_counter()
    trace = translator.teacher_forced(text, reference)
    return Timed(trace, (time.perf_counter() - start) * 1000)


def trace(selection: Selection, text: str, decode: DecodeConfig | None = None,
          prefix: list[int] | None = None) -> Timed:
    info = selection.model
    return _trace(str(info.path), info.version, text, decode or selection.decode, tuple(prefix or ()))


def teacher_forced(selection: Selection, text: str, reference: str) -> Timed:
    info = selection.model
    return _forced(str(info.path), info.version, text, reference)


def valid_prefix(selection: Selection, ids: list[int]) -> list[int]:
    """Forced pieces from a URL or an older model: only ids this model's vocabulary has."""
    config = selection.translator.model.config
    if len(ids) > config.max_tgt_len or any(not 0 < i < config.tgt_vocab_size for i in ids):
        raise UserError("the forced pieces in the link do not belong to this model; showing its own choices")
    return ids
