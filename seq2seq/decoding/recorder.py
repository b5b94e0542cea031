"""The recording hook: what every decoder step of one sentence computed, turned into plain `StepTrace`s.

Pass a `Recorder` as the `hook` of `free_run` or `teacher_forced`; both call it once per step with
the step's inputs, logits, new state and intermediate values (attention, context, gates).
"""
from __future__ import annotations

from typing import NamedTuple

import torch

from seq2seq.data.tokenizer import Tokenizer
from seq2seq.decoding.trace import Candidate, StepTrace
from seq2seq.nn.decoder import DecoderState, Memory


class _Step(NamedTuple):
    input_id: int
    logits: torch.Tensor  # (V,)
    details: dict
    hidden: torch.Tensor  # (H_dec,) top layer
    cell: torch.Tensor | None


class Recorder:
    """Keeps the steps of batch row `row` (a trace is one sentence)."""

    def __init__(self, row: int = 0):
        self.row = row
        self.records: list[_Step] = []
        self.encoder_states: torch.Tensor | None = None  # (T_src, D) the states attention reads

    def __call__(self, t: int, inputs: torch.Tensor, logits: torch.Tensor, state: DecoderState, memory: Memory,
                 details: dict) -> None:
        r = self.row
        if t == 0:
            self.encoder_states = memory.states[r, : int(memory.mask[r].sum())]
        self.records.append(_Step(int(inputs[r]), logits[r].float(), {k: _pick(v, r) for k, v in details.items()},
                                  state.hidden[-1, r], None if state.cell is None else state.cell[-1, r]))

    def steps(self, chosen: list[int], tokenizer: Tokenizer, top_k: int, forced_upto: int = 0) -> list[StepTrace]:
        """StepTraces of the first len(chosen) recorded steps; `chosen[t]` is the piece step t produced."""
        return [_step_trace(t, record, token, tokenizer, top_k, t < forced_upto)
                for t, (record, token) in enumerate(zip(self.records, chosen))]


def _pick(value, row: int):
    if isinstance(value, list):  # gates: one dict per decoder layer
        return [{name: gate[row] for name, gate in layer.items()} for layer in value]
    return value[row]


def _step_trace(index: int, record: _Step, token: int, tokenizer: Tokenizer, top_k: int, forced: bool) -> StepTrace:
    logp = torch.log_softmax(record.logits, dim=-1)  # (V,)
    probs = logp.exp()
    top_p, top_i = probs.topk(min(top_k, probs.numel()))
    top = [Candidate(i, tokenizer.piece(i), p, float(record.logits[i])) for p, i in zip(top_p.tolist(), top_i.tolist())]
    details = record.details
    return StepTrace(
        index=index, input_piece=tokenizer.piece(record.input_id), chosen_id=token,
        chosen_piece=tokenizer.piece(token), logprob=float(logp[token]),
        entropy=float(-(probs * logp).nan_to_num().sum()), top=top,
        attention=_row(details.get("weights")), scores=_row(details.get("scores")),
        context=_row(details.get("context")), embedding=_row(details["embedding"]), hidden=record.hidden.tolist(),
        cell=None if record.cell is None else record.cell.tolist(),
        gates={name: value.tolist() for name, value in details["gates"][-1].items()}, forced=forced,
    )


def _row(vector: torch.Tensor | None):
    return None if vector is None else vector.float().tolist()


def encoder_halves(states: torch.Tensor, enc_hidden: int, bidirectional: bool):
    """One sentence's encoder states (T_src, D) -> forward half and backward half (None if one-directional)."""
    forward = states[:, :enc_hidden].tolist()
    backward = states[:, enc_hidden:].tolist() if bidirectional else None
    return forward, backward
