"""Plain, JSON-serializable records of a decoding: what the UI renders, with no tensors inside."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field


@dataclass
class Candidate:
    token_id: int
    piece: str
    prob: float
    logit: float


@dataclass
class StepTrace:
    index: int
    input_piece: str  # the previous piece the step consumed
    chosen_id: int
    chosen_piece: str
    logprob: float  # log p(chosen piece)
    entropy: float  # of the whole next-piece distribution, in nats
    top: list[Candidate]
    attention: list[float] | None  # over source pieces
    scores: list[float] | None  # attention scores before the softmax
    context: list[float] | None  # c_t
    attentional: list[float] | None  # h~_t, what the output layer reads (None without attention: it is s_t)
    embedding: list[float]
    hidden: list[float]  # top decoder layer after this step
    cell: list[float] | None  # LSTM cell state
    gates: dict[str, list[float]]  # top layer's gates (GRU: reset/update, LSTM: input/forget/output)
    forced: bool = False  # the piece was imposed (reference or what-if prefix), not chosen


@dataclass
class BeamNode:
    node_id: int
    parent: int | None
    step: int
    token_id: int
    piece: str
    logprob: float  # of this piece
    score: float  # cumulative log-probability of the hypothesis
    status: str  # "kept", "finished" or "pruned"


@dataclass
class Hypothesis:
    ids: list[int]  # without BOS/EOS
    logprob: float
    score: float  # after length penalty
    translation: str = ""
    ended: bool = True  # False when the output was cut at the length limit before its EOS


@dataclass
class Trace:
    source: str
    src_ids: list[int]
    src_pieces: list[str]
    output_ids: list[int]
    output_pieces: list[str]
    translation: str
    logprob: float
    strategy: str
    encoder_forward: list[list[float]]  # per source position
    encoder_backward: list[list[float]] | None
    steps: list[StepTrace]
    beam: list[BeamNode] = field(default_factory=list)
    nbest: list[Hypothesis] = field(default_factory=list)
    truncated: bool = False

    @classmethod
    def empty(cls, source: str, strategy: str) -> "Trace":
        """The trace of an input with nothing to translate: no pieces, no steps."""
        return cls(source=source, src_ids=[], src_pieces=[], output_ids=[], output_pieces=[], translation="",
                   logprob=0.0, strategy=strategy, encoder_forward=[], encoder_backward=None, steps=[])

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)
