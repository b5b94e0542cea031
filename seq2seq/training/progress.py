"""Where a training run stands: saved with the trainer state, so that `--resume` continues from here."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field


@dataclass
class Progress:
    step: int = 0
    epoch: int = 0
    # Steps taken in the current epoch (one batch per step, as before data parallelism).
    batch_in_epoch: int = 0
    # Best validation score so far, on the run's metric scale (validation.metric_of).
    best: float | None = None
    # Validations in a row without improvement: early stopping counts these.
    bad_validations: int = 0
    # The same, but reset whenever the learning rate is halved.
    plateau: int = 0
    elapsed_s: float = 0.0  # wall seconds of training, over every resumption
    cpu_s: float = 0.0  # this process's CPU seconds of training, over every resumption
    # [score, step] of the best validations whose weights are kept for averaging.
    snapshots: list[list[float]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "Progress":
        """Unknown keys are ignored and missing ones take their defaults: older runs stay resumable."""
        data = json.loads(text)
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{name: value for name, value in data.items() if name in names})
