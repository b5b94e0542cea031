"""The verdict at each validation: takes validation.py's measurements, then decides whether the run
improved, when the learning rate halves and when the run stops early. It decides from explicit arguments
and changes only the Progress and the optimizer it is handed."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from seq2seq.checkpoint import Bundle
from seq2seq.config import TrainConfig
from seq2seq.data.batches import Example
from seq2seq.data.pairs import Split
from seq2seq.training import validation
from seq2seq.training.progress import Progress


@dataclass(frozen=True)
class Measurement:
    loss: float  # mean cross-entropy per target piece, nats
    metric: str  # "bleu" or "exact_match"
    scale: str  # the metric's scale, e.g. "BLEU 0-100"
    score: float
    probes: list[dict[str, Any]]

    def event(self, progress: Progress, improved: bool) -> dict[str, Any]:
        return {"type": "valid", "step": progress.step, "epoch": progress.epoch, "valid_loss": self.loss,
                "valid_ppl": math.exp(min(self.loss, 50)), self.metric: self.score, "metric": self.metric,
                "metric_scale": self.scale, "best": progress.best, "improved": improved,
                "elapsed_s": progress.elapsed_s, "cpu_s": progress.cpu_s, "probes": self.probes}


class Validator:
    def __init__(self, config: TrainConfig, split: Split, examples: list[Example], toy: bool, probes: list[str],
                 device: torch.device, precision: str):
        self.config, self.split, self.examples, self.toy = config, split, examples, toy
        self.probes, self.device, self.precision = probes, device, precision

    def loss(self, model) -> float:
        return validation.valid_loss(model, self.examples, self.config.batch_tokens, self.device, self.precision)

    def measure(self, bundle: Bundle) -> Measurement:
        loss = self.loss(bundle.model)
        metric, scale = validation.metric_of(self.toy)
        score = validation.decoded_score(bundle, self.split, self.config.valid_decode_limit, self.toy)
        return Measurement(loss, metric, scale, score, validation.probe_translations(bundle, self.probes))

    def record(self, progress: Progress, score: float, optimizer: torch.optim.Optimizer) -> bool:
        """Count the validation in `progress`; halve the learning rate after `plateau_patience` bad ones in a row.
        Returns whether the score improved."""
        improved = progress.best is None or score > progress.best
        if improved:
            progress.best, progress.bad_validations, progress.plateau = score, 0, 0
            return True
        progress.bad_validations += 1
        progress.plateau += 1
        if progress.plateau >= self.config.plateau_patience:
            progress.plateau = 0
            for group in optimizer.param_groups:
                group["lr"] = max(self.config.min_lr, group["lr"] * self.config.lr_factor)
        return False

    def stop_reason(self, progress: Progress, measured: Measurement) -> str | None:
        """"target_reached" or "patience" when the run should stop early."""
        target = self.config.target_score
        if target and measured.metric == self.config.target_metric and measured.score >= target:
            return "target_reached"
        patience = self.config.patience
        return "patience" if patience and progress.bad_validations >= patience else None
