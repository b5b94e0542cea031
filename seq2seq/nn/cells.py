"""Recompute the inside of one recurrent cell update (gates) from the cell's own weights.

torch's fused cells do not expose gates; the trace and the "inside one step" view need them, so
they are recomputed here with the standard equations (the names of `seq2seq.nn.notation`) and checked
against the fused result in tests.
"""
from __future__ import annotations

import torch
from torch import nn


def _affine(cell: nn.Module, x: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    gi = x @ cell.weight_ih.T + cell.bias_ih
    gh = h @ cell.weight_hh.T + cell.bias_hh
    return gi, gh


def gru_gates(cell: nn.GRUCell, x: torch.Tensor, h: torch.Tensor) -> dict[str, torch.Tensor]:
    """r = σ(W_er x + W_hr h + b_r); z = σ(W_ez x + W_hz h + b_z); n = tanh(W_en x + b_n + r ⊙ (W_hn h + b_hn))
    (torch's weight_ih rows are W_er, W_ez, W_en; weight_hh rows W_hr, W_hz, W_hn)."""
    gi, gh = _affine(cell, x, h)
    i_r, i_z, i_n = gi.chunk(3, dim=-1)
    h_r, h_z, h_n = gh.chunk(3, dim=-1)
    reset = torch.sigmoid(i_r + h_r)
    update = torch.sigmoid(i_z + h_z)
    candidate = torch.tanh(i_n + reset * h_n)
    return {"reset": reset, "update": update, "candidate": candidate}


def lstm_gates(cell: nn.LSTMCell, x: torch.Tensor, h: torch.Tensor) -> dict[str, torch.Tensor]:
    """i = σ(W_ei x + W_hi h + b_i), f, o alike; g = tanh(W_eg x + W_hg h + b_g); c' = f ⊙ c + i ⊙ g;
    h' = o ⊙ tanh(c')."""
    gi, gh = _affine(cell, x, h)
    i, f, g, o = (gi + gh).chunk(4, dim=-1)
    return {"input": torch.sigmoid(i), "forget": torch.sigmoid(f), "cell_candidate": torch.tanh(g),
            "output": torch.sigmoid(o)}


def rnn_preactivation(cell: nn.RNNCell, x: torch.Tensor, h: torch.Tensor) -> dict[str, torch.Tensor]:
    """a = W_eh x + W_hh h + b_h, so that h' = tanh(a) (or relu(a), as the cell's nonlinearity says)."""
    gi, gh = _affine(cell, x, h)
    return {"preactivation": gi + gh}


GATE_FUNCTIONS = {"gru": gru_gates, "lstm": lstm_gates, "rnn": rnn_preactivation}
