"""What the Lesson follows one sentence through, as plain arrays: the encoder piece by piece (embeddings,
states, a plain RNN's pre-activations), the bridge's fixed-length vector s_0, the whole next-piece
distribution at every step of an output, and a checkpoint's training curves (history.csv).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from seq2seq.analysis.walkthrough import EncoderWalk, encoder_walk
from seq2seq.catalog import ModelInfo
from seq2seq.decoding.forced import next_piece_distributions
from seq2seq.decoding.translator import Translator
from seq2seq.errors import UserError
from seq2seq.training.history import read_history

__all__ = ["EncoderWalk", "SourceWalk", "output_distributions", "source_walk", "training_history"]


@dataclass(frozen=True)
class SourceWalk:
    src_ids: list[int]
    src_pieces: list[str]  # as the model reads them, </s> last when it reads one
    encoder: EncoderWalk


def source_walk(translator: Translator, text: str) -> SourceWalk:
    """The sentence through the encoder and the bridge (UserError for a sentence with nothing to read)."""
    source, _ = translator.source_ids(text)
    if not text.strip() or not source:
        raise UserError("type a sentence first")
    return SourceWalk(source, [translator.src.piece(i) for i in source], encoder_walk(translator.model, source))


def output_distributions(translator: Translator, text: str, output_ids: list[int]) -> np.ndarray:
    """p(· | y_<t, x) over the whole target vocabulary at each step of `output_ids` + EOS: (T + 1, V)."""
    source, _ = translator.source_ids(text)
    with torch.inference_mode():
        logp = next_piece_distributions(translator.model, source, list(output_ids))
    return np.exp(logp.numpy()).astype(np.float32)


def training_history(info: ModelInfo) -> list[dict[str, Any]]:
    """The rows of the checkpoint's history.csv (training reports and validations); [] when it has none."""
    return read_history(info.path / "history.csv")
