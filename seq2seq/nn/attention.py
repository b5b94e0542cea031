"""Attention over encoder states: additive (Bahdanau), general (Luong) and dot product.

Each kind is one class in SCORERS, the registry that the model, its size bound, the notation (hence the step
page and the lesson) and the tests read; config.ATTENTIONS names the same kinds. A new kind is one class here
plus its name there (tests/test_registries.py fails while either is missing).

Keys are projected once per sentence (`prepare`), not once per decoding step.
Shapes in comments, (B, T_src, D) and the like, use the letters defined in `seq2seq.nn.notation.SHAPES`.
"""
from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from seq2seq.config import ModelConfig


class Attention(nn.Module):
    """What every kind shares: masking, the softmax and the context. A kind defines its score."""

    equation: ClassVar[str]  # e_tj in LaTeX, as the step page and the lesson show it

    @staticmethod
    def parameter_count(memory_dim: int, dec_hidden: int) -> int:
        """The score's weights, from the sizes alone (the model's size bound reads it before building)."""
        raise NotImplementedError

    def prepare(self, memory: torch.Tensor) -> torch.Tensor:
        """Keys for every source position: (B, T_src, D) -> (B, T_src, H_dec)."""
        raise NotImplementedError

    def scores(self, queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        """queries (B, T, H_dec), keys (B, T_src, H_dec) -> (B, T, T_src)."""
        return torch.bmm(queries, keys.transpose(1, 2))

    def forward(self, query, keys, memory, mask):
        """One step's query (B, H_dec), or every step's at once (B, T, H_dec) when the queries do not
        depend on earlier contexts (no input feeding). Returns context (B, [T,] D), weights and raw
        scores (B, [T,] T_src)."""
        one_step = query.dim() == 2
        queries = query.unsqueeze(1) if one_step else query  # (B, T, H_dec)
        scores = self.scores(queries, keys).masked_fill(~mask.unsqueeze(1), float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        context = torch.bmm(weights, memory)  # (B, T, D)
        if one_step:
            return context.squeeze(1), weights.squeeze(1), scores.squeeze(1)
        return context, weights, scores


class Additive(Attention):
    """Bahdanau: score(s, h_j) = v^T tanh(W_q s + W_k h_j)."""

    equation = r"e_{tj} = v^\top \tanh(W_q\, s_t + W_k\, h_j)"

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.key_proj = nn.Linear(config.memory_dim, config.dec_hidden, bias=False)
        self.query_proj = nn.Linear(config.dec_hidden, config.dec_hidden, bias=False)
        self.v = nn.Linear(config.dec_hidden, 1, bias=False)

    @staticmethod
    def parameter_count(memory_dim: int, dec_hidden: int) -> int:
        return memory_dim * dec_hidden + dec_hidden * dec_hidden + dec_hidden

    def prepare(self, memory: torch.Tensor) -> torch.Tensor:
        return self.key_proj(memory)

    def scores(self, queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        hidden = torch.tanh(keys.unsqueeze(1) + self.query_proj(queries).unsqueeze(2))  # (B, T, T_src, H_dec)
        return self.v(hidden).squeeze(-1)


class General(Attention):
    """Luong's "general": score(s, h_j) = s^T W_a h_j; W_a h_j is precomputed as the key."""

    equation = r"e_{tj} = s_t^\top W_a\, h_j"

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.key_proj = nn.Linear(config.memory_dim, config.dec_hidden, bias=False)

    @staticmethod
    def parameter_count(memory_dim: int, dec_hidden: int) -> int:
        return memory_dim * dec_hidden

    def prepare(self, memory: torch.Tensor) -> torch.Tensor:
        return self.key_proj(memory)


class Dot(Attention):
    """score(s, h_j) = s^T h_j: no weights, so s_t and h_j must have one size (ModelConfig checks it)."""

    equation = r"e_{tj} = s_t^\top h_j"

    def __init__(self, config: ModelConfig):
        super().__init__()

    @staticmethod
    def parameter_count(memory_dim: int, dec_hidden: int) -> int:
        return 0

    def prepare(self, memory: torch.Tensor) -> torch.Tensor:
        return memory


# Every attention kind, by its name in ModelConfig.attention (config.ATTENTIONS, with "none").
SCORERS: dict[str, type[Attention]] = {"bahdanau": Additive, "luong": General, "dot": Dot}
