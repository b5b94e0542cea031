"""The recording hook: what every decoder step of one sentence computed, turned into plain `StepTrace`s.

A `Recorder` is a `StepHook`: pass it as the `hook` of `free_run`, `beam_search` or `teacher_forced`.
A step only keeps references to the batch's tensors (beam search records all its rows and reads the best
hypothesis's path afterwards, instead of replaying it); `steps()` then computes what the trace shows
(probabilities, top candidates, entropy, the gates) for all steps in one batch and turns each quantity
into Python lists once, instead of a dozen small operations per step.
"""
from __future__ import annotations

from typing import NamedTuple

import torch

from seq2seq.data.tokenizer import Tokenizer
from seq2seq.decoding.trace import Candidate, StepTrace
from seq2seq.nn.decoder import Decoder, DecoderState, Memory, StepDetails


class _Step(NamedTuple):
    inputs: torch.Tensor  # (B,) the pieces the step read
    logits: torch.Tensor  # (B, V)
    details: StepDetails
    hidden: torch.Tensor  # (B, H_dec) top layer after the step
    cell: torch.Tensor | None


class Recorder:
    """Keeps every step of a batch; a trace reads one row per step (a sentence's row, or a beam
    hypothesis's path through the rows)."""

    def __init__(self, decoder: Decoder):
        self.decoder = decoder
        self.records: list[_Step] = []
        self.memory: Memory | None = None

    def __call__(self, t: int, inputs: torch.Tensor, logits: torch.Tensor, state: DecoderState, memory: Memory,
                 details: StepDetails) -> None:
        if t == 0:
            self.memory = memory
        self.records.append(_Step(inputs, logits, details, state.hidden[-1],
                                  None if state.cell is None else state.cell[-1]))

    def encoder_states(self, row: int = 0) -> torch.Tensor:
        """(T_src, D): the encoder states attention reads for the sentence in `row`."""
        return self.memory.states[row, : int(self.memory.mask[row].sum())]

    def steps(self, chosen: list[int], tokenizer: Tokenizer, top_k: int, forced_upto: int = 0,
              rows: list[int] | None = None) -> list[StepTrace]:
        """StepTraces of the first len(chosen) recorded steps; `chosen[t]` is the piece step t produced, read
        from row `rows[t]` of the batch (default: row 0 throughout)."""
        rows = rows or [0] * len(chosen)
        records = [_row_of(record, row) for record, row in zip(self.records, rows[: len(chosen)])]
        if not records:
            return []
        logits = torch.stack([r.logits for r in records]).float()  # (T, V)
        logp = torch.log_softmax(logits, dim=-1)
        probs = logp.exp()
        top_p, top_i = probs.topk(min(top_k, probs.size(-1)), dim=-1)  # (T, k)
        columns = {
            "logprob": logp[torch.arange(len(records)), torch.tensor(chosen[: len(records)])].tolist(),
            "entropy": (-(probs * logp).nan_to_num().sum(-1)).tolist(),
            "top_p": top_p.tolist(), "top_i": top_i.tolist(), "top_logit": logits.gather(1, top_i).tolist(),
            "hidden": _stacked([r.hidden for r in records]), "cell": _stacked([r.cell for r in records]),
            "gates": self._top_layer_gates(records),
        }
        for name in ("embedding", "scores", "weights", "context", "attentional"):
            columns[name] = _stacked([getattr(r.details, name) for r in records])
        return [_step_trace(t, record, token, tokenizer, columns, t < forced_upto)
                for t, (record, token) in enumerate(zip(records, chosen))]

    def _top_layer_gates(self, records: list[_Step]) -> list[dict[str, list[float]]]:
        top = len(self.decoder.cells) - 1
        inputs = torch.stack([r.details.layer_inputs[top] for r in records])  # (T, in)
        previous = torch.stack([r.details.previous_hidden[top] for r in records])  # (T, H_dec)
        gates = {name: value.float().tolist() for name, value in self.decoder.gates(top, inputs, previous).items()}
        return [{name: values[t] for name, values in gates.items()} for t in range(len(records))]


def _row_of(record: _Step, row: int) -> _Step:
    pick = (lambda value: None if value is None else value[row])
    details = record.details
    return _Step(record.inputs[row], record.logits[row],
                 StepDetails(pick(details.embedding), [x[row] for x in details.layer_inputs],
                             [h[row] for h in details.previous_hidden], pick(details.scores), pick(details.weights),
                             pick(details.context), pick(details.attentional)),
                 record.hidden[row], pick(record.cell))


def _stacked(vectors: list[torch.Tensor | None]) -> list[list[float] | None]:
    """One tolist() for all steps; None per step where the model has no such quantity."""
    if vectors[0] is None:
        return [None] * len(vectors)
    return torch.stack(vectors).float().tolist()


def _step_trace(index: int, record: _Step, token: int, tokenizer: Tokenizer, columns: dict, forced: bool) -> StepTrace:
    top = [Candidate(i, tokenizer.piece(i), p, logit)
           for p, i, logit in zip(columns["top_p"][index], columns["top_i"][index], columns["top_logit"][index])]
    return StepTrace(
        index=index, input_piece=tokenizer.piece(int(record.inputs)), chosen_id=token,
        chosen_piece=tokenizer.piece(token), logprob=columns["logprob"][index], entropy=columns["entropy"][index],
        top=top, attention=columns["weights"][index], scores=columns["scores"][index],
        context=columns["context"][index], attentional=columns["attentional"][index],
        embedding=columns["embedding"][index], hidden=columns["hidden"][index],
        cell=columns["cell"][index], gates=columns["gates"][index], forced=forced,
    )


def encoder_halves(states: torch.Tensor, enc_hidden: int, bidirectional: bool):
    """One sentence's encoder states (T_src, D) -> forward half and backward half (None if one-directional)."""
    forward = states[:, :enc_hidden].tolist()
    backward = states[:, enc_hidden:].tolist() if bidirectional else None
    return forward, backward
