"""Record what happens inside every decoder step while feeding a known output (one sentence).

Searches find the output; replaying it here under teacher forcing yields exactly the same step
values (the model is deterministic in eval mode) plus every intermediate the UI shows.
"""
from __future__ import annotations

import torch

from .model import Seq2Seq
from .search import pad_batch
from .tokenizer import BOS_ID, EOS_ID, Tokenizer
from .trace import Candidate, StepTrace


def record_steps(model: Seq2Seq, source: list[int], output: list[int], tokenizer: Tokenizer,
                 top_k: int = 10, forced_upto: int = 0):
    """Replay `output` (EOS appended): returns (steps, encoder forward states, backward states)."""
    src, lengths = pad_batch([source], next(model.parameters()).device)
    encoded, memory, state = model.encode(src, lengths)
    steps, prev = [], BOS_ID
    for index, token in enumerate(output + [EOS_ID]):
        details: dict = {}
        logits, state, weights = model.decoder.step(torch.tensor([prev], device=src.device), state, memory, details)
        steps.append(_step_trace(index, prev, token, logits[0].float(), weights, details, state, tokenizer, top_k))
        steps[-1].forced = index < forced_upto
        prev = token
    return steps, *_encoder_states(model, encoded.states[0])


def _step_trace(index, prev, token, logits, weights, details, state, tokenizer, top_k) -> StepTrace:
    logp = torch.log_softmax(logits, dim=-1)  # (V,)
    probs = logp.exp()
    top_p, top_i = probs.topk(min(top_k, probs.numel()))
    top = [Candidate(i, tokenizer.piece(i), p, float(logits[i])) for p, i in zip(top_p.tolist(), top_i.tolist())]
    return StepTrace(
        index=index, input_piece=tokenizer.piece(prev), chosen_id=token, chosen_piece=tokenizer.piece(token),
        logprob=float(logp[token]), entropy=float(-(probs * logp).nan_to_num().sum()), top=top,
        attention=_row(weights), scores=_row(details.get("scores")), context=_row(details.get("context")),
        embedding=_row(details["embedding"]), hidden=state.hidden[-1, 0].tolist(),
        cell=None if state.cell is None else state.cell[-1, 0].tolist(),
        gates={name: value[0].tolist() for name, value in details["gates"][-1].items()},
    )


def _row(tensor: torch.Tensor | None):
    return None if tensor is None else tensor[0].float().tolist()


def _encoder_states(model: Seq2Seq, states: torch.Tensor):
    """(T_src, D) -> forward half and backward half (None for a one-directional encoder)."""
    size = model.config.enc_hidden
    forward = states[:, :size].tolist()
    backward = states[:, size:].tolist() if model.config.bidirectional else None
    return forward, backward
