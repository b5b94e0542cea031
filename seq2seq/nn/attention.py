"""Attention over encoder states: additive (Bahdanau), general (Luong) and dot product.

Keys are projected once per sentence (`prepare`), not once per decoding step.
Shapes in comments, (B, T_src, D) and the like, use the letters defined in `seq2seq.nn.notation.SHAPES`.
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

    def scores(self, queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        """queries (B, T, H_dec), keys (B, T_src, H_dec) -> (B, T, T_src)."""
        if self.kind == "bahdanau":
            hidden = torch.tanh(keys.unsqueeze(1) + self.query_proj(queries).unsqueeze(2))  # (B, T, T_src, H_dec)
            return self.v(hidden).squeeze(-1)
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
