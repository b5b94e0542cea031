"""The one free-running loop over `Decoder.step`: greedy or sampling, batched, with an optional forced
prefix per sentence and an optional hook that sees every step (the trace recorder).

Callers run it under torch.inference_mode().
"""
from __future__ import annotations

import torch

from seq2seq.config import DecodeConfig
from seq2seq.data.batches import pad_batch
from seq2seq.decoding.trace import Hypothesis
from seq2seq.nn.decoder import StepDetails, StepHook
from seq2seq.nn.model import Seq2Seq
from seq2seq.symbols import BOS_ID, EOS_ID, PAD_ID


def free_run(model: Seq2Seq, sources: list[list[int]], decode: DecodeConfig,
             prefixes: list[list[int]] | None = None, hook: StepHook | None = None) -> list[Hypothesis]:
    """Each step feeds back the piece it chose. `prefixes` force the first pieces of each output;
    a `hook` (a `StepHook`) sees every step, as in `Seq2Seq.unroll`."""
    src, lengths = pad_batch(sources, model.device)
    _, memory, state = model.encode(src, lengths)
    batch = src.size(0)
    generator = torch.Generator(device=src.device).manual_seed(decode.seed)
    inputs = torch.full((batch,), BOS_ID, dtype=torch.long, device=src.device)
    finished = torch.zeros(batch, dtype=torch.bool, device=src.device)
    # Each sentence's own limit, from its own length: its output never depends on the sentences batched with it.
    limits = torch.tensor([model.max_output_len(n) for n in lengths.tolist()], device=src.device)
    tokens, logprobs = [], []
    for t in range(int(limits.max())):
        details = StepDetails() if hook is not None else None
        logits, state, _ = model.decoder.step(inputs, state, memory, details)  # (B, V)
        if hook is not None:
            hook(t, inputs, logits, state, memory, details)
        logp = model.restrict(torch.log_softmax(logits.float(), dim=-1), t)  # (B, V)
        # Drawn even where a prefix overrides the pick: the random stream stays that of the free run.
        chosen = _apply_prefix(choose_pieces(logp, decode, generator), prefixes, t).masked_fill(finished, PAD_ID)
        tokens.append(chosen)
        logprobs.append(logp.gather(1, chosen.unsqueeze(1)).squeeze(1).masked_fill(finished, 0.0))
        finished |= (chosen == EOS_ID) | (limits <= t + 1)
        inputs = chosen
        if bool(finished.all()):
            break
    return _collect(torch.stack(tokens, 1), torch.stack(logprobs, 1), limits.tolist())


def choose_pieces(logp: torch.Tensor, decode: DecodeConfig, generator: torch.Generator) -> torch.Tensor:
    if decode.strategy != "sample":
        return logp.argmax(-1)
    probs = filter_distribution(logp / decode.temperature, decode.top_k, decode.top_p)
    return torch.multinomial(probs, 1, generator=generator).squeeze(1)


def filter_distribution(scores: torch.Tensor, top_k: int = 0, top_p: float = 1.0) -> torch.Tensor:
    """Softmax of scores restricted to the top-k pieces and the smallest set with mass >= top_p."""
    probs = torch.softmax(scores, dim=-1)
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    keep = torch.ones_like(sorted_probs, dtype=torch.bool)
    if top_k > 0:
        keep[:, top_k:] = False
    if top_p < 1.0:
        mass_before = sorted_probs.cumsum(-1) - sorted_probs
        keep &= mass_before < top_p
    sorted_probs = sorted_probs * keep
    filtered = torch.zeros_like(probs).scatter(-1, order, sorted_probs)
    return filtered / filtered.sum(-1, keepdim=True)


def _apply_prefix(chosen: torch.Tensor, prefixes, t: int) -> torch.Tensor:
    if not prefixes:
        return chosen
    forced = [(row, p[t]) for row, p in enumerate(prefixes) if t < len(p)]
    if forced:
        rows, ids = zip(*forced)
        chosen = chosen.clone()
        chosen[list(rows)] = torch.tensor(ids, dtype=chosen.dtype, device=chosen.device)
    return chosen


def _collect(tokens: torch.Tensor, logprobs: torch.Tensor, limits: list[int]) -> list[Hypothesis]:
    hypotheses = []
    for row_tokens, row_logp, limit in zip(tokens.tolist(), logprobs.tolist(), limits):
        row_tokens = row_tokens[:limit]
        ended = EOS_ID in row_tokens
        length = row_tokens.index(EOS_ID) + 1 if ended else len(row_tokens)
        total = sum(row_logp[:length])
        ids = [i for i in row_tokens[:length] if i != EOS_ID]
        hypotheses.append(Hypothesis(ids, total, total, ended=ended))
    return hypotheses
