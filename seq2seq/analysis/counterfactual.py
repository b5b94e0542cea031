"""Word-swap counterfactuals: how much does every step's next-piece distribution move?

Both sources are teacher-forced on the ORIGINAL output, so step t of each sees the same output
prefix and the two distributions answer the same question; KL(P_original || P_swapped) per step
measures how much the swap changed the model's belief at that step.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from seq2seq.data.tokenizer import SentencePieceTokenizer
from seq2seq.decoding.forced import next_piece_distributions
from seq2seq.decoding.trace import Trace
from seq2seq.decoding.translator import Translator
from seq2seq.symbols import EOS_ID


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


WORD_MARK = "\u2581"  # sentencepiece's mark of a piece that starts a word


def reads_words(translator: Translator) -> bool:
    """Whether the model's source pieces are words and parts of words (sentencepiece), not characters."""
    return isinstance(translator.src, SentencePieceTokenizer)


def known_word(translator: Translator, word: str) -> bool:
    """Whether the model reads `word` as one whole piece: a word it met often enough in training to keep."""
    ids = translator.src.encode(word)
    return len(ids) == 1 and translator.src.piece(ids[0]) == WORD_MARK + word


def similar_words(translator: Translator, word: str, count: int = 50) -> list[str]:
    """The words the model reads as whole pieces (letters only), nearest to `word` first by the cosine of their
    source embeddings (a word split into pieces: the mean of its pieces'); empty for a character tokenizer."""
    tokenizer = translator.src
    words = {}
    for token_id in range(tokenizer.vocab_size):
        piece = tokenizer.piece(token_id)
        if piece.startswith(WORD_MARK) and len(piece) > 2 and piece[1:].isalpha() and piece[1:] != word:
            words[piece[1:]] = token_id
    ids = tokenizer.encode(word)
    if not words or not ids:
        return []
    with torch.inference_mode():
        table = torch.nn.functional.normalize(translator.model.encoder.embedding.weight.float(), dim=1)
        target = torch.nn.functional.normalize(table[ids].mean(dim=0), dim=0)
        similarity = table[list(words.values())] @ target
    names = list(words)
    return [names[i] for i in similarity.topk(min(count, len(names))).indices.tolist()]


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
