"""Vanishing gradients: how strongly the loss at one output step still reaches each source piece.

For output step t and source piece j, ‖∂ loss_t / ∂ e_j‖₂, the norm of the gradient of that step's
loss (−log p of the target piece, teacher forced) with respect to the embedding of piece j. Without
attention and with a one-way encoder the gradient travels through every recurrent step between
reading piece j and producing piece t: (T_src − 1 − j) encoder steps and t + 1 decoder steps. A
plain tanh RNN multiplies it by a Jacobian at each of them, so it shrinks roughly geometrically
with that distance; the gates of GRUs and LSTMs give it a path that shrinks far less.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from seq2seq.analysis.private_copy import private_copy
from seq2seq.data.batches import pad_batch
from seq2seq.nn.model import Seq2Seq
from seq2seq.symbols import BOS_ID, EOS_ID


@dataclass(frozen=True)
class GradientFlow:
    norms: np.ndarray  # (T_out, T_src) ‖∂ loss_t / ∂ e_j‖₂ (EOS included on both sides)
    distances: np.ndarray  # (T_out, T_src) recurrent steps between reading j and producing t

    def curve(self, step: int | None = None) -> dict[int, float]:
        """Distance -> gradient norm: of one output step, or the geometric mean over all steps
        (norms span orders of magnitude, so an arithmetic mean would show only the largest)."""
        rows = slice(None) if step is None else slice(step, step + 1)
        return geometric_means(self.distances[rows].ravel(), self.norms[rows].ravel())


def geometric_means(distances: np.ndarray, norms: np.ndarray) -> dict[int, float]:
    found: dict[int, list[float]] = {}
    for distance, norm in zip(distances.tolist(), norms.tolist()):
        found.setdefault(int(distance), []).append(max(norm, 1e-30))  # an exact zero has no logarithm
    return {d: math.exp(sum(math.log(v) for v in values) / len(values)) for d, values in sorted(found.items())}


def distances(src_len: int, out_len: int) -> np.ndarray:
    """(T_out, T_src): encoder steps after j, plus the decoder steps up to and including t."""
    return (src_len - 1 - np.arange(src_len))[None, :] + (np.arange(out_len) + 1)[:, None]


def _step_losses(model: Seq2Seq, embedded, src, lengths, tgt_in, gold, steps) -> torch.Tensor:
    """Captum's forward function: row b's loss at its own output step steps[b] ((B,) losses)."""
    handle = model.encoder.embedding.register_forward_hook(lambda module, inputs, output: embedded)
    try:
        logprobs = torch.log_softmax(model(src, lengths, tgt_in).logits.float(), dim=-1)  # (B, T_out, V)
    finally:
        handle.remove()
    rows = torch.arange(logprobs.size(0))
    return -logprobs[rows, steps, gold[rows, steps]]


def gradient_flow(model: Seq2Seq, source: list[int], target: list[int]) -> GradientFlow:
    """Gradient norms of every output step's loss (target + EOS) with respect to every source piece.

    One backward pass: the sentence is repeated once per output step, each copy scoring its own step."""
    from captum.attr import Saliency  # here, not at the top: Captum would add a second to every app start

    gold_ids = list(target) + [EOS_ID]
    out_len = len(gold_ids)
    src, lengths = pad_batch([source] * out_len, model.device)
    gold = torch.tensor([gold_ids] * out_len, device=src.device)
    tgt_in = torch.cat([torch.full_like(gold[:, :1], BOS_ID), gold[:, :-1]], dim=1)
    steps = torch.arange(out_len, device=src.device)
    with torch.inference_mode(False), torch.enable_grad(), private_copy(model) as twin:
        embedded = twin.encoder.embedding(src).detach().requires_grad_()
        forward = lambda *a: _step_losses(twin, *a)  # noqa: E731 (Captum wants a plain callable)
        grads = Saliency(forward).attribute(embedded, abs=False, additional_forward_args=(src, lengths, tgt_in,
                                                                                           gold, steps))
    norms = grads.detach().norm(dim=-1).numpy().astype(np.float64)  # (T_out, T_src)
    return GradientFlow(norms, distances(len(source), out_len))


def mean_curve(model: Seq2Seq, pairs: list[tuple[list[int], list[int]]]) -> dict[int, float]:
    """Distance -> geometric-mean gradient norm over every step of every (source, target) pair."""
    all_distances, all_norms = [], []
    for source, target in pairs:
        flow = gradient_flow(model, source, target)
        all_distances.append(flow.distances.ravel())
        all_norms.append(flow.norms.ravel())
    return geometric_means(np.concatenate(all_distances), np.concatenate(all_norms))
