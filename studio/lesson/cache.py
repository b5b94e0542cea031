"""What the Lesson computes on the learner's sentence, cached: each step asks only for what it shows, and
Back, Next or a scrubber move finds it already computed. Results are keyed by the checkpoint's path and
version (a retrained model invalidates them) and the text, and shared by sessions.

The Lesson follows its own shipped models, whatever the sidebar picks: the story is about them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from seq2seq import service
from seq2seq.config import DecodeConfig
from seq2seq.errors import UserError
from seq2seq.service import GradientCurve, ModelInfo, SourceWalk, Trace
from studio.shared import cache as shared_cache
from studio.shared.selection import cached_translator

# The design's classic model (plain tanh RNN, no attention) carries the steps from the cell to training; the
# attention step sets a GRU with attention against its no-attention twin, the two (and STORY) trained on one
# data set and budget, so that attention is what differs; the gradient step uses the three vanishing-gradient
# models. The training step's reference translation comes from the app's best model, the default.
STORY = "plain-rnn-en-fr"
ATTENTION = "tatoeba-en-fr-attn"
TWIN = "tatoeba-en-fr-noattn"
REFERENCE = "tatoeba-en-fr"
GREEDY = DecodeConfig()
BEAM = DecodeConfig(strategy="beam", beam_size=5, n_best=1)


def model(name: str) -> ModelInfo | None:
    """A shipped model of the lesson; None (and a note on screen) when this checkout lacks it."""
    try:
        return service.find_model(name)
    except UserError:
        st.info(f"This step needs the shipped model **{name}** (checkpoints/{name}), which is not here.")
        return None


def translator(info: ModelInfo):
    return cached_translator(str(info.path), info.version)


def summary(info: ModelInfo):
    return service.summary(translator(info))


def trace(info: ModelInfo, text: str, decode: DecodeConfig = GREEDY) -> Trace:
    """The shared trace cache (the other pages' traces of the same sentence are reused)."""
    return shared_cache.cached_trace(str(info.path), info.version, text, decode, ()).trace


@st.cache_data(max_entries=200, show_spinner=False)
def _walk(path: str, version: float, text: str) -> SourceWalk:
    return service.source_walk(cached_translator(path, version), text)


def walk(info: ModelInfo, text: str) -> SourceWalk:
    return _walk(str(info.path), info.version, text)


@st.cache_data(max_entries=200, show_spinner=False)
def _distributions(path: str, version: float, text: str, output_ids: tuple[int, ...]) -> np.ndarray:
    return service.output_distributions(cached_translator(path, version), text, list(output_ids))


def distributions(info: ModelInfo, text: str, output_ids: list[int]) -> np.ndarray:
    """(T + 1, V) next-piece probabilities along an output, EOS step last."""
    return _distributions(str(info.path), info.version, text, tuple(output_ids))


@dataclass(frozen=True)
class WordDrop:
    word: str
    without: str  # the sentence without it
    bridge: np.ndarray  # s_0 of that sentence
    cosine: float  # with the full sentence's s_0


@st.cache_data(max_entries=200, show_spinner=False)
def _word_drops(path: str, version: float, words: tuple[str, ...]) -> list[WordDrop]:
    translator_ = cached_translator(path, version)
    full = service.source_walk(translator_, " ".join(words)).encoder.bridge
    drops = []
    for index, word in enumerate(words):
        rest = " ".join(words[:index] + words[index + 1:])
        if not rest.strip():
            continue
        bridge = service.source_walk(translator_, rest).encoder.bridge
        cosine = float(np.dot(full, bridge) / max(1e-12, np.linalg.norm(full) * np.linalg.norm(bridge)))
        drops.append(WordDrop(word, rest, bridge, cosine))
    return drops


def word_drops(info: ModelInfo, words: list[str]) -> list[WordDrop]:
    """s_0 of the sentence with each word left out in turn, and how far it moved from the full s_0."""
    return _word_drops(str(info.path), info.version, tuple(words))


@st.cache_data(max_entries=100, show_spinner=False)
def _translations(path: str, version: float, texts: tuple[str, ...], decode: DecodeConfig) -> list[str]:
    return cached_translator(path, version).translate(list(texts), decode)


def translations(info: ModelInfo, texts: list[str], decode: DecodeConfig = GREEDY) -> list[str]:
    return _translations(str(info.path), info.version, tuple(texts), decode)


@st.cache_data(max_entries=50, show_spinner=False)
def _compared(path_a: str, version_a: float, path_b: str, version_b: float, lines: tuple[str, ...]) -> pd.DataFrame:
    return service.compare_typed(cached_translator(path_a, version_a), cached_translator(path_b, version_b), GREEDY,
                                 list(lines))


def compared(a: ModelInfo, b: ModelInfo, lines: list[str]) -> pd.DataFrame:
    """Two models on "source<TAB>reference" lines: outputs A and B with their sentence BLEU."""
    return _compared(str(a.path), a.version, str(b.path), b.version, tuple(lines))


@st.cache_data(max_entries=100, show_spinner=False)
def _forced(path: str, version: float, text: str, reference: str) -> Trace:
    return service.teacher_forced(cached_translator(path, version), text, reference).trace


def teacher_forced(info: ModelInfo, text: str, reference: str) -> Trace:
    """The reference fed piece by piece: what training measures its loss on."""
    return _forced(str(info.path), info.version, text, reference)


@st.cache_data(max_entries=20, show_spinner=False)
def _history(path: str, version: float, _info: ModelInfo) -> list[dict]:
    return service.training_history(_info)


def history(info: ModelInfo) -> list[dict]:
    """The checkpoint's training curves (history.csv rows)."""
    return _history(str(info.path), info.version, info)


def gradient_curves(letters: str) -> dict[str, GradientCurve]:
    """Cell -> the vanishing-gradient model's curve on these letters ({} when none is shipped)."""
    return shared_cache.gradient_curves(service.gradient_models(), letters)
