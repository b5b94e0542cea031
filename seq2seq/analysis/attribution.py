"""Which source pieces caused one output piece: saliency, gradient × input, integrated gradients.

Each method explains f(x) = log p(y_t | y_<t, x), the log-probability the model gives output piece
y_t under teacher forcing, in terms of the embedding e_j of each source piece j (Captum's Saliency
and IntegratedGradients, given the embeddings as their input):
  saliency            ‖∂f/∂e_j‖₂                        how sensitive f is to piece j (never negative)
  gradient × input    Σ_k e_jk · ∂f/∂e_jk               first-order share of f owed to piece j (signed)
  integrated grads.   Σ_k e_jk · ∫₀¹ ∂f/∂e_jk(α e) dα   exact shares: they sum to f(x) − f(baseline)
The baseline is every source embedding at zero (the padding piece's embedding); positive scores
support y_t, negative ones argue against it.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from seq2seq.analysis.private_copy import private_copy
from seq2seq.data.batches import pad_batch
from seq2seq.errors import UserError
from seq2seq.nn.model import Seq2Seq
from seq2seq.symbols import BOS_ID, EOS_ID

METHODS = ("saliency", "gradient_x_input", "integrated_gradients")
LABELS = {"saliency": "saliency (gradient norm)", "gradient_x_input": "gradient × input",
          "integrated_gradients": "integrated gradients"}
# Gauss-Legendre with 16 points integrates these smooth paths to well under 1% (tests check it)
# at a third of the cost of Captum's default 50: the attribution of a sentence fits in a second.
IG_STEPS = 16


@dataclass(frozen=True)
class Attribution:
    step: int  # the output step explained (0 = first piece)
    target_id: int
    logprob: float  # f(x) = log p(y_t | y_<t, x), natural log
    baseline_logprob: float  # f(baseline): every source embedding at zero
    scores: dict[str, list[float]]  # per method, one score per source piece (EOS included)
    attention: list[float] | None  # the attention weights of the same step; None without attention
    completeness_gap: float  # Σ IG − (f(x) − f(baseline)): zero for exact integration


def _forward(model: Seq2Seq, embedded, src, lengths, tgt_in, hook=None) -> torch.Tensor:
    """The model's own teacher-forced forward pass, with the source pieces `src` embedded as `embedded`
    (B, T_src, E) instead of by the embedding table: a hook swaps them in, so that Captum can
    differentiate with respect to them. -> logits (B, T_tgt, V)."""
    handle = model.encoder.embedding.register_forward_hook(lambda module, inputs, output: embedded)
    try:
        return model(src, lengths, tgt_in, hook=hook).logits
    finally:
        handle.remove()


def _step_logprobs(model: Seq2Seq, embedded, src, lengths, tgt_in, step: int) -> torch.Tensor:
    """Captum's forward function: (B, V) log-probabilities at `step` (its `target` picks the piece)."""
    return torch.log_softmax(_forward(model, embedded, src, lengths, tgt_in)[:, step].float(), dim=-1)


def _inputs(model: Seq2Seq, source: list[int], output_ids: list[int], step: int):
    if not 0 <= step <= len(output_ids):
        raise UserError(f"step {step} is outside the output (it has {len(output_ids) + 1} steps with </s>)")
    src, lengths = pad_batch([source], model.device)
    tgt_in = torch.tensor([[BOS_ID] + list(output_ids[:step])], device=src.device)  # the decoder needs no more
    target = (list(output_ids) + [EOS_ID])[step]
    return src, lengths, tgt_in, target


def attribute(model: Seq2Seq, source: list[int], output_ids: list[int], step: int,
              ig_steps: int = IG_STEPS) -> Attribution:
    """All three methods for output step `step` of `output_ids` (EOS is step len(output_ids))."""
    # Imported here: Captum (and the matplotlib it pulls in) would add a second to every start of the app.
    from captum.attr import IntegratedGradients, Saliency

    src, lengths, tgt_in, target = _inputs(model, source, output_ids, step)
    args = (src, lengths, tgt_in, step)
    with torch.inference_mode(False), torch.enable_grad(), private_copy(model) as twin:
        forward = lambda *a: _step_logprobs(twin, *a)  # noqa: E731 (Captum wants a plain callable)
        embedded = twin.encoder.embedding(src).detach().requires_grad_()  # (1, T_src, E)
        # Gradient × input is this gradient times the embedding: one backward pass serves both.
        gradient = Saliency(forward).attribute(embedded, target=target, abs=False, additional_forward_args=args)
        baseline = torch.zeros_like(embedded)
        integrated = IntegratedGradients(forward).attribute(
            embedded, baselines=baseline, target=target, additional_forward_args=args, n_steps=ig_steps,
            internal_batch_size=ig_steps)
        with torch.no_grad():
            ends, attention = _ends_and_attention(twin, torch.cat([embedded, baseline]), args, target)
    ig = integrated[0].detach().sum(-1)
    scores = {"saliency": gradient[0].norm(dim=-1).tolist(),
              "gradient_x_input": (gradient[0] * embedded[0].detach()).sum(-1).tolist(),
              "integrated_gradients": ig.tolist()}
    return Attribution(step, target, ends[0], ends[1], scores, attention, float(ig.sum()) - (ends[0] - ends[1]))


def _ends_and_attention(twin: Seq2Seq, ends, args: tuple, target: int) -> tuple[list[float], list[float] | None]:
    """f(x) and f(baseline) in one batch of two, and the real input's attention weights at the step."""
    src, lengths, tgt_in, step = _batched(args, 2)
    seen = {}

    def keep(t, inputs, logits, state, memory, details):
        if t == step:
            seen["weights"] = details.weights

    logits = _forward(twin, ends, src, lengths, tgt_in, hook=keep)[:, step]
    weights = seen.get("weights")
    return torch.log_softmax(logits.float(), -1)[:, target].tolist(), (None if weights is None else weights[0].tolist())


def _batched(args: tuple, copies: int) -> tuple:
    return tuple(a.repeat(copies, *([1] * (a.dim() - 1))) if isinstance(a, torch.Tensor) else a for a in args)
