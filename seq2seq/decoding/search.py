"""Searches over `Decoder.step`: greedy, sampling, beam, and forced decoding (scoring).

All functions take and return token ids; callers run them under torch.inference_mode().
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch

from seq2seq.config import DecodeConfig
from seq2seq.data.batches import pad_batch
from seq2seq.data.tokenizer import BOS_ID, EOS_ID, PAD_ID
from seq2seq.decoding.trace import BeamNode, Hypothesis
from seq2seq.nn.model import Seq2Seq


def max_output_len(model: Seq2Seq, src_len: int) -> int:
    # Translations rarely exceed twice the source; the cap keeps a degenerate loop short.
    return min(model.config.max_tgt_len, 2 * src_len + 10)


def length_penalty(length: int, alpha: float) -> float:
    """GNMT: lp = ((5 + |Y|) / 6)^alpha."""
    return ((5.0 + length) / 6.0) ** alpha


def free_run(model: Seq2Seq, sources: list[list[int]], decode: DecodeConfig,
             prefixes: list[list[int]] | None = None) -> list[Hypothesis]:
    """Greedy or sampling for a batch; `prefixes` force the first pieces of each output."""
    src, lengths = pad_batch(sources, device_of(model))
    _, memory, state = model.encode(src, lengths)
    batch = src.size(0)
    generator = torch.Generator(device=src.device).manual_seed(decode.seed)
    prev = torch.full((batch,), BOS_ID, dtype=torch.long, device=src.device)
    finished = torch.zeros(batch, dtype=torch.bool, device=src.device)
    tokens, logprobs = [], []
    for t in range(max_output_len(model, src.size(1))):
        logits, state, _ = model.decoder.step(prev, state, memory)
        logp = torch.log_softmax(logits.float(), dim=-1)  # (B, V)
        chosen = choose_pieces(logp, decode, generator)
        chosen = _apply_prefix(chosen, prefixes, t)
        chosen = chosen.masked_fill(finished, PAD_ID)
        tokens.append(chosen)
        logprobs.append(logp.gather(1, chosen.unsqueeze(1)).squeeze(1).masked_fill(finished, 0.0))
        finished |= chosen == EOS_ID
        prev = chosen
        if bool(finished.all()):
            break
    return _collect(torch.stack(tokens, 1), torch.stack(logprobs, 1))


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


def _collect(tokens: torch.Tensor, logprobs: torch.Tensor) -> list[Hypothesis]:
    hypotheses = []
    for row_tokens, row_logp in zip(tokens.tolist(), logprobs.tolist()):
        length = row_tokens.index(EOS_ID) + 1 if EOS_ID in row_tokens else len(row_tokens)
        total = sum(row_logp[:length])
        ids = [i for i in row_tokens[:length] if i != EOS_ID]
        hypotheses.append(Hypothesis(ids, total, total))
    return hypotheses


@dataclass
class _Beam:
    """Alive hypotheses of one sentence's beam search plus the tree of everything expanded."""

    tokens: list[list[int]]
    scores: torch.Tensor  # (K,) cumulative log-probabilities
    node_ids: list[int | None]  # None: the hypothesis is empty (its pieces hang from the root)
    nodes: list[BeamNode] = field(default_factory=list)
    finished: list[Hypothesis] = field(default_factory=list)


