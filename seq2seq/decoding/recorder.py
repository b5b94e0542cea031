"""Record what happens inside every decoder step while feeding a known output (one sentence).

Searches find the output; replaying it here under teacher forcing yields exactly the same step
values (the model is deterministic in eval mode) plus every intermediate the UI shows.
"""
from __future__ import annotations

import torch

from seq2seq.config import DecodeConfig
from seq2seq.data.batches import pad_batch
from seq2seq.data.tokenizer import BOS_ID, EOS_ID, Tokenizer
from seq2seq.decoding.search import choose_pieces, device_of, max_output_len
from seq2seq.decoding.trace import Candidate, Hypothesis, StepTrace
from seq2seq.nn.model import Seq2Seq


def record_steps(model: Seq2Seq, source: list[int], output: list[int], tokenizer: Tokenizer,
                 top_k: int = 10, forced_upto: int = 0):
    """Replay `output` (EOS appended): returns (steps, encoder forward states, backward states)."""
    replay = output + [EOS_ID]
    return _record(model, source, tokenizer, lambda index, logp: replay[index], len(replay), top_k, forced_upto)


def record_free_run(model: Seq2Seq, source: list[int], decode: DecodeConfig, tokenizer: Tokenizer,
                    prefix: list[int] | None = None):
    """Greedy or sampling for one sentence, recorded as it decodes: the same pieces, scores and random
    draws as `free_run`, in one pass where search + replay would run the decoder twice.
    Returns (hypothesis, steps, encoder forward states, backward states)."""
    prefix = prefix or []
    limit = max_output_len(model, len(source) or 1)
    generator = torch.Generator(device=device_of(model)).manual_seed(decode.seed)

    def choose(index: int, logp: torch.Tensor) -> int:
        if index == limit:
            return EOS_ID  # an output cut at the length limit is traced with its EOS, as a replay is
        token = int(choose_pieces(logp.unsqueeze(0), decode, generator)[0])  # draws even where forced, as free_run
        return prefix[index] if index < len(prefix) else token

    steps, forward, backward = _record(model, source, tokenizer, choose, limit + 1, decode.trace_top_k, len(prefix))
    kept = steps[:limit]
    total = sum(step.logprob for step in kept)
    hypothesis = Hypothesis([step.chosen_id for step in kept if step.chosen_id != EOS_ID], total, total)
    return hypothesis, steps, forward, backward


def _record(model: Seq2Seq, source: list[int], tokenizer: Tokenizer, choose, max_steps: int, top_k: int,
            forced_upto: int):
    """Run the decoder on one sentence, keeping every step's values; `choose(index, logp)` picks the
    piece fed next. Stops after EOS or `max_steps` steps."""
    src, lengths = pad_batch([source], device_of(model))
    encoded, memory, state = model.encode(src, lengths)
    steps, prev = [], BOS_ID
    for index in range(max_steps):
        details: dict = {}
        logits, state, weights = model.decoder.step(torch.tensor([prev], device=src.device), state, memory, details)
        logits = logits[0].float()
        logp = torch.log_softmax(logits, dim=-1)  # (V,)
        token = choose(index, logp)
        steps.append(_step_trace(index, prev, token, logits, logp, weights, details, state, tokenizer, top_k))
        steps[-1].forced = index < forced_upto
        if token == EOS_ID:
            break
        prev = token
    return steps, *_encoder_states(model, encoded.states[0])


def _step_trace(index, prev, token, logits, logp, weights, details, state, tokenizer, top_k) -> StepTrace:
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
