"""A decoder cell run over every step at once: the cell's own weights, one call of torch's RNN kernel.

Without input feeding, teacher forcing knows every input x_t before the first step, so a layer's
recurrence can run as torch's multi-step RNN (the input products of all steps in one matrix product,
the loop itself in C++, one weight gradient instead of one per step) rather than a Python loop of cell
calls: the same numbers to float rounding, and a faster training step. The cell stays the decoder's
only copy of the weights, so `step()`, checkpoints and every view are unchanged.
"""
from __future__ import annotations

import functools

import torch
from torch import nn
from torch.func import functional_call

MULTI_STEP = {nn.RNNCell: nn.RNN, nn.GRUCell: nn.GRU, nn.LSTMCell: nn.LSTM}


def run_over_time(cell: nn.RNNCellBase, x: torch.Tensor, hidden: torch.Tensor,
                  cell_state: torch.Tensor | None = None) -> torch.Tensor:
    """x (B, T, in) with s_0 (B, H) [and an LSTM's c_0] -> every step's s_t (B, T, H)."""
    weights = {"weight_ih_l0": cell.weight_ih, "weight_hh_l0": cell.weight_hh,
               "bias_ih_l0": cell.bias_ih, "bias_hh_l0": cell.bias_hh}
    first = hidden.unsqueeze(0).to(x.dtype)  # (1, B, H): one layer, one direction
    start = first if cell_state is None else (first, cell_state.unsqueeze(0).to(x.dtype))
    states, _ = functional_call(_shape_of(cell), weights, (x, start))
    return states


@functools.lru_cache(maxsize=None)
def _shape_of_key(kind: type, input_size: int, hidden_size: int, nonlinearity: str | None) -> nn.RNNBase:
    extra = {"nonlinearity": nonlinearity} if nonlinearity else {}
    # On the meta device: a shape and a forward() with no memory of its own; the cell lends the weights.
    return MULTI_STEP[kind](input_size, hidden_size, batch_first=True, device="meta", **extra)


def _shape_of(cell: nn.RNNCellBase) -> nn.RNNBase:
    return _shape_of_key(type(cell), cell.input_size, cell.hidden_size, getattr(cell, "nonlinearity", None))
