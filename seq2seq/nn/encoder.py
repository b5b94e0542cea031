"""Encoder: embedding -> (bi)directional RNN over the packed source.

With cell "rnn" each direction computes exactly h_i = tanh(W_eh x_i + W_hh h_{i-1} + b_h), or ReLU in
place of tanh with nonlinearity "relu" (torch splits b_h into bias_ih + bias_hh; their sum is b_h).
Shapes in comments, (B, T_src, D) and the like, use the letters defined in `seq2seq.nn.notation.SHAPES`.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from seq2seq.config import ModelConfig
from seq2seq.symbols import PAD_ID

RNN_CLASSES = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class EncoderOutput(NamedTuple):
    states: torch.Tensor  # (B, T_src, D) with D = H_enc * directions; forward half first
    final: torch.Tensor  # (B, D) top layer's last states, both directions
    final_cell: torch.Tensor | None  # (B, D) for LSTM


class Encoder(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.src_vocab_size, config.emb_dim, padding_idx=PAD_ID)
        extra = {"nonlinearity": config.nonlinearity} if config.cell == "rnn" else {}
        self.rnn = RNN_CLASSES[config.cell](
            config.emb_dim, config.enc_hidden, num_layers=config.enc_layers, batch_first=True,
            bidirectional=config.bidirectional,
            dropout=config.dropout if config.enc_layers > 1 else 0.0, **extra,
        )
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, src: torch.Tensor, lengths: torch.Tensor) -> EncoderOutput:
        embedded = self.dropout(self.embedding(src))  # (B, T_src, E)
        packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
        packed_out, final = self.rnn(packed)
        states, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=src.size(1))
        hidden, cell = final if isinstance(final, tuple) else (final, None)
        return EncoderOutput(self.dropout(states), self._top_layer(hidden), self._top_layer(cell))

    def _top_layer(self, final: torch.Tensor | None) -> torch.Tensor | None:
        if final is None:
            return None
        directions = 2 if self.config.bidirectional else 1
        top = final.view(self.config.enc_layers, directions, final.size(1), final.size(2))[-1]
        return torch.cat(list(top), dim=-1)  # (B, D)
