"""Why this piece rather than that one: contrastive attribution of one output step.

For output step t, the piece the model chose (X, the fact) and any other candidate (Y, the foil), each
method explains the contrast
  f(x) = log p(X | y_<t, x) − log p(Y | y_<t, x)
(Yin & Neubig, EMNLP 2022: contrastive explanations helped people predict a model's choices where
plain ones did not). The inputs are the embeddings of the source pieces and of the output pieces
already written (y_1 … y_{t-1}, fed back into the decoder; the start symbol stays as it is):
  saliency            ‖∂f/∂e_j‖₂                          how sensitive the contrast is to piece j
  gradient × input    Σ_k e_jk · ∂f/∂e_jk                 first-order share of the contrast owed to piece j
  integrated grads.   Σ_k e_jk · ∫₀¹ ∂f/∂e_jk(α e) dα     exact shares: they sum to f(x) − f(baseline)
The baseline sets every one of those embeddings to zero. Positive scores push toward X over Y, negative
ones toward Y. The faithfulness check (`faithfulness.removals` with a foil) removes the source piece each
row ranks first and scores p(X | X or Y) again.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from seq2seq.analysis.attribution import IG_STEPS, METHODS, _batched, _inputs
from seq2seq.analysis.private_copy import private_copy
from seq2seq.errors import UserError
from seq2seq.nn.model import Seq2Seq


@dataclass(frozen=True)
class Contrast:
    step: int  # the output step explained (0 = first piece)
    target_id: int  # X, the piece the output has at this step
    foil_id: int  # Y, the candidate it is contrasted with
    logprob: float  # log p(X), natural log
    foil_logprob: float  # log p(Y), natural log
    contrast: float  # f(x) = log p(X) − log p(Y), nats; > 0 when X is the likelier
    baseline_contrast: float  # f(baseline): every attributed embedding at zero
    scores: dict[str, list[float]]  # per method, one score per source piece (EOS included)
    output_scores: dict[str, list[float]]  # per method, one score per output piece before this step
    attention: list[float] | None  # the attention weights of the same step; None without attention
    completeness_gap: float  # Σ IG (source and output pieces) − (f(x) − f(baseline)): ~0


def _forward(model: Seq2Seq, src_embedded, out_embedded, src, lengths, tgt_in, hook=None) -> torch.Tensor:
    """The teacher-forced forward pass with the source pieces embedded as `src_embedded` (B, T_src, E) and
    the output pieces after the start symbol as `out_embedded` (B, T_tgt − 1, E), or None to keep them.
    The decoder embeds its input all at once (B, T, E) or, with input feeding, one step at a time (B, E):
    the hook swaps in either. -> logits (B, T_tgt, V)."""
    calls = [0]

    def swap_output(module, inputs, output):
        if output.dim() == 3:
            return torch.cat([output[:, :1], out_embedded], dim=1)
        position, calls[0] = calls[0], calls[0] + 1
        return output if position == 0 else out_embedded[:, position - 1]

    handles = [model.encoder.embedding.register_forward_hook(lambda module, inputs, output: src_embedded)]
    if out_embedded is not None:
        handles.append(model.decoder.embedding.register_forward_hook(swap_output))
    try:
        return model(src, lengths, tgt_in, hook=hook).logits
    finally:
        for handle in handles:
            handle.remove()


def _contrast(model: Seq2Seq, *inputs) -> torch.Tensor:
    """Captum's forward function: (B,) log p(X) − log p(Y) at the step. `inputs` are the embeddings
    attributed (source, and output pieces when there are any) followed by the fixed arguments."""
    *embedded, src, lengths, tgt_in, step, target, foil = inputs
    out_embedded = embedded[1] if len(embedded) > 1 else None
    logp = torch.log_softmax(_forward(model, embedded[0], out_embedded, src, lengths, tgt_in)[:, step].float(), -1)
    return logp[:, target] - logp[:, foil]


def contrast(model: Seq2Seq, source: list[int], output_ids: list[int], step: int, foil: int,
             ig_steps: int = IG_STEPS) -> Contrast:
    """All three methods for the contrast of output step `step` of `output_ids` (EOS is step
    len(output_ids)) with the candidate `foil`."""
    from captum.attr import IntegratedGradients, Saliency  # a second of imports: only when asked

    src, lengths, tgt_in, target = _inputs(model, source, output_ids, step)
    if not 0 <= foil < model.config.tgt_vocab_size:
        raise UserError(f"piece id {foil} is not in this model's output vocabulary")
    if foil == target:
        raise UserError("pick another candidate than the piece the model chose: "
                        "a piece against itself explains nothing")
    args = (src, lengths, tgt_in, step, target, foil)
    with torch.inference_mode(False), torch.enable_grad(), private_copy(model) as twin:
        forward = lambda *a: _contrast(twin, *a)  # noqa: E731 (Captum wants a plain callable)
        embedded = [twin.encoder.embedding(src).detach().requires_grad_()]  # (1, T_src, E)
        if step > 0:  # the output pieces written so far, after the start symbol
            embedded.append(twin.decoder.embedding(tgt_in[:, 1:]).detach().requires_grad_())  # (1, step, E)
        embedded = tuple(embedded)
        gradients = Saliency(forward).attribute(embedded, abs=False, additional_forward_args=args)
        baselines = tuple(torch.zeros_like(e) for e in embedded)
        integrated = IntegratedGradients(forward).attribute(
            embedded, baselines=baselines, additional_forward_args=args, n_steps=ig_steps,
            internal_batch_size=ig_steps)
        with torch.no_grad():
            ends, picked, attention = _ends_and_attention(twin, embedded, baselines, args)
    per_input = [_scores(g[0], e[0].detach(), ig[0].detach()) for g, e, ig in zip(gradients, embedded, integrated)]
    total_ig = sum(sum(scores["integrated_gradients"]) for scores in per_input)
    output_scores = per_input[1] if len(per_input) > 1 else {method: [] for method in METHODS}
    return Contrast(step, target, foil, picked[0], picked[1], ends[0], ends[1], per_input[0], output_scores, attention,
                    total_ig - (ends[0] - ends[1]))


def _scores(gradient: torch.Tensor, embedded: torch.Tensor, integrated: torch.Tensor) -> dict[str, list[float]]:
    """(T, E) gradient, embedding and integrated gradients -> one score per piece and method."""
    return {"saliency": gradient.norm(dim=-1).tolist(), "gradient_x_input": (gradient * embedded).sum(-1).tolist(),
            "integrated_gradients": integrated.sum(-1).tolist()}


def _ends_and_attention(twin: Seq2Seq, embedded: tuple, baselines: tuple, args: tuple):
    """f(x) and f(baseline) in one batch of two; log p(X) and log p(Y) and the attention weights at the step,
    of the real input."""
    src, lengths, tgt_in, step, target, foil = _batched(args, 2)
    both = [torch.cat([e, b]) for e, b in zip(embedded, baselines)]
    seen = {}

    def keep(t, inputs, logits, state, memory, details):
        if t == step:
            seen["weights"] = details.weights

    logits = _forward(twin, both[0], both[1] if len(both) > 1 else None, src, lengths, tgt_in, hook=keep)[:, step]
    logp = torch.log_softmax(logits.float(), -1)
    weights = seen.get("weights")
    ends = (logp[:, target] - logp[:, foil]).tolist()
    return ends, (logp[0, target].item(), logp[0, foil].item()), (None if weights is None else weights[0].tolist())
