"""Teacher-forced decoding of given outputs: the model reads a known target piece by piece.

Scores of references, forced traces, counterfactuals, state samples and alignments all come from
here, through the same `Seq2Seq.unroll` that training uses. Callers run it under inference_mode.
"""
from __future__ import annotations

from typing import NamedTuple

import torch

from seq2seq.data.batches import pad_batch
from seq2seq.nn.decoder import StepHook
from seq2seq.nn.encoder import EncoderOutput
from seq2seq.nn.model import Seq2Seq
from seq2seq.symbols import BOS_ID, EOS_ID


class ForcedRun(NamedTuple):
    encoded: EncoderOutput
    logits: torch.Tensor  # (B, T_tgt, V): step t predicts target piece t (EOS last)
    attention: torch.Tensor | None  # (B, T_tgt, T_src), None without attention
    gold: torch.Tensor  # (B, T_tgt) the pieces fed next: each target plus EOS, then padding
    lengths: list[int]  # per sentence, the steps that belong to it (target length + 1)


def teacher_forced(model: Seq2Seq, sources: list[list[int]], targets: list[list[int]],
                   hook: StepHook | None = None) -> ForcedRun:
    """Feed each target (EOS appended) after BOS; `hook` sees every step (see `Seq2Seq.unroll`)."""
    src, src_lengths = pad_batch(sources, model.device)
    gold_lists = [list(t) + [EOS_ID] for t in targets]
    gold, _ = pad_batch(gold_lists, src.device)
    tgt_in = torch.cat([torch.full_like(gold[:, :1], BOS_ID), gold[:, :-1]], dim=1)  # (B, T_tgt)
    encoded, memory, state = model.encode(src, src_lengths)
    logits, attention = model.unroll(tgt_in, state, memory, hook=hook)
    return ForcedRun(encoded, logits, attention, gold, [len(g) for g in gold_lists])


def forced_logprobs(model: Seq2Seq, sources: list[list[int]], targets: list[list[int]]) -> list[list[float]]:
    """log p(y_t | y_<t, x) of each given target piece (EOS included)."""
    run = teacher_forced(model, sources, targets)
    logp = torch.log_softmax(run.logits.float(), dim=-1)
    picked = logp.gather(2, run.gold.unsqueeze(2)).squeeze(2)  # (B, T_tgt)
    return [row[:length] for row, length in zip(picked.tolist(), run.lengths)]


def next_piece_distributions(model: Seq2Seq, source: list[int], target: list[int]) -> torch.Tensor:
    """log p(· | y_<t, x) over the whole vocabulary at each step of `target` + EOS: (T + 1, V), float64."""
    run = teacher_forced(model, [source], [target])
    return torch.log_softmax(run.logits[0].double(), dim=-1)
