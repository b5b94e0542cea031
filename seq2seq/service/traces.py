"""Decoding for the app: translations, recorded traces, teacher-forced traces, forced-prefix checks."""
from __future__ import annotations

import time
from dataclasses import dataclass

from seq2seq.config import DecodeConfig
from seq2seq.data.tokenizer import clean_text
from seq2seq.decoding.trace import BeamNode, StepTrace, Trace
from seq2seq.decoding.trace_page import trace_page, vega_script
from seq2seq.decoding.translator import Translator
from seq2seq.errors import UserError
from seq2seq.symbols import BOS_ID, PAD_ID, UNK_ID

# The trace's records are plain frozen dataclasses: the app reads them, so they come through this door too.
# trace_page: one decoding as one offline page; vega_script: the Vega bundle it inlines (the notebook's charts too).
__all__ = ["BOS_ID", "PAD_ID", "UNK_ID", "BeamNode", "StepTrace", "Timed", "Trace", "clean_text", "teacher_forced",
           "trace", "trace_page", "valid_prefix", "vega_script"]


@dataclass
class Timed:
    trace: Trace
    ms: float  # server-side time of the decoding that produced it


def trace(translator: Translator, text: str, decode: DecodeConfig = DecodeConfig(),
          prefix: list[int] | None = None) -> Timed:
    """One sentence decoded with every step recorded; `prefix` imposes the first output pieces."""
    start = time.perf_counter()
    result = translator.trace(text, decode, list(prefix or ()) or None)
    return Timed(result, (time.perf_counter() - start) * 1000)


def teacher_forced(translator: Translator, text: str, reference: str) -> Timed:
    """The reference fed piece by piece: p(reference piece) next to the model's own pick at each step."""
    start = time.perf_counter()
    result = translator.teacher_forced(text, reference)
    return Timed(result, (time.perf_counter() - start) * 1000)


def valid_prefix(translator: Translator, ids: list[int]) -> list[int]:
    """Forced pieces from a link or an older model: only ids this model's vocabulary has."""
    config = translator.model.config
    if len(ids) > config.max_tgt_len or any(not 0 < i < config.tgt_vocab_size for i in ids):
        raise UserError("the forced pieces in the link do not belong to this model; showing its own choices")
    return ids
