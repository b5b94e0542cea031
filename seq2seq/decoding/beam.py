"""Beam search over `Decoder.step`, batched across sentences: B sentences x K hypotheses in one batch.

Each step scores every alive hypothesis's next pieces; per sentence the 2K best extensions are read
in order, the first K that do not end become the new beam, and ended ones join its finished list
(GNMT length penalty). Callers run it under torch.inference_mode().
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import torch

from seq2seq.config import DecodeConfig
from seq2seq.data.batches import pad_batch
from seq2seq.decoding.trace import BeamNode, Hypothesis
from seq2seq.nn.decoder import StepDetails, StepHook
from seq2seq.nn.model import Seq2Seq
from seq2seq.symbols import BOS_ID, EOS_ID, PAD_ID

NEG_INF = float("-inf")


def length_penalty(length: int, alpha: float) -> float:
    """GNMT: lp = ((5 + |Y|) / 6)^alpha."""
    return ((5.0 + length) / 6.0) ** alpha


@dataclass
class BeamResult:
    nbest: list[Hypothesis]
    tree: list[BeamNode]  # everything expanded (only when asked for: it is for one sentence's trace)
    # Per n-best hypothesis, the batch row it sat in at each step (rows of this sentence's K): a hook's
    # records of the search, read along this path, are that hypothesis's own steps.
    paths: list[list[int]] = field(default_factory=list)


class _Kept(NamedTuple):
    """A candidate that stays in the beam: the row it extends, its pieces so far, its score, its tree node."""
    row: int
    tokens: list[int]
    score: float
    node_id: int | None


@dataclass
class _Sentence:
    """One sentence's beam: its alive rows (a fixed K; dead rows score -inf), finished list and tree."""

    limit: int
    tokens: list[list[int]]
    node_ids: list[int | None]
    paths: list[list[int]]  # per alive row, the row it sat in at each earlier step
    nodes: list[BeamNode] = field(default_factory=list)
    finished: list[tuple[Hypothesis, list[int]]] = field(default_factory=list)  # with their paths
    done: bool = False

    def best(self, n: int) -> tuple[list[Hypothesis], list[BeamNode], list[list[int]]]:
        """The n best finished hypotheses, the tree, and each hypothesis's path (BeamResult's fields)."""
        ranked = sorted(self.finished, key=lambda found: found[0].score, reverse=True)[:n]
        return [hyp for hyp, _ in ranked], self.nodes, [path for _, path in ranked]


def beam_search(model: Seq2Seq, sources: list[list[int]], decode: DecodeConfig, prefix: list[int] | None = None,
                piece=None, hook: StepHook | None = None) -> list[BeamResult]:
    """n-best per sentence; `prefix` forces the first pieces; `piece` (id -> text) asks for the tree;
    a `hook` (a `StepHook`) sees every step of all B*K rows, as in `free_run`."""
    k = decode.beam_size
    src, lengths = pad_batch(sources, model.device)
    _, memory, state = model.encode(src, lengths)
    rows = torch.arange(len(sources), device=src.device).repeat_interleave(k)  # (B*K,) sentence of each row
    memory = type(memory)(*(None if x is None else x.index_select(0, rows) for x in memory))
    state = state.select(rows)
    beams = [_Sentence(model.max_output_len(len(s)), [[] for _ in range(k)], [None] * k, [[] for _ in range(k)])
             for s in sources]
    scores = torch.full((len(sources), k), NEG_INF, device=src.device)
    scores[:, 0] = 0.0  # one empty hypothesis per sentence to start from
    for t in range(max(b.limit for b in beams)):
        inputs = torch.tensor([seq[-1] if seq else BOS_ID for b in beams for seq in b.tokens], device=src.device)
        details = StepDetails() if hook is not None else None
        logits, state, _ = model.decoder.step(inputs, state, memory, details)  # (B*K, V)
        if hook is not None:
            hook(t, inputs, logits, state, memory, details)
        logp = model.restrict(torch.log_softmax(logits.float(), dim=-1), t)  # (B*K, V)
        if prefix and t < len(prefix):
            logp = _force(logp, prefix[t])
        keep, scores = _advance(beams, scores, logp.view(len(sources), k, -1), decode, t, piece)
        if all(b.done for b in beams):
            break
        state = state.select(torch.tensor(keep, device=src.device))
    return [BeamResult(*b.best(decode.n_best)) for b in beams]


def _advance(beams: list[_Sentence], scores: torch.Tensor, logp: torch.Tensor, decode: DecodeConfig, t: int,
             piece) -> tuple[list[int], torch.Tensor]:
    """Extend every sentence's beam by one piece: (rows of the old batch the new rows extend, new scores)."""
    batch, k, vocab = logp.shape
    total = (scores.unsqueeze(2) + logp).view(batch, k * vocab)  # (B, K*V)
    top_scores, top_flat = total.topk(min(2 * k, k * vocab), dim=1)  # (B, 2K)
    # One read of the candidates' own log-probabilities: indexing once per candidate costs more.
    step_logps = logp.view(batch, k * vocab).gather(1, top_flat).tolist()
    keep, new_scores = [], []
    for b, beam in enumerate(beams):
        kept = [] if beam.done else _extend(beam, top_scores[b].tolist(), top_flat[b].tolist(), step_logps[b],
                                            vocab, decode, t, piece)
        beam.done = beam.done or not kept or len(beam.finished) >= k
        kept = kept if not beam.done else []
        beam.paths = [beam.paths[c.row] + [c.row] for c in kept] + [[]] * (k - len(kept))
        beam.tokens = [c.tokens for c in kept] + [[PAD_ID]] * (k - len(kept))
        beam.node_ids = [c.node_id for c in kept] + [None] * (k - len(kept))
        keep += [b * k + c.row for c in kept] + [b * k] * (k - len(kept))
        new_scores.append([c.score for c in kept] + [NEG_INF] * (k - len(kept)))
    return keep, torch.tensor(new_scores, device=logp.device)


def _extend(beam: _Sentence, top_scores, top_flat, step_logps, vocab: int, decode: DecodeConfig, t: int,
            piece) -> list[_Kept]:
    """Read one sentence's best candidates in order; returns the kept ones."""
    last_step = t + 1 == beam.limit
    kept = []
    for score, flat, step_logp in zip(top_scores, top_flat, step_logps):
        if score == NEG_INF:
            break  # only dead rows or pieces a forced prefix rules out remain (topk is sorted)
        row, token = divmod(flat, vocab)
        seq = beam.tokens[row] + [token]
        # Once K hypotheses survive, lower candidates (EOS too) are pruned: beam 1 is then exactly greedy.
        status = "pruned" if len(kept) >= decode.beam_size else (
            "finished" if token == EOS_ID or last_step else "kept")
        node_id = _record(beam, row, t, token, step_logp, score, status, piece)
        if status == "finished":
            ids = [i for i in seq if i != EOS_ID]
            beam.finished.append((Hypothesis(ids, score, score / length_penalty(len(seq), decode.length_penalty),
                                             ended=token == EOS_ID), beam.paths[row] + [row]))
        elif status == "kept":
            kept.append(_Kept(row, seq, score, node_id))
    return kept


def _record(beam: _Sentence, row: int, t: int, token: int, step_logp: float, score: float, status: str, piece):
    if piece is None:
        return None
    node = BeamNode(len(beam.nodes), beam.node_ids[row], t, token, piece(token), step_logp, score, status)
    beam.nodes.append(node)
    return node.node_id


def _force(logp: torch.Tensor, token: int) -> torch.Tensor:
    forced = torch.full_like(logp, NEG_INF)
    forced[:, token] = logp[:, token]
    return forced
