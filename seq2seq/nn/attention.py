"""Attention over encoder states: additive (Bahdanau), general (Luong) and dot product.

Keys are projected once per sentence (`prepare`), not once per decoding step.
"""
from __future__ import annotations

import torch
from torch import nn

from seq2seq.config import ModelConfig


class Attention(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.kind = config.attention
        if self.kind == "bahdanau":
            # score(s, h_j) = v^T tanh(W_q s + W_k h_j)
            self.key_proj = nn.Linear(config.memory_dim, config.dec_hidden, bias=False)
            self.query_proj = nn.Linear(config.dec_hidden, config.dec_hidden, bias=False)
            self.v = nn.Linear(config.dec_hidden, 1, bias=False)
        elif self.kind == "luong":
            # score(s, h_j) = s^T W_a h_j ("general"); W_a h_j is precomputed as the key.
            self.key_proj = nn.Linear(config.memory_dim, config.dec_hidden, bias=False)

    def prepare(self, memory: torch.Tensor) -> torch.Tensor:
        """Keys for every source position: (B, T_src, D) -> (B, T_src, H_dec)."""
        return memory if self.kind == "dot" else self.key_proj(memory)

    def scores(self, query: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        if self.kind == "bahdanau":
            hidden = torch.tanh(keys + self.query_proj(query).unsqueeze(1))  # (B, T_src, H_dec)
            return self.v(hidden).squeeze(-1)  # (B, T_src)
        return torch.bmm(keys, query.unsqueeze(-1)).squeeze(-1)  # (B, T_src)

    def forward(self, query, keys, memory, mask):
        """Return context (B, D), weights (B, T_src) and raw scores (B, T_src)."""
        scores = self.scores(query, keys).masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        context = torch.bmm(weights.unsqueeze(1), memory).squeeze(1)  # (B, D)
        return context, weights, scores
