"""The model a page works with: the Selection the sidebar hands each page, and the one loaded copy of
each checkpoint that every session shares."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from seq2seq.config import DecodeConfig
from seq2seq.service import ModelInfo, ModelSummary, load_translator, summary


@dataclass
class Selection:
    model: ModelInfo
    translator: Any  # the loaded model: handed to seq2seq.service, never opened here
    decode: DecodeConfig

    @property
    def summary(self) -> ModelSummary:
        return summary(self.translator)


@st.cache_resource(max_entries=8, show_spinner="Loading model…")
def cached_translator(path: str, version: float):
    """Shared by every session: never mutate what this returns. `version` changes when weights change."""
    return load_translator(Path(path))


def selection_of(info: ModelInfo, decode: DecodeConfig) -> Selection:
    """Another model with the same decoding settings (the Inside page's twin, the Models page)."""
    return Selection(info, cached_translator(str(info.path), info.version), decode)
