"""What the step count decides over a run: how many steps it has, how far along it is, and the weights
that change as it goes (teacher forcing, the guided-alignment weight)."""
from __future__ import annotations

from dataclasses import dataclass

from seq2seq.config import TrainConfig
from seq2seq.training.progress import Progress


@dataclass(frozen=True)
class Schedule:
    config: TrainConfig
    steps_per_epoch: int

    def total_steps(self) -> int:
        total = self.steps_per_epoch * self.config.epochs
        return min(total, self.config.max_steps) if self.config.max_steps else total

    def fraction_done(self, progress: Progress) -> float:
        """By steps, or by the wall or CPU budget when one of them ends the run sooner."""
        fraction = progress.step / max(1, self.total_steps())
        for budget, spent in ((self.config.time_budget_s, progress.elapsed_s),
                              (self.config.cpu_budget_s, progress.cpu_s)):
            if budget:
                fraction = max(fraction, spent / budget)
        return min(1.0, fraction)

    def teacher_forcing(self, progress: Progress) -> float:
        """The gold previous piece's probability: constant, or linear towards teacher_forcing_final."""
        start, final = self.config.teacher_forcing, self.config.teacher_forcing_final
        if final < 0:
            return start
        return start + (final - start) * min(1.0, progress.step / max(1, self.total_steps()))

    def guidance_weight(self, progress: Progress) -> float:
        """guided_alignment, halved every guided_alignment_halflife steps (constant when that is 0)."""
        halflife = self.config.guided_alignment_halflife
        return self.config.guided_alignment * (0.5 ** (progress.step / halflife) if halflife else 1.0)
