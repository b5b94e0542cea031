"""A Joey NMT checkpoint's weights, read without running its pickle's code, renamed and reshaped into ours.

torch.load(weights_only=True) unpickles tensors and plain containers only; anything else in the file
(a class, a function: code) is refused. Only `model_state` is used.
"""
from __future__ import annotations

import math
import pickle
from pathlib import Path

import torch

from seq2seq.config import ModelConfig
from seq2seq.errors import UserError

# Joey's name -> ours, for the parts that carry over unchanged.
ATTENTION_NAMES = {"key_layer": "key_proj", "query_layer": "query_proj", "energy_layer": "v"}
RNN_PARTS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def read_state(path: Path) -> dict[str, torch.Tensor]:
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise UserError(f"{path}: checkpoint not found") from None
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(f"{path}: not loadable as weights only (refused rather than run its code): {reason}") from None
    state = checkpoint.get("model_state") if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise UserError(f"{path}: no 'model_state' of tensors — not a Joey NMT checkpoint")
    return state


def our_state(state: dict[str, torch.Tensor], config: ModelConfig, src_ids: list[int], tgt_ids: list[int],
              scale: tuple[bool, bool], zero_bridge: bool) -> dict[str, torch.Tensor]:
    """Our state dict (tied output weight left out, as checkpoints store it). src_ids/tgt_ids reorder
    vocabulary rows (joey_vocab); scale says which side's embeddings Joey multiplies by sqrt(emb_dim)."""
    take = _Taker(state)
    ours = {"encoder.embedding.weight": _embed(take("src_embed.lut.weight"), src_ids, scale[0]),
            "decoder.embedding.weight": _embed(take("trg_embed.lut.weight"), tgt_ids, scale[1])}
    for name in list(state):
        if name.startswith("encoder.rnn."):
            ours[name] = take(name)
    for layer in range(config.dec_layers):
        for part in RNN_PARTS:
            ours[f"decoder.cells.{layer}.{part}"] = take(f"decoder.rnn.{part}_l{layer}")
    for joey, mine in ATTENTION_NAMES.items():
        if f"decoder.attention.{joey}.weight" in state:
            ours[f"decoder.attention.{mine}.weight"] = take(f"decoder.attention.{joey}.weight")
    ours["decoder.combine.weight"] = take("decoder.att_vector_layer.weight")
    ours["decoder.combine.bias"] = take("decoder.att_vector_layer.bias")
    output = take("decoder.output_layer.weight").index_select(0, torch.tensor(tgt_ids))
    if not config.tie_embeddings:
        ours["decoder.output.weight"] = output
    ours["decoder.output.bias"] = output.new_zeros(output.size(0))  # Joey's output layer has no bias
    ours.update(_bridge(take, config, zero_bridge))
    left = sorted(set(state) - take.used)
    if left:
        raise UserError(f"Joey checkpoint has weights this import does not know ({', '.join(left[:3])}): "
                        "not the RNN model its config describes")
    return ours


class _Taker:
    """Reads Joey's tensors by name, noting which were used; a missing one is one line."""

    def __init__(self, state: dict[str, torch.Tensor]):
        self.state, self.used = state, set()

    def __call__(self, name: str) -> torch.Tensor:
        if name not in self.state:
            raise UserError(f"Joey checkpoint lacks {name}: not the RNN model its config describes")
        self.used.add(name)
        return self.state[name].float()


def _embed(table: torch.Tensor, ids: list[int], scale: bool) -> torch.Tensor:
    rows = table.index_select(0, torch.tensor(ids))
    # The very product Joey computes at every lookup (lut(x) * math.sqrt(d)), done once on the table.
    return rows * math.sqrt(table.size(1)) if scale else rows


def _bridge(take: _Taker, config: ModelConfig, zero: bool) -> dict[str, torch.Tensor]:
    """Joey's one bridge layer starts every decoder layer alike: ours has a block of rows per layer."""
    size = (config.dec_layers * config.dec_hidden, config.memory_dim)
    if zero:  # tanh(0 x + 0) = 0: Joey's "zero" start
        return {"bridge.hidden.weight": torch.zeros(size), "bridge.hidden.bias": torch.zeros(size[0])}
    weight, bias = take("decoder.bridge_layer.weight"), take("decoder.bridge_layer.bias")
    return {"bridge.hidden.weight": weight.repeat(config.dec_layers, 1),
            "bridge.hidden.bias": bias.repeat(config.dec_layers)}
