"""Word-swap counterfactuals: how much does every step's next-piece distribution move?

Both sources are teacher-forced on the ORIGINAL output, so step t of each sees the same output
prefix and the two distributions answer the same question; KL(P_original || P_swapped) per step
measures how much the swap changed the model's belief at that step.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from seq2seq.symbols import EOS_ID
from seq2seq.decoding.forced import next_piece_distributions
from seq2seq.decoding.trace import Trace
from seq2seq.decoding.translator import Translator


@dataclass
class Counterfactual:
    text: str
    trace: Trace  # the swapped source teacher-forced on the original output: steps align
    kl: list[float]  # per step, nats
    p_original: list[float]  # p(original's piece) under the original source, per step
    p_swapped: list[float]  # p(original's piece) under the swapped source, per step


def source_words(text: str) -> list[str]:
    return text.split()


def swap_word(text: str, index: int, replacement: str) -> str:
    """The text with word `index` (whitespace-separated) replaced; spacing is normalised."""
    words = source_words(text)
    if not 0 <= index < len(words):
        raise IndexError(f"word {index} of a {len(words)}-word text")
    return " ".join(words[:index] + [replacement.strip()] + words[index + 1:])


def next_piece_logprobs(translator: Translator, text: str, output_ids: list[int]) -> torch.Tensor:
    """log p(· | y_<t, x) over the whole vocabulary at each step of `output_ids` + EOS: (T + 1, V)."""
    with torch.inference_mode():
        return next_piece_distributions(translator.model, translator.source_ids(text)[0], list(output_ids))


def kl_per_step(log_p: torch.Tensor, log_q: torch.Tensor) -> np.ndarray:
    """KL(P || Q) = Σ_v p(v) (log p(v) − log q(v)) for each row (step); 0 where p(v) = 0."""
    p = log_p.exp()
    terms = torch.where(p > 0, p * (log_p - log_q), torch.zeros_like(p))
    return terms.sum(dim=-1).clamp_min(0.0).numpy()


def counterfactual(translator: Translator, original: str, output_ids: list[int], text: str,
                   top_k: int = 10) -> Counterfactual:
    """Compare source `text` with the `original` source, step by step on the original's output."""
    log_p = next_piece_logprobs(translator, original, output_ids)
    log_q = next_piece_logprobs(translator, text, output_ids)
    chosen = torch.tensor(list(output_ids) + [EOS_ID])
    rows = torch.arange(len(chosen))
    return Counterfactual(
        text, translator.forced_trace(text, output_ids, top_k), kl_per_step(log_p, log_q).tolist(),
        log_p[rows, chosen].exp().tolist(), log_q[rows, chosen].exp().tolist(),
    )
