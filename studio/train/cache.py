"""The Train page's caches: exact match by input length for a set of runs, and an uploaded file checked
once, so that reruns answer at once."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from seq2seq import service
from seq2seq.service.runs import validate_tsv


@st.cache_data(max_entries=32, show_spinner=False)
def length_table(checkpoints: tuple[tuple[str, str, float], ...]) -> pd.DataFrame:
    """(label, path, version) per run's checkpoint; the version only keys the cache, so retraining a run
    invalidates its row."""
    return service.experiments.length_table({label: Path(path) for label, path, _ in checkpoints})


@st.cache_data(max_entries=2, show_spinner="Checking the file…")
def checked_upload(data: bytes, name: str) -> pd.DataFrame:
    """The uploaded TSV's sentence pairs; UserError naming what to fix when it is not usable."""
    pairs = validate_tsv(data, name)
    return pd.DataFrame({"source": [p.source for p in pairs], "target": [p.target for p in pairs]})