def beam_search(model: Seq2Seq, source: list[int], decode: DecodeConfig, prefix: list[int] | None = None,
                piece=str) -> tuple[list[Hypothesis], list[BeamNode]]:
    """Beam search for one sentence (the beam is the batch); returns n-best and the search tree."""
    src, lengths = pad_batch([source], device_of(model))
    _, memory, state = model.encode(src, lengths)
    beam = _Beam([[]], torch.zeros(1, device=src.device), [None])
    limit = max_output_len(model, src.size(1))
    for t in range(limit):
        prev = torch.tensor([seq[-1] if seq else BOS_ID for seq in beam.tokens], device=src.device)
        batch_memory = _expand_memory(memory, len(beam.tokens))
        logits, state, _ = model.decoder.step(prev, state, batch_memory)
        logp = torch.log_softmax(logits.float(), dim=-1)  # (K, V)
        if prefix and t < len(prefix):
            logp = _force(logp, prefix[t])
        keep = _expand_beam(beam, logp, decode, t, piece, last_step=t + 1 == limit)
        if not keep or len(beam.finished) >= decode.beam_size:
            break
        state = state.select(torch.tensor(keep, device=src.device))
    ranked = sorted(beam.finished, key=lambda h: h.score, reverse=True)
    return ranked[: decode.n_best], beam.nodes


def _expand_beam(beam: _Beam, logp: torch.Tensor, decode: DecodeConfig, t: int, piece, last_step: bool) -> list[int]:
    """Advance the beam by one piece; returns which old rows the surviving hypotheses extend."""
    vocab = logp.size(1)
    total = beam.scores.unsqueeze(1) + logp  # (K, V)
    top_scores, top_flat = total.view(-1).topk(min(2 * decode.beam_size, total.numel()))
    # One read of all candidates' log-probabilities: indexing the tensor once per candidate costs more.
    step_logps = logp.reshape(-1)[top_flat].tolist()
    keep, new_tokens, new_scores, new_nodes = [], [], [], []
    for score, flat, step_logp in zip(top_scores.tolist(), top_flat.tolist(), step_logps):
        if score == float("-inf"):
            break  # only pieces a forced prefix rules out remain (topk is sorted)
        row, token = divmod(flat, vocab)
        seq = beam.tokens[row] + [token]
        full = len(keep) >= decode.beam_size
        # Once K hypotheses survive, lower candidates (EOS too) are pruned: beam 1 is then exactly greedy.
        status = "pruned" if full else ("finished" if token == EOS_ID or last_step else "kept")
        node = BeamNode(len(beam.nodes), beam.node_ids[row], t, token, piece(token), step_logp, score, status)
        beam.nodes.append(node)
        if status == "finished":
            ids = [i for i in seq if i != EOS_ID]
            beam.finished.append(Hypothesis(ids, score, score / length_penalty(len(seq), decode.length_penalty)))
        elif status == "kept":
            keep.append(row), new_tokens.append(seq), new_scores.append(score), new_nodes.append(node.node_id)
    beam.tokens, beam.node_ids = new_tokens, new_nodes
    beam.scores = torch.tensor(new_scores, device=logp.device)
    return keep


def _force(logp: torch.Tensor, token: int) -> torch.Tensor:
    forced = torch.full_like(logp, float("-inf"))
    forced[:, token] = logp[:, token]
    return forced


def _expand_memory(memory, size: int):
    if memory.states.size(0) == size:
        return memory
    return type(memory)(*(None if x is None else x.expand(size, *x.shape[1:]) for x in memory))


def forced_logprobs(model: Seq2Seq, sources: list[list[int]], targets: list[list[int]]) -> list[list[float]]:
    """log p(y_t | y_<t, x) of each given target piece (EOS included), by teacher forcing."""
    src, lengths = pad_batch(sources, device_of(model))
    gold = [t + [EOS_ID] for t in targets]
    tgt_out, _ = pad_batch(gold, src.device)
    tgt_in = torch.cat([torch.full_like(tgt_out[:, :1], BOS_ID), tgt_out[:, :-1]], dim=1)
    logp = torch.log_softmax(model(src, lengths, tgt_in).float(), dim=-1)  # (B, T_tgt, V)
    picked = logp.gather(2, tgt_out.unsqueeze(2)).squeeze(2)
    return [row[: len(g)] for row, g in zip(picked.tolist(), gold)]


def device_of(model: Seq2Seq) -> torch.device:
    return next(model.parameters()).device
