"""The service layer the app calls: models found and loaded, decoded, traced and analysed, as plain data."""
from __future__ import annotations

from pathlib import Path

from seq2seq.checkpoint import load_checkpoint
from seq2seq.decoding.translator import Translator


def load_translator(path: Path) -> Translator:
    return Translator(load_checkpoint(path))
